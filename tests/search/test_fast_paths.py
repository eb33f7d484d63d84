"""Fast paths of the search engine (issue 18: search speed) held to what they replace.

* ``german.match_spans`` finds its candidate words through the plain form of the whole text: the
  same spans as the previous implementation (kept here verbatim as the reference) for the eval
  queries over the corpus and seed texts, and over texts mangled with the characters where the fast
  path has to step aside (hyphen runs, other hyphens, a capital sigma, dashes between spaces,
  underscores, umlaut spellings);
* the speller folds all edits of a word at once and asks the index vocabulary which edit stems it
  holds in one set operation: the same corrections as folding and looking up each edit."""

from __future__ import annotations

import json
import random
import re
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np
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


# ----------------------------------------------------- spelling: folding the edits in one go


@pytest.mark.parametrize("word", ["kinertageseinrichtungen", "städtischn", "ehrenamtsbörs", "straẞe", "fußgängerzone",
                                  "äöüß", "abc", "über\nall", "x"])
def test_folded_edits_as_translate(word):
    from kb.search.engine.german.normalise import _FOLD_MAP
    from kb.search.engine.german.spelling import _edits1, _folded_edits

    edits = list(_edits1(word))
    assert _folded_edits(word, edits) == [e if e.isascii() else e.translate(_FOLD_MAP) for e in edits]


class _PerTermVocabulary:
    """The index vocabulary without ``present``: the speller looks up each edit stem."""

    def __init__(self, vocabulary) -> None:
        self._v = vocabulary

    def df(self, term):
        return self._v.df(term)

    def with_prefix(self, prefix):
        return self._v.with_prefix(prefix)


def test_speller_candidates_as_per_term_lookups(fresh_backend):
    from search_fixtures import CORPUS

    third = len(CORPUS) // 3
    fresh_backend.rebuild(CORPUS[:third])
    fresh_backend.index(CORPUS[third : 2 * third])  # more segments: terms of each in the vocabulary
    fresh_backend.index(CORPUS[2 * third :])
    view = fresh_backend._current()
    assert len(view.leaves) == 3
    fast = fresh_backend._speller_for(view)
    slow = german.Speller(_PerTermVocabulary(fast.vocabulary))
    words = {w.text for d in CORPUS for text in (d.title, d.summary, d.body) for w in german.tokenize(text)}
    rng = random.Random(7)
    typos = set()
    for w in sorted(words):
        if len(w) >= 4:
            i = rng.randrange(len(w))
            typos |= {w[:i] + w[i + 1:], w[:i] + rng.choice("aeiouäöüßnrst") + w[i:], w[:i] + "x" + w[i + 1:]}
    typos |= {"Kinertageseinrichtungen", "Brrierefreie", "Bürgerhaushlat", "Luftqalität", "Digitalisierng", "Chatbto"}
    corrected = 0
    for word in sorted(typos):
        assert fast._find_candidates(word) == slow._find_candidates(word), word
        corrected += fast.correct(word) is not None
    assert len(typos) > 300 and corrected > 50


def test_warmed_postings_are_the_postings(fresh_backend):
    """The worker warm-up reads the most frequent terms' postings into the cache: the same arrays as
    read on demand, the same answers, within the share of the cache it is given."""
    from search_fixtures import CORPUS

    from kb.search.engine import SearchQuery
    from kb.search.engine.whoosh.codec import _read_postings

    fresh_backend.rebuild(CORPUS)
    queries = [SearchQuery(text=t) for t in ("Chatbot", "Bürgerservice Sensor", "Digitalisierung Verwaltung", "Karte")]
    cold = [fresh_backend.search(q) for q in queries]
    fresh_backend.close()
    from kb.search.engine import create_backend

    backend = create_backend("whoosh", index_dir=fresh_backend.index_dir, postings_cache=400)
    try:
        view = backend._current()
        read = backend._warm_postings(view, share=0.5, min_df=1)
        assert 0 < read <= 200
        (segreader, _off, data), = view.leaves
        assert data.cached_postings == read + len(data.postings)  # the cache's count: postings + 1 per term
        for term, (ids, weights) in data.postings.items():
            fresh_ids, fresh_weights = _read_postings(segreader, "text", term)
            assert ids.tolist() == fresh_ids.tolist() and weights.tolist() == fresh_weights.tolist()
        warm = [backend.search(q) for q in queries]
        assert [(r.total, [(h.id, h.score, h.highlights) for h in r.hits], r.facets) for r in warm] == [
            (r.total, [(h.id, h.score, h.highlights) for h in r.hits], r.facets) for r in cold]
    finally:
        backend.close()


