"""Which words of a text match query terms (for highlighting)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from kb.search.engine.german.compounds import analyze_word, whole_stem
from kb.search.engine.german.normalise import _WORD_RE

# -------------------------------------------------------------- highlighting


@lru_cache(maxsize=300_000)
def _word_terms_cached(word: str) -> frozenset[str]:
    return frozenset(t for t, _ in analyze_word(word))


def word_terms(word: str) -> frozenset[str]:
    """All terms (whole stem and parts) of a word, for highlighting."""
    return _word_terms_cached(word)


_PLAIN_CHARS = (("ä", "a"), ("ö", "o"), ("ü", "u"), ("ß", "s"), ("-", ""), ("‐", ""), ("‑", ""))


def _plain_form(s: str) -> str:
    """Lowercase text with umlauts reduced to their base vowel (ae → a …)
    and ss → s: every stem or compound part of a word is a substring of the
    word's plain form (as plain string).  ``str.replace`` runs in C, unlike
    ``str.translate`` with a mapping, which matters for whole texts."""
    p = s.lower()
    for a, b in _PLAIN_CHARS:
        if a in p:
            p = p.replace(a, b)
    if "e" in p:
        p = p.replace("ae", "a").replace("oe", "o").replace("ue", "u")
    return p.replace("ss", "s") if "ss" in p else p


_plain = lru_cache(maxsize=300_000)(_plain_form)


@lru_cache(maxsize=2048)
def _pieces(terms: frozenset[str], whole_only: frozenset[str]) -> tuple[tuple[str, ...], frozenset[str], bool]:
    """The plain forms of the query terms (of a phrase term's words), the words of the phrase terms
    and whether every piece is plain letters and digits (once per query, not per text)."""
    pieces = {_plain(p) for t in terms | whole_only for p in t.split("_") if len(p) >= 2}
    phrase_keys = frozenset(p for t in terms if "_" in t for p in t.split("_"))
    ordered = tuple(sorted(pieces, key=len, reverse=True))
    return ordered, phrase_keys, all(p.isalnum() for p in ordered)


@lru_cache(maxsize=2048)
def _matcher(terms: frozenset[str], whole_only: frozenset[str]) -> tuple[re.Pattern[str] | None, frozenset[str]]:
    """The regex finding the plain form of any query term (or of a phrase term's words) in a plain
    text, and the words of the phrase terms (only texts off the fast path need it)."""
    pieces, phrase_keys, _safe = _pieces(terms, whole_only)
    if not pieces:
        return None, phrase_keys
    return re.compile("|".join(re.escape(p) for p in pieces)), phrase_keys


def _distinct_words(text: str) -> set[str]:
    """``set(_WORD_RE.findall(text))``, faster: words never span white space, so only the tokens
    that are not plain letters and digits need the regex."""
    words: set[str] = set()
    for token in set(text.split()):
        if token.isalnum():
            words.add(token)
        else:
            words.update(_WORD_RE.findall(token))
    return words


def prepare_words(texts: Iterable[str]) -> int:
    """Analyse the distinct words of ``texts`` as highlighting does, into its caches (a worker's
    warm-up: the words of the frequent document vocabulary are then analysed before the first
    search marks them; a compound takes 0.05–0.1 ms). Return the number of distinct words."""
    words: set[str] = set()
    for text in texts:
        words.update(_distinct_words(text))
    for word in words:
        if whole_stem(word) is not None:
            _word_terms_cached(word)
    return len(words)


_JOINERS = "-‐‑"


def _occurrences(text: str, word: str) -> Iterator[tuple[int, int]]:
    """Spans where ``word`` stands as a whole word of :data:`_WORD_RE` in ``text``
    (no letter or digit, nor one joined by a hyphen, on either side)."""
    n, size = len(text), len(word)
    start = text.find(word)
    while start != -1:
        end = start + size
        before = start == 0 or not (
            text[start - 1].isalnum() or (text[start - 1] in _JOINERS and start > 1 and text[start - 2].isalnum())
        )
        after = end == n or not (
            text[end].isalnum() or (text[end] in _JOINERS and end + 1 < n and text[end + 1].isalnum())
        )
        if before and after:
            yield start, end
        start = text.find(word, start + 1)


#: texts with these never take the fast path of :func:`match_spans`: hyphens that vanish from the plain
#: form could join the letters of two words ("a--eb" → "ab"), and a capital sigma lowercases by context
_NOT_LOCAL = ("--", "‐", "‑", "Σ")


def match_spans(
    text: str, terms: set[str] | frozenset[str], whole_only: set[str] | frozenset[str] = frozenset()
) -> list[tuple[int, int]]:
    """Character spans of words in ``text`` matching query terms.

    A word matches when its whole stem or one of its compound parts is in
    ``terms``, or its whole stem is in ``whole_only``; the words of a
    multi-word phrase term (``a_b``) match when they stand side by side.
    A text whose plain form contains no term is rejected by one scan; else
    only words containing (the plain form of) some term are analysed. Those
    are found in the plain form of the whole text: its plain form is that of
    its space-separated chunks, joined by spaces, so only the chunks holding a
    term are split into words (:func:`_candidate_words`); texts where that does
    not hold (:data:`_NOT_LOCAL`) test each distinct word
    (:func:`_candidate_words_each`, the same words)."""
    if not text:
        return []
    terms = frozenset(terms)
    whole_only = frozenset(whole_only)
    pieces, phrase_keys, safe = _pieces(terms, whole_only)
    if not pieces:
        return []
    plain = _plain_form(text)
    if not any(p in plain for p in pieces):
        return []
    if safe and not any(x in text for x in _NOT_LOCAL):
        candidates = _candidate_words(text, plain, pieces)
    else:
        candidates = _candidate_words_each(text, terms, whole_only)
    return _word_spans(text, candidates, terms, whole_only, phrase_keys)


def _candidate_words(text: str, plain: str, pieces: tuple[str, ...]) -> set[str]:
    """The distinct words of ``text`` whose plain form contains a piece, found through ``plain``
    (``_plain_form(text)``; the caller checked that it is made chunk by chunk)."""
    starts: set[int] = set()
    for piece in pieces:
        at = plain.find(piece)
        while at != -1:
            starts.add(at)
            end = plain.find(" ", at)  # the rest of this chunk needs no look
            if end == -1:
                break
            at = plain.find(piece, end + 1)
    chunks = text.split(" ")
    found: set[str] = set()
    index = last = 0
    seen: set[int] = set()
    for at in sorted(starts):
        index += plain.count(" ", last, at)
        last = at
        if index in seen:
            continue
        seen.add(index)
        chunk = chunks[index]
        for word in ((chunk,) if chunk.isalnum() else _WORD_RE.findall(chunk)):
            if word not in found:
                plain_word = _plain(word)
                if any(p in plain_word for p in pieces):
                    found.add(word)
    return found


def _candidate_words_each(text: str, terms: frozenset[str], whole_only: frozenset[str]) -> set[str]:
    """:func:`_candidate_words` for any text: every distinct word tested (one regex scan over their
    plain forms, joined by newlines)."""
    rx, _keys = _matcher(terms, whole_only)
    words = list(_distinct_words(text))
    joined = "\n".join(map(_plain, words))
    return {words[joined.count("\n", 0, m.start())] for m in rx.finditer(joined)}


def _word_spans(text: str, candidates: set[str], terms: frozenset[str], whole_only: frozenset[str],
                phrase_keys: frozenset[str]) -> list[tuple[int, int]]:
    """The spans of the candidate words that match (see :func:`match_spans`), merged."""
    matching: set[str] = set()
    keys: dict[str, str] = {}
    for w in candidates:
        key = whole_stem(w)  # the first term of analyze_word(w): no compound split needed to know it
        if key is None:
            continue
        if key in whole_only or key in terms or not _word_terms_cached(w).isdisjoint(terms):
            matching.add(w)
        if key in phrase_keys:
            keys[w] = key
    if not matching and not keys:
        return []
    spans = [span for w in matching for span in _occurrences(text, w)]
    keyed = sorted(((k, *span) for w, k in keys.items() for span in _occurrences(text, w)), key=lambda x: x[1])
    for ph in (tuple(t.split("_")) for t in terms if "_" in t):
        k = len(ph)
        for i in range(len(keyed) - k + 1):
            run = keyed[i : i + k]
            if tuple(x[0] for x in run) != ph:
                continue
            gaps = (text[run[j][2] : run[j + 1][1]] for j in range(k - 1))
            if all(not any(ch.isalnum() for ch in g) and len(g) < 4 for g in gaps):
                spans.extend((x[1], x[2]) for x in run)
    if not spans:
        return spans
    spans.sort()
    merged = [spans[0]]
    for s, e in spans[1:]:
        ls, le = merged[-1]
        if s < le:
            merged[-1] = (ls, max(le, e))
        elif s != ls:
            merged.append((s, e))
    return merged
