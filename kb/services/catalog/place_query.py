"""Municipalities and Kreise named in a search ("Landkreis Harz", "in Jena", "Stadt Leipzig") as filters.

The search engine takes the Länder out of the text itself (:mod:`kb.search.engine.places`); the
Gemeinden and Kreise need the registry (:mod:`kb.services.registry.names`), so they are found here,
before the engine runs, and handed over as ``SearchQuery.places`` (registry keys) with the words
that named them (``place_text``, which leave the text).

What counts as a place
  * after a cue: "Landkreis"/"Kreis"/"LK" (only Kreise), "Stadt"/"Gemeinde"/"Markt"/"Hansestadt"
    (only Gemeinden), "Region"/"Städteregion" (part of the Kreis name), "in" ("in Jena"; with an
    article or "im" only before such a type word: "im Landkreis Harz", "in der Stadt Jena");
    after a bare "in" an ordinary word counts only when written with a capital ("in Lage");
  * without a cue: a name of at least four letters that names one Gemeinde or Kreis and is no
    ordinary German word (Essen, Hof, Wald, Weil, Bruck, Berg, Lage, Bad … never count without a
    cue: ``seed_data/search/place_words_common.txt``, built from the word list of the speller's
    lexicon by ``scripts/build_place_words.py``);
  * never a Land (Sachsen, Berlin, NRW …): that is the engine's filter.

One place → an applied filter; several of that name (Neustadt) → suggestions to choose from, the
words stay in the text. A Land in the query or the filters narrows the candidates ("Neustadt
Sachsen").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kb.search.engine.german.normalise import DataFile, data_dir, fold
from kb.search.engine.places import land_name
from kb.services.catalog.listing import FilterError
from kb.services.registry.gazetteer import get_resolver
from kb.services.registry.names import NameResolver, RegistryEntry

MAX_WORDS = 5  # longest name tried ("Neustadt an der Weinstraße", "Frankfurt am Main")
MAX_SUGGESTIONS = 5
MIN_LETTERS = 4  # a name without a cue
KREIS_CUES = frozenset({"landkreis", "kreis", "lk", "lkr"})
REGION_CUES = frozenset({"region", "staedteregion", "regionalverband"})
GEMEINDE_CUES = frozenset({"stadt", "gemeinde", "markt", "hansestadt", "landeshauptstadt", "kreisstadt"})
PREPOSITIONS = frozenset({"in", "aus"})  # before a name
TYPE_PREPOSITIONS = frozenset({"in", "im", "aus", "vom"})  # before a type word ("im Landkreis Harz")
ARTICLES = frozenset({"der", "dem", "den"})
_TOKEN = re.compile(r"\S+")
_EDGE = ",.;:!?\"'„“”«»"


@DataFile
def _common_words() -> frozenset[str]:
    """Folded words of place names that are ordinary German words (Essen, Hof, Wald …)."""
    path = data_dir() / "place_words_common.txt"
    if not path.exists():
        return frozenset()
    with path.open(encoding="utf-8") as fh:
        return frozenset(w for line in fh if (w := line.split("#", 1)[0].strip()))


def is_common_word(word: str) -> bool:
    """``word`` is an ordinary German word that also names places (needs a cue to be a place)."""
    return fold(word) in _common_words()


@dataclass(frozen=True)
class Place:
    """A Gemeinde or Kreis as a search filter."""

    key: str  # 8-digit AGS or 5-digit Kreis key (SearchDocument.place_keys)
    kind: str  # "gemeinde" or "kreis"
    name: str  # "Jena", "Landkreis Harz"
    land: str
    label: str  # telling it apart from its namesakes: "Neustadt (Hessen) (Landkreis Marburg-Biedenkopf, Hessen)"

    @property
    def param(self) -> str:
        """The query parameter of this filter."""
        return "kreis" if self.kind == "kreis" else "municipality"

    def as_json(self) -> dict[str, str]:
        return {"key": self.key, "kind": self.kind, "name": self.name, "land": self.land, "label": self.label}


def resolve_params(municipalities: Iterable[str], kreise: Iterable[str]) -> list[str]:
    """Registry keys of ``municipality=`` (8-digit AGS or a Gemeinde's name) and ``kreis=`` values
    (5-digit key or a Kreis's name); ``FilterError`` for a value that names no or several places."""
    resolver = get_resolver()
    keys = [_param_key(resolver, "municipality", v) for v in municipalities]
    keys += [_param_key(resolver, "kreis", v) for v in kreise]
    return list(dict.fromkeys(keys))


def _param_key(resolver: NameResolver, name: str, value: str) -> str:
    kind, digits = ("kreis", 5) if name == "kreis" else ("gemeinde", 8)
    text = " ".join(value.split())[:120]
    if text.isdigit():
        if len(text) == digits and resolver.lookup(text) is not None:
            return text
        raise FilterError(name, value[:40])
    entries = [e for e in resolver.candidates(text) if e.kind == kind]
    if not entries and kind == "kreis":
        entries = [e for e in resolver.candidates(f"Landkreis {text}") if e.kind == kind]
    if len(entries) != 1:
        raise FilterError(name, value[:40])
    return entries[0].key


def place_of(resolver: NameResolver, entry: RegistryEntry, key: str | None = None) -> Place:
    key = key or entry.key
    label = resolver.describe(entry).replace(f", {entry.key})", ")")
    return Place(key, "kreis" if len(key) == 5 else "gemeinde", entry.display_name, entry.land, label)


@dataclass(frozen=True)
class PlacesInText:
    """What :func:`find_places` found in a query text."""

    applied: tuple[Place, ...] = ()
    parts: tuple[str, ...] = ()  # the parts of the text that named them ("in Jena", "Landkreis Harz")
    suggested: tuple[Place, ...] = ()  # namesakes to choose from (an ambiguous name)
    ambiguous: tuple[str, ...] = ()  # the words that named them


@dataclass
class _Token:
    text: str  # as typed, without punctuation at its edges
    start: int
    end: int
    stop: bool  # a comma or the like ends a name here

    @property
    def folded(self) -> str:
        return fold(self.text)


def _tokens(text: str) -> list[_Token]:
    out = []
    for m in _TOKEN.finditer(text):
        raw = m.group()
        lead = len(raw) - len(raw.lstrip(_EDGE))
        word = raw.strip(_EDGE)
        if word:
            start = m.start() + lead
            out.append(_Token(word, start, start + len(word), raw.rstrip(_EDGE) != raw))
    return out


@dataclass
class _Cue:
    start: int  # first token of the place's words (cue included)
    name: int  # first token of the name
    prefix: str  # what the resolver is told before the name ("Landkreis", "Stadt", "")
    kind: str | None  # "kreis", "gemeinde" or None (either)
    explicit: bool  # a cue at all
    typed: bool  # a type word ("Landkreis", "Stadt", "Region")


def _cue_at(words: list[_Token], i: int) -> _Cue:
    j = i
    if words[j].folded in TYPE_PREPOSITIONS and j + 1 < len(words):
        j += 1
        if words[j].folded in ARTICLES and j + 1 < len(words):
            j += 1
    if j + 1 < len(words):
        f = words[j].folded
        if f in REGION_CUES:
            return _Cue(i, j, "", "kreis", True, True)
        if f in KREIS_CUES:
            return _Cue(i, j + 1, "Landkreis", "kreis", True, True)
        if f in GEMEINDE_CUES:
            return _Cue(i, j + 1, words[j].text, "gemeinde", True, True)
    if words[i].folded in PREPOSITIONS and i + 1 < len(words):
        return _Cue(i, i + 1, "", None, True, False)
    return _Cue(i, i, "", None, False, False)


def find_places(text: str, resolver: NameResolver, laender: Iterable[str] = ()) -> PlacesInText:
    """The Gemeinden and Kreise named in ``text`` (see the module docstring); ``laender`` (names)
    narrow namesakes down."""
    words = _tokens(text)
    within = set(laender)
    applied: list[Place] = []
    parts: list[str] = []
    suggested: list[Place] = []
    ambiguous: list[str] = []
    i = 0
    while i < len(words):
        cue = _cue_at(words, i)
        found = _name_at(words, cue, resolver)
        if found is None and cue.explicit:  # the cue word may be a name itself ("Stadt Stadt", rare)
            cue = _Cue(i, i, "", None, False, False)
            found = _name_at(words, cue, resolver)
        if found is None:
            i += 1
            continue
        end, entries = found
        if not entries:  # a Land: left to the engine
            i = end
            continue
        if within:
            entries = [e for e in entries if e.land in within] or entries
        if len(entries) == 1:
            applied.append(place_of(resolver, entries[0]))
            parts.append(text[words[cue.start].start:words[end - 1].end])
        else:
            suggested.extend(place_of(resolver, e) for e in entries[:MAX_SUGGESTIONS])
            ambiguous.append(text[words[cue.name].start:words[end - 1].end])
        i = end
    return PlacesInText(tuple(_unique(applied)), tuple(parts), tuple(_unique(suggested)), tuple(ambiguous))


def _name_at(words: list[_Token], cue: _Cue, resolver: NameResolver) -> tuple[int, list[RegistryEntry]] | None:
    """(end token, candidates) of the longest name at the cue's name position (no candidates: a
    Land), or None."""
    first = cue.name
    if first >= len(words):
        return None
    longest = 1
    while longest < MAX_WORDS and first + longest < len(words) and not words[first + longest - 1].stop:
        longest += 1
    for n in range(longest, 0, -1):
        span = words[first:first + n]
        name = " ".join(w.text for w in span)
        if land_name(name) is not None:
            return first + n, []  # a Land: the engine's filter
        text = f"{cue.prefix} {name}".strip()
        if not resolver.may_name(text) or not _may_be_place(span, cue):
            continue
        entries = resolver.candidates(text, loose=cue.explicit)
        if cue.kind is not None:
            entries = [e for e in entries if e.kind == cue.kind]
        if entries:
            return first + n, entries
    return None


def _may_be_place(span: Sequence[_Token], cue: _Cue) -> bool:
    """The false-place guard: ordinary words need a cue (after a bare "in" also a capital letter)."""
    if cue.typed:
        return True
    common = all(is_common_word(w.text) or len(w.folded) <= 3 for w in span)
    if cue.explicit:
        return not common or span[0].text[:1].isupper()
    letters = sum(c.isalpha() for w in span for c in w.text)
    return letters >= MIN_LETTERS and not common and not span[0].text.isupper()


def _unique(places: Iterable[Place]) -> list[Place]:
    return list({p.key: p for p in places}.values())