def test_worker_warm_up_changes_no_answer(fresh_backend):
    """The worker warm-up (postings of the frequent terms, the words of sampled documents analysed
    for highlighting) only fills caches: the same hits, scores, highlights and facets as cold, and
    the highlighting caches then hold the sampled documents' words."""
    from search_fixtures import CORPUS

    from kb.search.engine import SearchQuery, german
    from kb.search.engine.german import highlight

    fresh_backend.rebuild(CORPUS)
    queries = [SearchQuery(text=t) for t in ("Chatbot", "Bürgerservice Sensor", "Radwegeplanung", "Datenplattform",
                                             "Digitalisierung Verwaltung", "Karte", "Beteiligung der Bürger")]

    def answers():
        return [(r.total, [(h.id, h.score, h.highlights) for h in r.hits], r.facets, r.suggestion)
                for r in map(fresh_backend.search, queries)]

    german.reset_caches()
    cold = answers()
    german.reset_caches()
    fresh_backend.warm_up()
    assert highlight._word_terms_cached.cache_info().currsize > 100
    assert answers() == cold


def _whoosh_postings(segreader, field, term):
    m = segreader.postings(field, term)
    ids, weights = [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return ids, np.float32(weights).tolist()


@pytest.mark.parametrize("deleted", [0, 3])
def test_postings_as_whoosh_reads_them(fresh_backend, deleted):
    """Postings are parsed block by block from the postings file and the deleted documents dropped
    with one mask: the same docnums and weights as whoosh's own (filtered) matcher, one posting at
    a time – with and without deletions in the segment, for block-written and inlined terms."""
    from search_fixtures import make_doc

    from kb.search.engine.whoosh.codec import _read_postings

    rng = random.Random(deleted)
    words = ["Verwaltung", "Bürgerportal", "Antrag", "Karte", "Daten", "Schule", "Radweg", "Sensor", "Termin",
             "Wasser", "Energie", "Beteiligung", "Chatbot", "Gewerbe", "Friedhof", "Bibliothek"]
    docs = [make_doc(i, " ".join(["Verwaltung", *rng.sample(words, 4)]), " ".join(rng.choices(words, k=12)),
                     topics=[rng.choice(["Mobilität", "Bildung", "Energie"])]) for i in range(1, 2601)]
    fresh_backend.rebuild(docs)  # "verwalt" in every document: three blocks of 1,024 postings
    if deleted:
        fresh_backend.remove([1, 1025, 2000])
    view = fresh_backend._current()
    checked = blocks = 0
    for segreader, _off, _data in view.leaves:
        assert segreader.has_deletions() == bool(deleted)
        for field in {"text", "topic", "state", "status", "place"} & set(segreader.indexed_field_names()):
            for term, info in segreader.iter_field(field):
                term = term.decode("utf-8")
                got_ids, got_weights = _read_postings(segreader, field, term)
                assert (got_ids.tolist(), got_weights.tolist()) == _whoosh_postings(segreader, field, term), term
                checked += 1
                blocks += not info.is_inlined()
    assert checked > 20 and blocks > 10
    assert _read_postings(view.leaves[0][0], "text", "gibtesnicht")[0].tolist() == []


def test_stored_texts_after_index_changes_as_a_fresh_reader_reads_them(fresh_backend):
    """The highlight texts' column reader is kept with its segment across index generations: after
    adding and removing documents every document's texts are those a newly opened backend reads."""
    from search_fixtures import CORPUS

    from kb.search.engine import SearchQuery, create_backend

    half = len(CORPUS) // 2
    fresh_backend.rebuild(CORPUS[:half])
    fresh_backend.warm_up()
    fresh_backend.search(SearchQuery(text="Chatbot"))
    fresh_backend.index(CORPUS[half:])
    fresh_backend.remove([CORPUS[1].id])
    warm = fresh_backend._current()
    assert len(warm.leaves) == 2 and warm.leaves[0][2].texts is not None  # kept from the first generation
    other = create_backend("whoosh", index_dir=fresh_backend.index_dir)
    try:
        cold = other._current()
        assert [int(i) for i in warm.ids] == [int(i) for i in cold.ids]
        whoosh_column = cold.reader.column_reader("hl")  # whoosh's own reader over all segments
        for d in range(warm.size):
            raw = whoosh_column[d]
            expected = json.loads(zlib.decompress(raw).decode()) if raw else None
            assert fresh_backend._stored_texts(warm, d) == expected == other._stored_texts(cold, d), d
        assert fresh_backend._stored_texts(warm, warm.size) is None
        hits = fresh_backend.search(SearchQuery(text="Chatbot Parkplatz")).hits
        assert [(h.id, h.highlights) for h in hits] == [(h.id, h.highlights) for h in
                                                         other.search(SearchQuery(text="Chatbot Parkplatz")).hits]
    finally:
        other.close()


def test_the_token_tables_of_a_long_running_process_stay_bounded(monkeypatch):
    """A web worker analyses documents for as long as it lives: its token tables start afresh at
    MAX_TOKENS; only an index build's worker process may keep more."""
    from kb.search.engine.german import compounds
    from kb.search.engine.german.analysis import analyze

    monkeypatch.setattr(compounds, "MAX_TOKENS", 100)
    words = [f"Wort{n}haus" for n in range(250)]
    assert analyze(" ".join(words)) == [t for w in words for t in compounds.analyze_word(w)]
    assert 0 < len(compounds.token_terms) <= 100 and len(compounds.token_keys) <= 100
    compounds.keep_more_tokens()
    analyze(" ".join(f"Feld{n}weg" for n in range(250)))
    assert len(compounds.token_terms) > 100
