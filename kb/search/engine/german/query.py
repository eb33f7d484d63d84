"""Query parsing: groups of alternatives (exact, variant, parts, synonym, fuzzy)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kb.search.engine.german.compounds import _split_folded, _word_key, analyze_word
from kb.search.engine.german.normalise import _stem_folded, fold, tokenize
from kb.search.engine.german.spelling import Correction
from kb.search.engine.german.synonyms import Synonyms, load_synonyms, phrase_term

#: query boosts of the alternative kinds (relative to the typed word = 1.0)
BOOST_EXACT = 1.0
BOOST_VARIANT = 0.6  # derivational variant: Warnung -> warn
BOOST_PARTS = 0.75  # all parts of a query compound present
BOOST_SYNONYM = 0.85
BOOST_SYNONYM_PARTS = 0.55
BOOST_FUZZY = 0.7
#: query weight of filler words ("Projekte in Sachsen")
FILLER_WEIGHT = 0.15

MAX_QUERY_WORDS = 16  # longer queries are cut (each word costs a scoring pass)


# Query words that describe *what kind of thing* is searched rather than the
# subject ("Projekte in Sachsen", "Lösungen für Kommunen"): low query weight.
_FILLER_STEMS = frozenset(
    _stem_folded(fold(w))
    for w in [
        "projekt", "projekte", "loesung", "loesungen", "kommune", "kommunen", "kommunal", "kommunale", "stadt",
        "staedte", "gemeinde", "gemeinden", "landkreis", "landkreise", "kreis", "beispiel", "beispiele",
        "praxisbeispiel", "anwendungsfall", "anwendungsfaelle", "erfahrung", "erfahrungen", "umsetzung", "einsatz",
        "vorhaben", "initiative", "idee", "ideen", "ansatz", "suche", "angebot", "angebote", "verwaltung",
        "verwaltungen",
    ]
)


# ------------------------------------------------------------ query parsing


@dataclass(frozen=True)
class Alternative:
    """One way to satisfy a query group: *all* ``terms`` must be present."""

    terms: tuple[str, ...]
    boost: float
    kind: str  # exact | variant | parts | synonym | fuzzy


@dataclass(frozen=True)
class Group:
    """One concept of the query (a word, or a multi-word synonym phrase).

    A document's score for the group is the best of its alternatives."""

    text: str  # the user's words
    alternatives: tuple[Alternative, ...]
    weight: float = 1.0
    filler: bool = False
    words: tuple[str, ...] = ()  # folded surface words (for spelling)

    def terms(self) -> set[str]:
        return {t for a in self.alternatives for t in a.terms}


@dataclass(frozen=True)
class ParsedQuery:
    groups: tuple[Group, ...]
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.groups

    def terms(self) -> set[str]:
        """Every term any alternative looks for (for highlighting)."""
        out: set[str] = set()
        for g in self.groups:
            out |= g.terms()
        return out


def _variants(term: str) -> list[str]:
    """Derivational variants of a stem: "warnung" → "warn" (Frühwarnsystem)."""
    out = []
    if term.endswith("ung") and len(term) >= 7:
        out.append(term[:-3])
    return out


def _word_alternatives(word: str, boost_scale: float = 1.0) -> list[Alternative]:
    terms = analyze_word(word)
    if not terms:
        return []
    whole = terms[0][0]
    alts = [Alternative((whole,), BOOST_EXACT * boost_scale, "exact")]
    for v in _variants(whole):
        alts.append(Alternative((v,), BOOST_VARIANT * boost_scale, "variant"))
    leaves = _split_folded(fold(word))
    if leaves:
        stems = tuple(dict.fromkeys(_stem_folded(p) for p in leaves if len(p) >= 2))
        if len(stems) > 1:
            alts.append(Alternative(stems, BOOST_PARTS * boost_scale, "parts"))
    return alts


def _dedupe(alts: Iterable[Alternative]) -> tuple[Alternative, ...]:
    best: dict[tuple[str, ...], Alternative] = {}
    for a in alts:
        cur = best.get(a.terms)
        if cur is None or a.boost > cur.boost:
            best[a.terms] = a
    return tuple(sorted(best.values(), key=lambda a: -a.boost))


def _synonym_alternatives(key: tuple[str, ...], syn: Synonyms) -> list[Alternative]:
    alts: list[Alternative] = []
    for dst in syn.expansions.get(key, ()):
        if len(dst) == 1:
            alts.append(Alternative(dst, BOOST_SYNONYM, "synonym"))
        else:
            alts.append(Alternative((phrase_term(dst),), BOOST_SYNONYM, "synonym"))
            alts.append(Alternative(dst, BOOST_SYNONYM_PARTS, "synonym"))
    return alts


def parse_query(text: str, synonyms: Synonyms | None = None) -> ParsedQuery:
    """Turn user input into groups of alternatives.

    Each word becomes a group with alternatives: the exact stem (1.0), a
    derivational variant (0.6), all compound parts together (0.75) and
    synonyms (0.85; multi-word synonyms as phrase term, or all their words at
    0.55).  A multi-word synonym typed by the user ("künstliche Intelligenz")
    becomes one group.  Stop words vanish; filler words get a low weight.
    Quotes and operators are ignored: the query is free text.
    """
    syn = synonyms if synonyms is not None else load_synonyms()
    words = [w.text for w in tokenize(text[:1000])]
    items: list[tuple[str, str]] = []  # (surface, key)
    for w in words:
        k = _word_key(w)
        if k:
            items.append((w, k))
    del items[MAX_QUERY_WORDS:]
    groups: list[Group] = []
    i = 0
    while i < len(items):
        matched = 0
        for n in range(min(syn.max_len, len(items) - i), 1, -1):
            key = tuple(k for _, k in items[i : i + n])
            if key in syn.expansions or key in syn.phrases:
                matched = n
                break
        if matched:
            seg = items[i : i + matched]
            key = tuple(k for _, k in seg)
            alts = [Alternative((phrase_term(key),), BOOST_EXACT, "exact"), Alternative(key, 0.8, "parts")]
            alts += _synonym_alternatives(key, syn)
            groups.append(
                Group(
                    text=" ".join(s for s, _ in seg),
                    alternatives=_dedupe(alts),
                    words=tuple(fold(s) for s, _ in seg),
                )
            )
            i += matched
            continue
        surface, key = items[i]
        alts = _word_alternatives(surface)
        alts += _synonym_alternatives((key,), syn)
        filler = key in _FILLER_STEMS
        groups.append(
            Group(
                text=surface,
                alternatives=_dedupe(alts),
                weight=FILLER_WEIGHT if filler else 1.0,
                filler=filler,
                words=(fold(surface),),
            )
        )
        i += 1
    if groups and all(g.filler for g in groups):
        groups = [Group(g.text, g.alternatives, 1.0, False, g.words) for g in groups]
    return ParsedQuery(groups=tuple(groups), text=text)


def fuzzy_group(group: Group, correction: Correction) -> Group:
    """``group`` plus the alternatives of a spelling correction (boost ×0.7)."""
    if correction.word:
        base = _word_alternatives(correction.word)
    else:
        base = [Alternative((correction.term,), BOOST_EXACT, "exact")]
    base += _synonym_alternatives((correction.term,), load_synonyms())
    extra = [Alternative(a.terms, round(a.boost * BOOST_FUZZY, 4), "fuzzy") for a in base]
    return Group(group.text, _dedupe([*group.alternatives, *extra]), group.weight, group.filler, group.words)
