"""Folding, stemming, stop words and tokenizing of German words."""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Generic, TypeVar

import Stemmer

T = TypeVar("T")

# ---------------------------------------------------------------- data files


def data_dir() -> Path:
    """Directory with lexicon and synonym files (``KB_SEARCH_DATA`` overrides)."""
    env = os.environ.get("KB_SEARCH_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[4] / "seed_data" / "search"


class DataFile(Generic[T]):
    """The parsed content of data files, loaded once on first use (thread-safe) and forgotten
    by :meth:`forget_all` (``reset_caches``: tests, data edits). The one loader of the lexicon,
    the word list and the synonyms."""

    lock = threading.RLock()
    instances: list[DataFile] = []

    def __init__(self, load: Callable[[], T]) -> None:
        self._load = load
        self.value: T | None = None
        self.__doc__ = load.__doc__
        DataFile.instances.append(self)

    def __call__(self) -> T:
        value = self.value
        if value is None:
            with DataFile.lock:
                if self.value is None:
                    self.value = self._load()
                value = self.value
        return value

    @classmethod
    def forget_all(cls) -> None:
        with cls.lock:
            for data in cls.instances:
                data.value = None


def _read_lines(path: Path) -> Iterator[str]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if line:
                yield line


# ------------------------------------------------------------------- folding

_FOLD_MAP = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})
_NON_TERM = re.compile(r"[^a-z0-9]")


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lowercase, expand umlauts (ä→ae …, ß→ss), strip other diacritics.

    Keeps ``-``; removes every other character that is not ``a-z0-9``.
    """
    w = unicodedata.normalize("NFKC", word).lower().translate(_FOLD_MAP)
    if not w.isascii():
        w = "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))
    if w.isalnum() and w.isascii():
        return w
    return "-".join(p for p in (_NON_TERM.sub("", x) for x in w.split("-")) if p)


# ------------------------------------------------------------------ stemming

_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    st = getattr(_local, "stemmer", None)
    if st is None:
        st = _local.stemmer = Stemmer.Stemmer("german", 0)
    return st


@lru_cache(maxsize=200_000)
def _stem_folded(folded: str) -> str:
    if len(folded) <= 2 or folded.isdigit():
        return folded
    return _stemmer().stemWord(folded)


def stem(word: str) -> str:
    """Snowball stem of the folded word (hyphens removed)."""
    return _stem_folded(fold(word).replace("-", ""))


# ---------------------------------------------------------------- stop words

# Snowball's German stop list (folded) plus a few extras of the domain.
_STOPWORDS = frozenset(
    [
        "aber", "alle", "allem", "allen", "aller", "alles", "als", "also", "am", "an", "ander", "andere", "anderem",
        "anderen", "anderer", "anderes", "anderm", "andern", "anderr", "anders", "auch", "auf", "aus", "bei", "bin",
        "bis", "bist", "da", "damit", "dann", "das", "dass", "dasselbe", "dazu", "dein", "deine", "deinem", "deinen",
        "deiner", "deines", "dem", "demselben", "den", "denn", "denselben", "der", "derer", "derselbe", "derselben",
        "des", "desselben", "dessen", "dich", "die", "dies", "diese", "dieselbe", "dieselben", "diesem", "diesen",
        "dieser", "dieses", "dir", "doch", "dort", "du", "durch", "ein", "eine", "einem", "einen", "einer", "eines",
        "einig", "einige", "einigem", "einigen", "einiger", "einiges", "einmal", "er", "es", "etwas", "euch", "euer",
        "eure", "eurem", "euren", "eurer", "eures", "fuer", "gegen", "gewesen", "hab", "habe", "haben", "hat",
        "hatte", "hatten", "hier", "hin", "hinter", "ich", "ihm", "ihn", "ihnen", "ihr", "ihre", "ihrem", "ihren",
        "ihrer", "ihres", "im", "in", "indem", "ins", "ist", "jede", "jedem", "jeden", "jeder", "jedes", "jene",
        "jenem", "jenen", "jener", "jenes", "jetzt", "kann", "kein", "keine", "keinem", "keinen", "keiner", "keines",
        "koennen", "koennte", "machen", "man", "manche", "manchem", "manchen", "mancher", "manches", "mein", "meine",
        "meinem", "meinen", "meiner", "meines", "mich", "mir", "mit", "muss", "musste", "nach", "nicht", "nichts",
        "noch", "nun", "nur", "ob", "oder", "ohne", "sehr", "sein", "seine", "seinem", "seinen", "seiner", "seines",
        "selbst", "sich", "sie", "sind", "so", "solche", "solchem", "solchen", "solcher", "solches", "soll", "sollte",
        "sondern", "sonst", "ueber", "um", "und", "uns", "unsere", "unserem", "unseren", "unserer", "unseres",
        "unter", "viel", "vom", "von", "vor", "waehrend", "war", "waren", "warst", "was", "weg", "weil", "weiter",
        "welche", "welchem", "welchen", "welcher", "welches", "wenn", "werde", "werden", "wie", "wieder", "will",
        "wir", "wird", "wirst", "wo", "wollen", "wollte", "wuerde", "wuerden", "zu", "zum", "zur", "zwar", "zwischen",
        "innen", "sowie", "bzw", "usw", "etc", "ca", "z", "b", "gibt", "geht", "gibt", "es", "wer", "wie", "welche",
        "welcher",
    ]
) - {"weg"}  # "Weg" is a noun that matters (Radweg)


def is_stopword(folded: str) -> bool:
    return folded in _STOPWORDS


# ------------------------------------------------------------- tokenization

_WORD_RE = re.compile(r"[^\W_]+(?:[-‐‑][^\W_]+)*")


@dataclass(frozen=True, slots=True)
class Word:
    """A word of the input text with its character offsets."""

    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Word]:
    """Words (letters/digits, hyphenated runs kept together) with offsets."""
    return [Word(m.group(), m.start(), m.end()) for m in _WORD_RE.finditer(text)]
