"""Query parsing: groups of alternatives (exact, variant, compound parts, synonym, fuzzy)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from kb.search.engine.german.compounds import _word_key, analyze_word
from kb.search.engine.german.heads import PARTIAL_KINDS, compound_alternatives, variants
from kb.search.engine.german.known import is_german_word
from kb.search.engine.german.normalise import fold, tokenize
from kb.search.engine.german.roles import FILLER_STEMS, STOPLIKE_STEMS
from kb.search.engine.german.spelling import Correction
from kb.search.engine.german.synonyms import Synonyms, load_synonyms, phrase_term

#: query boosts of the alternative kinds (relative to the typed word = 1.0)
BOOST_EXACT = 1.0
BOOST_VARIANT = 0.6  # derivational variant: Warnung -> warn
BOOST_PARTS = 0.75  # all parts of a query compound present (see german.heads for the others)
BOOST_SYNONYM = 0.85
BOOST_SYNONYM_PARTS = 0.55
BOOST_FUZZY = 0.7
#: query weight of filler words ("Projekte in Sachsen")
FILLER_WEIGHT = 0.15

MAX_QUERY_WORDS = 16  # longer queries are cut (each word costs a scoring pass)


# ------------------------------------------------------------ query parsing


@dataclass(frozen=True)
class Alternative:
    """One way to satisfy a query group: *all* ``terms`` must be present.

    ``weights`` are the shares of the terms in the alternative's score (default: equal);
    a *partial* alternative (:data:`german.heads.PARTIAL_KINDS`) matches only part of what was
    typed (the head of a compound alone, …)."""

    terms: tuple[str, ...]
    boost: float
    kind: str  # exact | variant | parts | synonym | fuzzy | loose | head | modifier
    weights: tuple[float, ...] = ()

    @property
    def full(self) -> bool:
        return self.kind not in PARTIAL_KINDS

    def shares(self) -> tuple[float, ...]:
        return self.weights or tuple(1.0 / len(self.terms) for _ in self.terms)


@dataclass(frozen=True)
class Group:
    """One concept of the query (a word, or a multi-word synonym phrase).

    A document's score for the group is the best of its alternatives. ``stoplike`` groups
    ("digital", "Anfrage") do not qualify a document alone in a query of several concepts;
    ``german``: every word is a German word, so it is never corrected."""

    text: str  # the user's words
    alternatives: tuple[Alternative, ...]
    weight: float = 1.0
    filler: bool = False
    words: tuple[str, ...] = ()  # folded surface words (for spelling)
    stoplike: bool = False
    german: bool = False

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


def substantive(groups: Iterable[Group]) -> list[Group]:
    """The groups a strong hit is judged by: not filler, not stop-like — unless that leaves none
    (a query of only such words is judged by them)."""
    groups = list(groups)
    return ([g for g in groups if not g.filler and not g.stoplike]
            or [g for g in groups if not g.filler] or groups)


def _one_term_synonyms(syn: Synonyms):
    def lookup(stem: str) -> list[str]:
        return [dst[0] for dst in syn.expansions.get((stem,), ()) if len(dst) == 1]
    return lookup


def _word_alternatives(word: str, syn: Synonyms, boost_scale: float = 1.0) -> list[Alternative]:
    terms = analyze_word(word)
    if not terms:
        return []
    whole = terms[0][0]
    alts = [Alternative((whole,), BOOST_EXACT * boost_scale, "exact")]
    for v in variants(whole):
        alts.append(Alternative((v,), BOOST_VARIANT * boost_scale, "variant"))
    same = _one_term_synonyms(syn)
    for t, boost, kind, weights in compound_alternatives(word, same, same):
        alts.append(Alternative(t, round(boost * boost_scale, 4), kind, weights))
    return alts


def _dedupe(alts: Iterable[Alternative]) -> tuple[Alternative, ...]:
    best: dict[tuple[str, ...], Alternative] = {}
    for a in alts:
        cur = best.get(a.terms)
        if cur is None or (a.full, a.boost) > (cur.full, cur.boost):
            best[a.terms] = a
    return tuple(sorted(best.values(), key=lambda a: (not a.full, -a.boost)))


def _synonym_alternatives(key: tuple[str, ...], syn: Synonyms) -> list[Alternative]:
    alts: list[Alternative] = []
    for dst in syn.expansions.get(key, ()):
        if len(dst) == 1:
            alts.append(Alternative(dst, BOOST_SYNONYM, "synonym"))
        else:
            alts.append(Alternative((phrase_term(dst),), BOOST_SYNONYM, "synonym"))
            alts.append(Alternative(dst, BOOST_SYNONYM_PARTS, "synonym"))
    return alts


def parse_query(text: str, synonyms: Synonyms | None = None, drop_fillers: bool = False) -> ParsedQuery:
    """Turn user input into groups of alternatives.

    Each word becomes a group with alternatives: the exact stem (1.0), a
    derivational variant (0.6), the head-weighted parts of a compound
    (:mod:`kb.search.engine.german.heads`) and synonyms (0.85; multi-word
    synonyms as phrase term, or all their words at 0.55).  A multi-word
    synonym typed by the user ("künstliche Intelligenz") becomes one group.
    Stop words vanish; filler words get a low weight — or, when the query has
    nothing else, count normally (``drop_fillers``: vanish, as after a Land was
    taken out as a filter: "Projekte in Sachsen" lists the Land's cases).
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
                    german=True,
                )
            )
            i += matched
            continue
        surface, key = items[i]
        alts = _word_alternatives(surface, syn)
        alts += _synonym_alternatives((key,), syn)
        filler = key in FILLER_STEMS
        groups.append(
            Group(
                text=surface,
                alternatives=_dedupe(alts),
                weight=FILLER_WEIGHT if filler else 1.0,
                filler=filler,
                words=(fold(surface),),
                stoplike=key in STOPLIKE_STEMS,
                german=is_german_word(surface),
            )
        )
        i += 1
    if groups and all(g.filler for g in groups):
        groups = [] if drop_fillers else [replace(g, weight=1.0, filler=False) for g in groups]
    return ParsedQuery(groups=tuple(groups), text=text)


def fuzzy_group(group: Group, correction: Correction) -> Group:
    """``group`` plus the alternatives of a spelling correction (boost ×0.7)."""
    syn = load_synonyms()
    if correction.word:
        base = _word_alternatives(correction.word, syn)
    else:
        base = [Alternative((correction.term,), BOOST_EXACT, "exact")]
    base += _synonym_alternatives((correction.term,), syn)
    extra = [replace(a, boost=round(a.boost * BOOST_FUZZY, 4), kind="fuzzy" if a.full else a.kind) for a in base]
    return replace(group, alternatives=_dedupe([*group.alternatives, *extra]))
