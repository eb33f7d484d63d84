"""The highlighting of ``german.match_spans`` finds its candidate words through the plain form of
the whole text (issue 18: search speed). These tests hold it to the previous implementation, kept
here verbatim as the reference: the same spans for the eval queries over the corpus and seed texts,
and over texts mangled with the characters where the fast path has to step aside (hyphen runs,
other hyphens, a capital sigma, dashes between spaces, underscores, umlaut spellings)."""

from __future__ import annotations

import json
import random
import re
from functools import lru_cache
from pathlib import Path

import pytest

from kb.search.engine import german, ranking
from kb.search.engine.german import highlight
from kb.search.engine.german.compounds import analyze_word
from kb.search.engine.german.highlight import (
    _distinct_words,
    _occurrences,
    _plain,
    _plain_form,
    _word_terms_cached,
)

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------- the reference (before issue 18, verbatim)


@lru_cache(maxsize=2048)
def _reference_matcher(terms: frozenset[str], whole_only: frozenset[str]):
    pieces = {_plain(p) for t in terms | whole_only for p in t.split("_") if len(p) >= 2}
    phrase_keys = frozenset(p for t in terms if "_" in t for p in t.split("_"))
    if not pieces:
        return None, phrase_keys
    return re.compile("|".join(re.escape(p) for p in sorted(pieces, key=len, reverse=True))), phrase_keys


def reference_match_spans(text, terms, whole_only=frozenset()):
    if not text:
        return []
    terms = frozenset(terms)
    whole_only = frozenset(whole_only)
    rx, phrase_keys = _reference_matcher(terms, whole_only)
    if rx is None or rx.search(_plain_form(text)) is None:
        return []
    matching: set[str] = set()
    keys: dict[str, str] = {}
    words = list(_distinct_words(text))
    joined = "\n".join(map(_plain, words))
    hits: set[int] = set()
    for m in rx.finditer(joined):
        hits.add(joined.count("\n", 0, m.start()))
    for i in hits:
        w = words[i]
        analysed = analyze_word(w)
        if not analysed:
            continue
        key = analysed[0][0]
        if key in whole_only or not _word_terms_cached(w).isdisjoint(terms):
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


# ------------------------------------------------------------------------------- inputs


def _queries() -> list[str]:
    out = []
    for name in ("queries.jsonl", "queries_holdout.jsonl", "queries_noanswer.jsonl"):
        out += [json.loads(line)["query"] for line in (ROOT / "tests" / "search_eval" / name).open(encoding="utf-8")
                if line.strip() and not line.startswith("//")]
    # phrase terms (synonym phrases), compounds typed apart, umlaut-free spellings, quotes
    out += ["KI", "künstliche Intelligenz", "Bürger Portal", "Buergerportal", "Strasse", "Straße",
            "E-Akte", '"offene Daten"', "Open Data", "Wasser", "Rad", "Online-Zugangsgesetz", "OZG"]
    return list(dict.fromkeys(out))


def _texts() -> list[str]:
    texts = []
    for line in (ROOT / "tests" / "search_eval" / "corpus.jsonl").open(encoding="utf-8"):
        c = json.loads(line)
        texts += [c["title"], c["summary"], c["body"]]
    for line in (ROOT / "seed_data" / "cases.jsonl").open(encoding="utf-8"):
        if line.strip():
            c = json.loads(line)
            texts += [c["title"], c["summary"], c["description"]]
    return [t for t in texts if t]


_MANGLE = ("--", " - ", "‐", "‑", "-", "Σ", "ΑΣ.", "_", "ae", "ss", "ß", "Ä", "ue", "…", "\n", "  ", "—", "'")


def _mangled(text: str, rng: random.Random) -> str:
    """The text with a few of the characters the fast path must handle put between or into words."""
    out = text
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(len(out) + 1)
        out = out[:at] + rng.choice(_MANGLE) + out[at:]
    return out


def _cases(seed: int, per_query: int):
    rng = random.Random(seed)
    texts = _texts()
    for query in _queries():
        terms, whole = ranking.highlight_terms(german.parse_query(query))
        # texts holding a word of the query first (the interesting ones), then any
        words = [w.lower()[:5] for w in re.findall(r"\w+", query) if len(w) >= 3]
        holding = [t for t in texts if any(w in t.lower() for w in words)]
        chosen = rng.sample(holding, min(per_query, len(holding))) + rng.sample(texts, 3)
        for text in chosen:
            yield query, terms, whole, text
            yield query, terms, whole, _mangled(text, rng)


# -------------------------------------------------------------------------------- tests


def test_same_spans_as_the_reference():
    compared = fast = 0
    for query, terms, whole, text in _cases(seed=18, per_query=12):
        expected = reference_match_spans(text, terms, whole)
        assert highlight.match_spans(text, terms, whole) == expected, (query, text[:200])
        compared += 1
        fast += expected != [] and not any(x in text for x in highlight._NOT_LOCAL)
    assert compared > 2000 and fast > 500  # both paths were exercised


@pytest.mark.parametrize("text", [
    "a--eb eb", "Bürger--Portal und Portal", "Portal--", "--Portal", "Bürger - Portal", "E‐Akte und E‑Akte",
    "ΑΣ.Β Portal", "Portal_Bürger", "Strasse Straße STRASSE", "Wasser-Stand, Wasserstand; (Wasser)",
    "Bürgerportal.Bürger,Portal", "-", " - - ", "Ä-E Ae-e", "ss-s s-ss", "KI-Chatbot, künstliche Intelligenz!",
    "künstliche   Intelligenz", "künstliche\nIntelligenz", "Künstliche-Intelligenz", "Portal\u00a0Bürger",
    # a hyphen run between two words: the plain form of the chunk fuses them ("mauebene" → "maubene")
    "a--eb", "Stadtplan Mau--Ebene", "Portal Mau--Ebene", "Portal Mau---Ebene.", "Portal Mau-‐Ebene",
    "Portal--s--Straße",
])
@pytest.mark.parametrize("query", ["Portal", "Bürger", "eb", "Straße", "Wasserstand", "KI", "Ae", "Bürger Portal",
                                   "Ebene", "Portal Ebene"])
def test_edge_cases_as_the_reference(text, query):
    terms, whole = ranking.highlight_terms(german.parse_query(query))
    assert highlight.match_spans(text, terms, whole) == reference_match_spans(text, terms, whole)


def test_snippets_as_the_reference(monkeypatch):
    """Whole snippets and marks, as the search shows them, rendered from either implementation."""
    rng = random.Random(4)
    cases = list(_cases(seed=5, per_query=2))
    for query, terms, whole, text in rng.sample(cases, 400):
        got = (ranking.mark(text[:300], terms, whole),
               ranking.snippet(text, terms, whole, size=200, require_match=True, max_scan=10_000))
        with monkeypatch.context() as m:
            m.setattr(german, "match_spans", reference_match_spans)
            expected = (ranking.mark(text[:300], terms, whole),
                        ranking.snippet(text, terms, whole, size=200, require_match=True, max_scan=10_000))
        assert got == expected, (query, text[:200])
