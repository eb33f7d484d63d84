"""The synonym file: equivalent and directional synonyms, multi-word phrase terms."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kb.search.engine.german import known
from kb.search.engine.german.compounds import _decompose, _word_key, analyze_word, token_keys, token_terms, whole_stem
from kb.search.engine.german.highlight import _word_terms_cached
from kb.search.engine.german.normalise import DataFile, _read_lines, data_dir, tokenize

# ------------------------------------------------------------------ synonyms


@dataclass
class Synonyms:
    """Parsed synonym file.

    ``expansions`` maps a key (tuple of whole-word stems) to the alternatives
    (tuples of stems) a query for it also searches.  ``phrases`` is the set of
    multi-word keys/alternatives that documents get a joined phrase term for.
    """

    expansions: dict[tuple[str, ...], list[tuple[str, ...]]] = field(default_factory=dict)
    phrases: frozenset[tuple[str, ...]] = frozenset()
    max_len: int = 1
    phrase_first: frozenset[str] = frozenset()


def _phrase_key(text: str) -> tuple[str, ...]:
    keys = []
    for w in tokenize(text):
        k = _word_key(w.text)
        if k:
            keys.append(k)
    return tuple(keys)


def parse_synonyms(lines: Iterable[str]) -> Synonyms:
    """Parse synonym lines (see ``seed_data/search/synonyms.txt``).

    ``a, b, c``      – equivalent: each one searches all others.
    ``a => b, c``    – directional: a query for ``a`` also searches b and c.
    ``#`` starts a comment."""
    exp: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    phrases: set[tuple[str, ...]] = set()

    def add(src: tuple[str, ...], dst: tuple[str, ...]) -> None:
        if src and dst and src != dst:
            lst = exp.setdefault(src, [])
            if dst not in lst:
                lst.append(dst)

    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=>" in line:
            left, right = line.split("=>", 1)
            srcs = [_phrase_key(x) for x in left.split(",") if x.strip()]
            dsts = [_phrase_key(x) for x in right.split(",") if x.strip()]
            for s in srcs:
                for d in dsts:
                    add(s, d)
            items = srcs + dsts
        else:
            items = [_phrase_key(x) for x in line.split(",") if x.strip()]
            for s in items:
                for d in items:
                    add(s, d)
        phrases.update(k for k in items if len(k) > 1)
    max_len = max((len(k) for k in exp), default=1)
    return Synonyms(
        expansions=exp,
        phrases=frozenset(phrases),
        max_len=max(max_len, max((len(p) for p in phrases), default=1)),
        phrase_first=frozenset(p[0] for p in phrases),
    )


@DataFile
def load_synonyms() -> Synonyms:
    """The synonyms of ``seed_data/search/synonyms.txt`` (cached)."""
    return parse_synonyms(_read_lines(data_dir() / "synonyms.txt"))


def phrase_term(stems: Iterable[str]) -> str:
    return "_".join(stems)


def reset_caches() -> None:
    """Forget loaded data files and per-word caches (tests, data edits)."""
    DataFile.forget_all()
    known.is_german_word.cache_clear()
    _decompose.cache_clear()
    analyze_word.cache_clear()
    token_terms.clear()
    token_keys.clear()
    whole_stem.cache_clear()
    _word_terms_cached.cache_clear()
