"""Spelling correction against the index vocabulary and "Meinten Sie …?" suggestions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from kb.search.engine.german.compounds import _split_folded, analyze_word
from kb.search.engine.german.known import is_german_word
from kb.search.engine.german.normalise import _FOLD_MAP, _STOPWORDS, _WORD_RE, _stem_folded, _stemmer, fold

# ------------------------------------------------------------------ spelling

_ALPHABET = "abcdefghijklmnopqrstuvwxyzäöüß"


def _edits1(w: str) -> dict[str, int]:
    """Distance-1 edits of ``w`` → rank of the edit kind (lower = likelier
    typo: a left-out letter, swapped letters, a wrong letter, an extra one)."""
    splits = [(w[:i], w[i:]) for i in range(len(w) + 1)]
    out: dict[str, int] = {}
    for rank, edits in enumerate(
        (
            [a + c + b for a, b in splits for c in _ALPHABET],
            [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1],
            [a + c + b[1:] for a, b in splits if b for c in _ALPHABET],
            [a + b[1:] for a, b in splits if b],
        )
    ):
        for e in edits:
            out.setdefault(e, rank)
    return out


def edit_stems(low: str) -> list[tuple[str, int, str]]:
    """``(edit, rank, stem)`` for the distance-1 edits of a lowercase word (see :func:`_edits1`)."""
    edits = _edits1(low)
    # one batch through the C stemmer; only edits with umlauts or ß need folding
    stems = _stemmer().stemWords(_folded_edits(low, list(edits)))
    return [(e, rank, t if len(e) > 2 else e) for (e, rank), t in zip(edits.items(), stems, strict=True)]


#: what ``_FOLD_MAP`` does, as plain replacements (each character stands for a string none of the others touch)
_FOLD_PAIRS = tuple((chr(k), v) for k, v in _FOLD_MAP.items())


def _folded_edits(low: str, edits: list[str]) -> list[str]:
    """``[e.translate(_FOLD_MAP) for e in edits]``: the edits joined by newlines and folded with one
    C replacement per umlaut (``translate`` with a mapping goes through a dictionary per character)."""
    if "\n" in low:
        return [e if e.isascii() else e.translate(_FOLD_MAP) for e in edits]
    joined = "\n".join(edits)
    if not joined.isascii():
        for a, b in _FOLD_PAIRS:
            if a in joined:
                joined = joined.replace(a, b)
    return joined.split("\n")


def _osa_last_row(a: str, b: str, limit: int) -> list[int] | None:
    """The last row of the optimal-string-alignment table of ``a`` against ``b``
    (entry ``j``: distance of ``a`` to ``b[:j]``); None once every entry exceeds ``limit``."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        ca = a[i - 1]
        row_min = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if ca == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            if v < row_min:
                row_min = v
        if row_min > limit:
            return None
        prev2, prev = prev, cur
    return prev


def _osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance, returns ``limit + 1`` when above."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    row = _osa_last_row(a, b, limit)
    return limit + 1 if row is None else row[len(b)]


def _prefix_distance(stem_: str, word: str, limit: int, max_rest: int = 4) -> int:
    """Smallest OSA distance between ``stem_`` and a prefix of ``word`` that
    leaves at most ``max_rest`` letters (an inflection suffix) unmatched."""
    m, n = len(stem_), len(word)
    if n - m > limit + max_rest or m - n > limit:
        return limit + 1
    row = _osa_last_row(stem_, word, limit)
    if row is None:
        return limit + 1
    return min(row[j] for j in range(max(0, n - max_rest), n + 1))


_UMLAUT_PAIRS = re.compile(r"ae|oe|(?<!q)ue")


#: a correction must occur in at least this many documents
MIN_CORRECTION_DF = 1


def max_edits(word: str) -> int:
    """Edit distance allowed for a word of this length (0, 1 or 2)."""
    n = len(word)
    if n < 4:
        return 0
    if n < 8:
        return 1
    return 2


@dataclass(frozen=True)
class Correction:
    """A spelling correction: ``term`` is the index term (stem) it maps to,
    ``word`` the corrected surface word when known (edit distance 1)."""

    term: str
    word: str | None
    distance: int
    df: int


class Vocabulary(Protocol):
    """What the speller needs from an index: document frequencies of terms
    and the terms starting with a prefix (a range scan in any sorted term
    dictionary: whoosh ``expand_prefix``, SQL ``LIKE 'abc%'``). A vocabulary may
    also offer ``present(terms) -> set``: those of ``terms`` in the index, at once."""

    def df(self, term: str) -> int: ...

    def with_prefix(self, prefix: str) -> Iterable[str]: ...


class MappingVocabulary:
    """:class:`Vocabulary` over a ``{term: df}`` mapping."""

    def __init__(self, mapping: Mapping[str, int]) -> None:
        self._m = mapping
        self._prefix: dict[str, list[str]] | None = None

    def df(self, term: str) -> int:
        return self._m.get(term, 0)

    def with_prefix(self, prefix: str) -> Iterable[str]:
        if len(prefix) != 3:
            return [t for t in self._m if t.startswith(prefix)]
        if self._prefix is None:
            buckets: dict[str, list[str]] = {}
            for t in self._m:
                buckets.setdefault(t[:3], []).append(t)
            self._prefix = buckets
        return self._prefix.get(prefix, ())


