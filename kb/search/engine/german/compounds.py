"""Decompounding: the lexicon, splitting compounds, and the index terms of one word."""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kb.search.engine.german.normalise import _STOPWORDS, _WORD_RE, DataFile, _read_lines, _stem_folded, data_dir, fold

#: weight of compound parts relative to the whole word
PART_WEIGHT = 0.5


MIN_PART = 4  # minimum length of a compound part (shorter ones: SHORT_PARTS)
MIN_SPLIT = 6  # words shorter than this are never split


# ------------------------------------------------------------------ lexicon

_SHORT_PARTS_DEFAULT = frozenset(
    [
        "rad", "weg", "amt", "bus", "rat", "hof", "bad", "see", "ort", "zug", "bau", "gas", "tag", "not", "tor",
        "tal", "app", "web", "geo", "bio", "eis", "oel", "ski", "nah", "neu", "alt", "ruf", "bot", "zoo", "kur",
        "lkw", "pkw", "gps", "ki", "it", "kfz",
    ]
)
# never accepted as a compound part (suffix-like nouns that cause junk splits)
_PART_BLOCK_DEFAULT = frozenset(
    [
        "schaft", "schaften", "ismus", "ismen", "logie", "logien", "ration", "rationen", "tion", "ion", "ionen",
        "aster", "astern", "ling", "linge", "tur", "ster", "ung", "ungen", "heit", "keit", "tum", "nis", "aner",
        "ener", "rich",
    ]
)
_FUGEN = ("", "s", "es", "n", "en", "e", "er", "ens", "ns")


@dataclass
class _Lexicon:
    heads: frozenset[str]  # may end a compound (nouns, any inflected form)
    mods: frozenset[str]  # may start/continue a compound (nouns, adj/verb stems)
    nosplit: frozenset[str]
    short: frozenset[str]
    block: frozenset[str]


@DataFile
def _load_lexicon() -> _Lexicon:
    """The compound lexicon: heads, modifiers and the hand-edited lists."""
    d = data_dir()
    nouns = _read_folded(d / "lexicon_nouns.txt.gz") | _read_folded(d / "lexicon_corpus.txt")
    mods = _read_folded(d / "lexicon_modifiers.txt")
    # curated municipal vocabulary: "word" = noun, "word+" = modifier only
    for w in _read_lines(d / "municipal_words.txt"):
        for item in w.split():
            if item.endswith("+"):
                mods.add(fold(item[:-1]))
            else:
                nouns.add(fold(item))
    nosplit = _read_words(d / "nosplit.txt") | _read_folded(d / "nosplit_places.txt")
    short = set(_SHORT_PARTS_DEFAULT) | _read_words(d / "short_parts.txt")
    block = set(_PART_BLOCK_DEFAULT) | _read_words(d / "part_blocklist.txt")
    # generated files hold no words shorter than 4 letters; 3-letter
    # parts come only from the short list
    heads = (nouns | short) - block
    mods = (nouns | mods | short) - block
    return _Lexicon(
        heads=frozenset(heads),
        mods=frozenset(mods),
        nosplit=frozenset(nosplit),
        short=frozenset(short),
        block=frozenset(block),
    )


def _read_words(path: Path) -> set[str]:
    """Folded words of a hand-edited file (several per line, ``#`` comments)."""
    return {fold(w) for line in _read_lines(path) for w in line.split()}


_COMMENT_LINE = re.compile(r"(?m)^#.*$")


def _read_folded(path: Path) -> set[str]:
    """Words of a generated (already folded) word file, ``#`` lines skipped."""
    if not path.exists():
        return set()
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            text = fh.read()
    else:
        text = path.read_text(encoding="utf-8")
    return set(_COMMENT_LINE.sub("", text).split())


def _best_split(word: str, lex: _Lexicon) -> list[tuple[int, int]] | None:
    """Fewest-parts split of ``word`` into lexicon parts (≥ 2) or None.

    Returns ``(start, end)`` offsets of the parts (a linking element follows
    ``end``).  Ties are broken by the sum of squared part lengths (longer,
    more specific parts win: "stau|becken" over "staub|ecken", "leer|stand"
    over "leer|s|tand")."""
    n = len(word)
    heads, mods = lex.heads, lex.mods
    memo: dict[int, tuple[int, int, list[tuple[int, int]]] | None] = {}
    fugen = _FUGEN

    def solve(i: int) -> tuple[int, int, list[tuple[int, int]]] | None:
        if i in memo:
            return memo[i]
        best: tuple[int, int, list[tuple[int, int]]] | None = None
        if i > 0 and word[i:] in heads:
            best = (1, -((n - i) ** 2), [(i, n)])
        for j in range(i + 3, n - 2):
            if word[i:j] not in mods:
                continue
            for fuge in fugen:
                k = j + len(fuge)
                if k > n - 3 or (fuge and not word.startswith(fuge, j)):
                    continue
                rest = solve(k)
                if rest is None:
                    continue
                cand = (rest[0] + 1, rest[1] - (j - i) ** 2, [(i, j), *rest[2]])
                if best is None or cand[:2] < best[:2]:
                    best = cand
        memo[i] = best
        return best

    res = solve(0)
    if res is None or res[0] < 2:
        return None
    return res[2]


