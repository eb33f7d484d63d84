"""Is a typed word a German word?  The speller never "corrects" one.

A word is German when the word list has it in any inflected form (``lexicon_nouns.txt.gz``
holds the nouns and the lowercase words of four letters or more, ``lexicon_words.txt.gz`` the
rest of the list: short words, function words, abbreviations), when it splits into such words
(Hundesteuer = Hund + Steuer, Baumbewässerung), or when every part of a hyphenated word is one.
Words with digits and words written like names or abbreviations (OZG, LoRaWAN) count as known
too: a speller has no business changing them.
"""

from __future__ import annotations

from functools import lru_cache

from kb.search.engine.german.compounds import _decompose, _load_lexicon, _read_folded
from kb.search.engine.german.normalise import DataFile, data_dir, fold


@DataFile
def _other_words() -> frozenset[str]:
    """The rest of the word list: short words, function words, abbreviations."""
    return frozenset(_read_folded(data_dir() / "lexicon_words.txt.gz"))


def in_word_list(folded: str) -> bool:
    """The folded word form is in the word list (or the curated municipal words), unsplit."""
    lex = _load_lexicon()
    return folded in lex.heads or folded in lex.block or folded in lex.short or folded in _other_words()


def _looks_like_a_name(word: str) -> bool:
    """OZG, KI, LoRaWAN, eAkte: capitals after the first letter."""
    return any(c.isupper() for c in word[1:])


@lru_cache(maxsize=50_000)
def is_german_word(word: str) -> bool:
    """True for a word of the German language as typed (see the module docstring)."""
    if _looks_like_a_name(word):
        return True
    f = fold(word)
    joined = f.replace("-", "")
    if not joined or not joined.isalpha():
        return True  # digits, or nothing left to judge
    if "-" in f:
        return all(len(p) <= 2 or _is_german_folded(p) for p in f.split("-") if p)
    return _is_german_folded(f)


def _is_german_folded(f: str) -> bool:
    if in_word_list(f):
        return True
    leaves, _inner = _decompose(f)
    return len(leaves) >= 2
