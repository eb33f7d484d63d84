"""What a search means before a backend runs it, and what to tell the user afterwards.

Shared by both backends, so that they agree on every decision that is not scoring:

* :func:`plan` – the query with the Länder named in its text taken out as filters ("Geodaten
  NRW"), parsed into groups (:func:`german.parse_query`);
* :func:`propose_corrections` – spelling corrections for the words that are neither German words
  nor in the index; a backend searches with them and keeps them only if they find a hit above the
  relevance floor (:mod:`kb.search.engine.ranking`), else it answers the words as typed;
* :func:`corrected_text`, :func:`unmatched_words`, :func:`related_searches` – the corrected query
  as the user should see it, the words nothing matches ("keine Treffer für …") and searches
  related to them that do find something.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from kb.search.engine import german, places
from kb.search.engine.base import SearchQuery, normalise_query

MAX_RELATED = 4
#: kinds of alternatives whose single term is a search related to the typed word
_RELATED_KINDS = ("synonym", "head", "modifier", "loose", "parts")


@dataclass(frozen=True)
class QueryPlan:
    query: SearchQuery  # normalised, with the Länder of the text added to ``states``
    parsed: german.ParsedQuery
    laender: tuple[str, ...] = ()  # Länder taken from the text
    named: tuple[str, ...] = ()  # the words that named them


def plan(query: SearchQuery) -> QueryPlan:
    """Normalise the query, take out of its text the parts the app made ``places`` filters
    (``place_text``) and the Länder (unless ``detect_places`` is off), parse it."""
    q = normalise_query(query)
    text = without_parts(q.text, q.place_text)
    found = places.find_laender(text) if q.detect_places and text else places.PlacesInText(text)
    parsed = (german.parse_query(found.text, drop_fillers=bool(found.laender or q.place_text)) if found.text
              else german.ParsedQuery(()))
    states = tuple(dict.fromkeys([*q.states, *found.laender]))
    return QueryPlan(replace(q, states=states), parsed, found.laender, found.named)


def without_parts(text: str, parts) -> str:
    """``text`` without the first occurrence of each of ``parts`` (as words, not inside a word)."""
    for part in parts:
        at = _word_at(text, part)
        if at >= 0:
            text = " ".join((text[:at] + " " + text[at + len(part):]).split())
    return text


def _word_at(text: str, part: str) -> int:
    start = text.find(part)
    while start >= 0:
        end = start + len(part)
        if (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            return start
        start = text.find(part, start + 1)
    return -1


def propose_corrections(parsed: german.ParsedQuery, speller: german.Speller,
                        indexed: Callable[[german.Group], bool]) -> dict[int, german.Correction]:
    """``{group index: correction}`` for one-word groups that are neither German nor indexed."""
    out: dict[int, german.Correction] = {}
    for i, group in enumerate(parsed.groups):
        if group.filler or group.german or len(group.words) != 1 or indexed(group):
            continue
        correction = speller.correct(group.text)
        if correction is not None:
            out[i] = correction
    return out


def with_corrections(parsed: german.ParsedQuery, fixes: Mapping[int, german.Correction]) -> german.ParsedQuery:
    """The query with the corrected words' alternatives added to their groups."""
    if not fixes:
        return parsed
    groups = tuple(german.fuzzy_group(g, fixes[i]) if i in fixes else g for i, g in enumerate(parsed.groups))
    return replace(parsed, groups=groups)


def corrected_text(text: str, parsed: german.ParsedQuery, fixes: Mapping[int, german.Correction],
                   display: Callable[[str], str | None]) -> str | None:
    """The query text with each corrected word replaced (written like the typed one), or None."""
    out = text
    changed = False
    for i, correction in sorted(fixes.items()):
        word = parsed.groups[i].text
        repl = correction.word or display(correction.term)
        if repl and word in out:
            out = out.replace(word, german.match_case(word, repl), 1)
            changed = True
    return out if changed else None


def unmatched_words(parsed: german.ParsedQuery, fully_matched: Sequence[bool]) -> list[str]:
    """The typed words (groups) no document matches fully ("keine Treffer für …")."""
    return [g.text for g, ok in zip(parsed.groups, fully_matched, strict=True) if not g.filler and not ok]


def related_searches(text: str, parsed: german.ParsedQuery, fully_matched: Sequence[bool],
                     df: Callable[[str], int], display: Callable[[str], str | None]) -> list[str]:
    """Searches that find something, for a query some of whose words match nothing: the query
    without those words (when the rest matches), then synonyms and compound parts of the
    unmatched words (Mülleimer → Müll), each as a word some document uses."""
    unmatched = [g for g, ok in zip(parsed.groups, fully_matched, strict=True) if not g.filler and not ok]
    if not unmatched:
        return []
    out: list[str] = []
    seen = {g.text.casefold() for g in parsed.groups}
    rest = [g for g, ok in zip(parsed.groups, fully_matched, strict=True) if ok and not g.filler]
    if rest and any(not g.stoplike for g in rest):
        words = [w.text for w in german.tokenize(text)]
        drop = {w for g in unmatched for w in g.text.split()}
        kept = " ".join(w for w in words if w not in drop)
        if kept and kept.casefold() != text.casefold():
            out.append(kept)
            seen.add(kept.casefold())
    for group in unmatched:
        for term in _related_terms(group):
            if len(out) >= MAX_RELATED:
                return out
            if not df(term):
                continue
            word = _part_of(group.text, term) or display(term)
            if word and word[:1].isupper() and word.casefold() not in seen:  # nouns: Müll, not "steuern"
                seen.add(word.casefold())
                out.append(word)
    return out


def _part_of(typed: str, term: str) -> str | None:
    """The shortest part of a typed compound whose stem is ``term``, capitalised (Mülleimer, muell →
    Müll; Kita-Platzvergabe, vergab → Vergabe, not "Vergab")."""
    if len(typed) > 40:
        return None
    leaves = set(german.split_compound(typed))
    for size in range(3, len(typed)):
        for start in range(len(typed) - size + 1):
            piece = typed[start : start + size]
            if piece.isalpha() and german.fold(piece) in leaves and german.stem(piece) == term:
                return piece[:1].upper() + piece[1:]
    return None


def _related_terms(group: german.Group) -> list[str]:
    """Synonyms first, then the head and the modifier of a compound alone, then the parts of its
    other alternatives: their head, and a modifier the synonym file knows (Mülleimer → Müll, but
    not Standesamt → Stand)."""
    known = german.load_synonyms().expansions
    ranked: dict[str, int] = {}
    for alt in group.alternatives:
        if alt.kind not in _RELATED_KINDS:
            continue
        order = _RELATED_KINDS.index(alt.kind)
        terms = [alt.terms[-1], *(t for t in alt.terms[:-1] if (t,) in known)]
        for term in terms:
            if "_" not in term:
                ranked.setdefault(term, order)
    return sorted(ranked, key=lambda t: ranked[t])
