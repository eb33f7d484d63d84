"""Index terms of whole texts (with phrase terms of multi-word synonyms)."""

from __future__ import annotations

from itertools import chain

from kb.search.engine.german.compounds import token_keys, token_terms
from kb.search.engine.german.synonyms import Synonyms, load_synonyms, phrase_term

# ------------------------------------------------------------- doc analysis


def analyze(text: str, synonyms: Synonyms | None = None) -> list[tuple[str, float]]:
    """Index terms of a text with weights (one entry per occurrence).

    Whole-word stems have weight 1.0, compound parts :data:`PART_WEIGHT`,
    phrase terms of multi-word synonyms 1.0."""
    syn = synonyms if synonyms is not None else load_synonyms()
    # hot path (every word of every document): the terms of each white-space token from a table,
    # joined in C – no Python step per word
    tokens = text.split()
    out = list(chain.from_iterable(map(token_terms.__getitem__, tokens)))
    first = syn.phrase_first
    if not first.isdisjoint(chain.from_iterable(map(token_keys.__getitem__, tokens))):
        out.extend(_phrase_terms(list(chain.from_iterable(map(token_keys.__getitem__, tokens))), syn))
    return out


def _phrase_terms(keys: list[str], syn: Synonyms) -> list[tuple[str, float]]:
    """Phrase terms of the multi-word synonyms in a text whose words have the keys ``keys``."""
    first, phrases, maxl = syn.phrase_first, syn.phrases, syn.max_len
    out: list[tuple[str, float]] = []
    for i, k in enumerate(keys):
        if k not in first:
            continue
        for n in range(2, maxl + 1):
            cand = tuple(keys[i : i + n])
            if len(cand) == n and cand in phrases:
                out.append((phrase_term(cand), 1.0))
    return out


def index_tokens(text: str) -> list[str]:
    """Terms of a text for indexing (duplicates kept, weights dropped)."""
    return [t for t, _ in analyze(text)]