class Speller:
    """Spelling correction against the index vocabulary.

    ``vocabulary`` maps index terms (the stems this module produces) to their
    document frequency (a mapping, or any :class:`Vocabulary`).  A word is
    *known* when its stem (or all its compound parts) is in the vocabulary.
    Distance-1 corrections are found by editing the typed word (keeping its
    umlauts and case) and stemming the candidates, so the suggestion is a
    real spelling; distance 2 (words of 8+ letters) compares the stems that
    share the word's first three letters and only yields the term."""

    def __init__(self, vocabulary: Mapping[str, int] | Vocabulary) -> None:
        if isinstance(vocabulary, Mapping):
            vocabulary = MappingVocabulary(vocabulary)
        self.vocabulary = vocabulary
        self._candidates: dict[str, list[Correction]] = {}

    def term_df(self, term: str) -> int:
        return self.vocabulary.df(term)

    def df(self, word: str) -> int:
        """Document frequency of a word's stem (0 if unknown)."""
        terms = analyze_word(word)
        return self.vocabulary.df(terms[0][0]) if terms else 0

    def is_indexed(self, word: str) -> bool:
        """The word's stem, or every part of it, is in the index."""
        terms = analyze_word(word)
        df = self.vocabulary.df
        if not terms or df(terms[0][0]):
            return True
        leaves = _split_folded(fold(word))
        return bool(leaves) and all(df(_stem_folded(p)) for p in leaves)

    def is_known(self, word: str) -> bool:
        """A German word (:func:`is_german_word`) or a word of the index: never corrected."""
        return is_german_word(word) or self.is_indexed(word)

    def candidates(self, word: str) -> list[Correction]:
        """Corrections best first (smallest distance, then most frequent); remembered per
        word, as scoring and the "Meinten Sie" suggestion ask for the same words."""
        found = self._candidates.get(word)
        if found is None:
            if len(self._candidates) >= 2048:
                self._candidates.clear()
            found = self._candidates[word] = self._find_candidates(word)
        return list(found)

    def _find_candidates(self, word: str) -> list[Correction]:
        low = unicodedata.normalize("NFKC", word).lower()
        f = fold(low)
        limit = max_edits(f)
        if not limit or not f.isalpha():
            return []
        own = _stem_folded(f)
        vdf = self.vocabulary.df
        found: dict[str, Correction] = {}
        ranks: dict[str, int] = {}
        dfs: dict[str, int] = {}
        edits = edit_stems(low)
        present = getattr(self.vocabulary, "present", None)
        if present is not None:  # one set operation instead of a look-up per edit (unknown stems have df 0)
            known = present({t for _e, _rank, t in edits})
            edits = [x for x in edits if x[2] in known]
        for e, rank, t in edits:
            if t == own:
                continue
            df = dfs.get(t)
            if df is None:
                df = dfs[t] = vdf(t)
            if df:
                cur = ranks.get(t)
                if cur is None or rank < cur or (rank == cur and e < (found[t].word or "")):
                    ranks[t] = rank
                    found[t] = Correction(t, e, 1, df)
        if not found and limit >= 2:
            # stems lose suffixes and umlauts: compare with the word's prefixes
            plain = _UMLAUT_PAIRS.sub(lambda m: m.group()[0], f)
            for t in self.vocabulary.with_prefix(own[:3]):
                if t == own or len(t) > len(plain) + 2 or len(t) < len(own) - 2 or not t.isalpha():
                    continue
                d = min(_osa_distance(own, t, 2), _prefix_distance(t, plain, 2))
                if d <= 2:
                    found[t] = Correction(t, None, d, vdf(t))
        return sorted(found.values(), key=lambda c: (c.distance, -c.df, c.term))

    def correct(self, word: str) -> Correction | None:
        """The best correction of ``word`` unless it is known (a German word or in the index):
        the closest candidate, if it is in at least ``MIN_CORRECTION_DF`` documents."""
        if self.is_known(word):
            return None
        for c in self.candidates(word):
            if c.df >= MIN_CORRECTION_DF:
                return c
            break
        return None

    def suggest(self, query_text: str, display: Callable[[str], str | None] | None = None) -> str | None:
        """The query with its unknown words corrected, or None.

        ``display(term)`` may supply a surface word for a distance-2
        correction (e.g. from a document containing the term)."""
        changed = False
        out: list[str] = []
        pos = 0
        for m in _WORD_RE.finditer(query_text):
            w = m.group()
            out.append(query_text[pos : m.start()])
            pos = m.end()
            repl = None
            if fold(w) not in _STOPWORDS:
                c = self.correct(w)
                if c is not None:
                    repl = c.word or (display(c.term) if display is not None else None)
            if repl:
                changed = True
                out.append(match_case(w, repl))
            else:
                out.append(w)
        out.append(query_text[pos:])
        return "".join(out) if changed else None


def match_case(original: str, repl: str) -> str:
    """``repl`` written like ``original`` (all capitals, or a capital first letter)."""
    if original.isupper() and len(original) > 1:
        return repl.upper()
    if original[:1].isupper():
        return repl[:1].upper() + repl[1:]
    return repl


def suggest(query_text: str, vocabulary: Mapping[str, int] | Speller) -> str | None:
    """Corrected query if a word is neither German nor indexed and a close indexed term exists.

    ``vocabulary`` maps index terms to document frequencies (or is a
    :class:`Speller` to reuse across calls)::

        suggest("Digitalisierng", {"digitalisier": 12}) == "Digitalisierung"
    """
    sp = vocabulary if isinstance(vocabulary, Speller) else Speller(vocabulary)
    return sp.suggest(query_text)