def _leaf_spans(word: str, lex: _Lexicon) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Leaf and inner-node spans of an unhyphenated folded word."""
    if len(word) < MIN_SPLIT or word in lex.nosplit or not word.isalpha():
        return [], []
    parts = _best_split(word, lex)
    if not parts:
        return [], []
    leaves: list[tuple[int, int]] = []
    inner: list[tuple[int, int]] = []
    for s, e in parts:
        sub_leaves, sub_inner = _leaf_spans(word[s:e], lex) if e - s >= MIN_SPLIT else ([], [])
        if sub_leaves:
            leaves.extend((s + a, s + b) for a, b in sub_leaves)
            inner.extend((s + a, s + b) for a, b in sub_inner)
            inner.append((s, e))
        else:
            leaves.append((s, e))
    return leaves, inner


@lru_cache(maxsize=200_000)
def _decompose(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(leaves, inner)`` of a folded word: its atomic parts, and the
    intermediate compounds (nodes of the split tree and every pair of
    neighbouring leaves, linking elements kept: Bürger|haus|halt gives
    "buergerhaus" and "haushalt").  ``((), ())`` if the word is atomic."""
    lex = _load_lexicon()
    if "-" in word:
        if word in lex.nosplit:
            return (), ()
        comps = [c for c in word.split("-") if c]
        joined = "".join(comps)
        spans: list[tuple[int, int]] = []
        inner_spans: list[tuple[int, int]] = []
        pos = 0
        for c in comps:
            sub_leaves, sub_inner = _leaf_spans(c, lex)
            if sub_leaves:
                spans.extend((pos + a, pos + b) for a, b in sub_leaves)
                inner_spans.extend((pos + a, pos + b) for a, b in sub_inner)
                inner_spans.append((pos, pos + len(c)))
            else:
                spans.append((pos, pos + len(c)))
            pos += len(c)
        word = joined
    else:
        spans, inner_spans = _leaf_spans(word, lex)
    if len(spans) < 2:
        if len(spans) == 1 and spans[0] != (0, len(word)):
            return (word[spans[0][0] : spans[0][1]],), ()
        return (), ()
    leaves = [word[a:b] for a, b in spans]
    inner = [word[a:b] for a, b in inner_spans]
    if len(spans) >= 3:
        inner.extend(word[spans[i][0] : spans[i + 1][1]] for i in range(len(spans) - 1))
    full = (spans[0][0], spans[-1][1])
    inner = [x for x in inner if len(x) < full[1] - full[0]]
    return tuple(p for p in leaves if len(p) >= 2), tuple(dict.fromkeys(inner))


def _split_folded(word: str) -> tuple[str, ...]:
    return _decompose(word)[0]


def split_compound(word: str) -> list[str]:
    """Leaf parts of a compound as folded surface strings, [] if not a compound.

    >>> split_compound("Radwegeplanung")
    ['rad', 'wege', 'planung']
    """
    return list(_split_folded(fold(word)))


@lru_cache(maxsize=100_000)
def whole_stem(word: str) -> str | None:
    """The first term of :func:`analyze_word` (the word's *key*) without splitting the word: None
    for stop words and one-letter words."""
    f = fold(word)
    if not f or f in _STOPWORDS:
        return None
    joined = f.replace("-", "")
    if len(joined) < 2 and not joined.isdigit():
        return None
    return _stem_folded(joined)


@lru_cache(maxsize=300_000)
def analyze_word(word: str) -> tuple[tuple[str, float], ...]:
    """Index terms of one word: ``((whole_stem, 1.0), (part_stem, PART_WEIGHT), ...)``.

    Empty for stop words and one-letter words.  The first term is the word's
    whole stem (its *key*, used for phrase and synonym detection)."""
    whole = whole_stem(word)
    if whole is None:
        return ()
    f = fold(word)
    out: dict[str, float] = {whole: 1.0}
    leaves, inner = _decompose(f)
    for p in (*leaves, *inner):
        t = _stem_folded(p)
        if len(t) >= 2 and t not in out:
            out[t] = PART_WEIGHT
    return tuple(out.items())


def _word_key(word: str) -> str | None:
    terms = analyze_word(word)
    return terms[0][0] if terms else None


# ------------------------------------------------------------ per token

#: tokens a table keeps before it starts afresh: bounds the memory of a long-running process (a web
#: worker rewrites documents for years; both tables together hold about 0.6 KB a token)
MAX_TOKENS = 50_000
#: … in a process that only builds an index and ends (the background workers of a large import)
BUILD_MAX_TOKENS = 300_000


def keep_more_tokens() -> None:
    """Let the token tables grow to :data:`BUILD_MAX_TOKENS` in this process (an index build)."""
    global MAX_TOKENS
    MAX_TOKENS = BUILD_MAX_TOKENS


class TokenTable(dict):
    """``make(token)`` of every white-space separated token seen, a plain dict: a lookup costs
    less than ``analyze_word``'s LRU cache, and a token (``„KI-Fuchs“,``) needs no regex once seen
    (words never span white space)."""

    def __init__(self, make) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, token: str):
        if len(self) >= MAX_TOKENS:
            self.clear()
        value = self[token] = self.make(token)
        return value


def _token_terms(token: str) -> tuple[tuple[str, float], ...]:
    """The :func:`analyze_word` terms of the words of a token, one after another."""
    return tuple(t for terms in map(analyze_word, _WORD_RE.findall(token)) for t in terms)


def _token_keys(token: str) -> tuple[str, ...]:
    """The keys (first terms) of the words of a token that have terms."""
    return tuple(terms[0][0] for terms in map(analyze_word, _WORD_RE.findall(token)) if terms)


token_terms = TokenTable(_token_terms)
token_keys = TokenTable(_token_keys)
