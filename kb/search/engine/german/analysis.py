"""Index terms of whole texts (with phrase terms of multi-word synonyms)."""

from __future__ import annotations

from kb.search.engine.german.compounds import analyze_word
from kb.search.engine.german.normalise import _WORD_RE
from kb.search.engine.german.synonyms import Synonyms, load_synonyms, phrase_term

# ------------------------------------------------------------- doc analysis


def analyze(text: str, synonyms: Synonyms | None = None) -> list[tuple[str, float]]:
    """Index terms of a text with weights (one entry per occurrence).

    Whole-word stems have weight 1.0, compound parts :data:`PART_WEIGHT`,
    phrase terms of multi-word synonyms 1.0."""
    syn = synonyms if synonyms is not None else load_synonyms()
    out: list[tuple[str, float]] = []
    keys: list[str] = []
    first = syn.phrase_first
    phrases = syn.phrases
    extend, append = out.extend, keys.append  # hot loop: ~1 µs per word of every document
    for terms in map(analyze_word, _WORD_RE.findall(text)):
        if terms:
            extend(terms)
            append(terms[0][0])
    if not first.isdisjoint(keys):
        maxl = syn.max_len
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
