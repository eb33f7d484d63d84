"""End-to-end tests of the Whoosh backend on a small realistic corpus."""

from __future__ import annotations

import multiprocessing as mp
from dataclasses import replace
from datetime import datetime

import pytest
from search_fixtures import CORPUS, make_doc

from kb.search.engine import SearchBackend, SearchQuery, create_backend
from kb.search.engine.whoosh.backend import WhooshBackend


def ids(backend, text, **kw):
    return [h.id for h in backend.search(SearchQuery(text=text, **kw)).hits]


def test_factory_and_protocol(tmp_path):
    b = create_backend("whoosh", index_dir=tmp_path)
    assert isinstance(b, WhooshBackend)
    assert isinstance(b, SearchBackend)
    b.close()
    with pytest.raises(ValueError):
        create_backend("elasticsearch", index_dir=tmp_path)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Chatbots", 1),  # inflection
        ("Parkplätze", 2),  # doc 2 says "Parkplatz"
        ("Parkplatz", 3),  # doc 3 says "Parkplätze"
        ("Bäume", 5),  # doc 5 says "Baum"
        ("Baum", 4),  # doc 4 says "Bäume"
        ("Buergerbeteiligung", 6),  # umlaut-free typing
        ("Strassenbeleuchtung", 8),  # doc 8 spells "Straßenbeleuchtung"
        ("Straßenbeleuchtung", 7),  # doc 7 spells "Strassenbeleuchtung"
        ("Radweg", 9),  # compound part
        ("Hochwasser Warnung", 10),  # parts of "Hochwasserfrühwarnsystem"
        ("Digitalisierng", 11),  # typo
        ("KI", 12),  # abbreviation -> künstliche Intelligenz
        ("ÖPNV", 13),  # -> Nahverkehr
        ("Bürgerbüro", 14),  # -> Bürgeramt
        ("Bürgeramt", 15),  # -> Bürgerbüro
        ("Sehbehinderung", 16),  # -> blind
        ("blind", 17),  # -> Sehbehinderung
    ],
)
def test_query_finds_document(backend, query, expected):
    assert expected in ids(backend, query)


def test_exact_words_rank_first(backend):
    assert ids(backend, "Parkplätze")[:2] == [3, 2] or ids(backend, "Parkplätze")[0] in (2, 3)
    assert ids(backend, "Strassenbeleuchtung")[:2] in ([7, 8], [8, 7])


def test_typo_gives_suggestion(backend):
    res = backend.search(SearchQuery(text="Digitalisierng"))
    assert res.suggestion == "Digitalisierung"
    assert res.total >= 1
    assert backend.search(SearchQuery(text="Digitalisierung")).suggestion is None


def test_place_query(backend):
    res = backend.search(SearchQuery(text="Projekte in Sachsen"))
    assert {h.id for h in res.hits} == {1, 12, 20}
    assert 1 in ids(backend, "Chatbot Leipzig")[:1]


def test_title_match_outranks_body_match(backend):
    assert ids(backend, "Solarkataster")[:2] == [18, 19]


def test_highlights_are_escaped_and_marked(backend):
    res = backend.search(SearchQuery(text="Chatbot"))
    hit = next(h for h in res.hits if h.id == 20)
    title = hit.highlights["title"]
    assert "&lt;script&gt;" in title and "<script>" not in title
    assert "<mark>Chatbot</mark>" in title
    assert "&lt;b&gt;" in hit.highlights["body"]
    for h in res.hits:
        for snippet in h.highlights.values():
            rest = snippet.replace("<mark>", "").replace("</mark>", "")
            assert "<" not in rest and ">" not in rest


def test_highlights_mark_stem_compound_and_synonym_matches(backend):
    (hit,) = [h for h in backend.search(SearchQuery(text="Radweg")).hits if h.id == 9]
    assert "<mark>Radwegeplanung</mark>" in hit.highlights["title"]
    (hit,) = [h for h in backend.search(SearchQuery(text="KI")).hits if h.id == 12]
    assert "<mark>Künstliche</mark> <mark>Intelligenz</mark>" in hit.highlights["summary"]


def test_empty_query_lists_all_newest_first(backend):
    res = backend.search(SearchQuery(per_page=100))
    assert res.total == len(CORPUS)
    dates = {d.id: d.published for d in CORPUS}
    got = [dates[h.id] for h in res.hits]
    assert got == sorted(got, reverse=True)


def test_filters_or_within_and_across_facets(backend):
    res = backend.search(SearchQuery(states=["Sachsen", "Bayern"], per_page=50))
    assert {h.id for h in res.hits} == {1, 12, 20, 10, 19}
    res = backend.search(SearchQuery(states=["Sachsen", "Bayern"], topics=["Künstliche Intelligenz"], per_page=50))
    assert {h.id for h in res.hits} == {1, 12}
    res = backend.search(SearchQuery(text="Chatbot", statuses=["planung"]))
    assert [h.id for h in res.hits] == [20]


def test_facets_are_disjunctive(backend):
    res = backend.search(SearchQuery(states=["Sachsen"], per_page=50))
    # the state facet ignores the state filter: alternatives stay visible
    assert res.facets["state"]["Sachsen"] == 3
    assert res.facets["state"]["Bayern"] == 2
    assert res.facets["state"]["Baden-Württemberg"] == 4
    # the other facets are counted within the selection
    assert res.facets["topic"] == {"Künstliche Intelligenz": 2, "Bürgerservice": 1, "Sicherheit": 1}
    assert res.facets["status"] == {"in_betrieb": 2, "planung": 1}
    assert set(res.facets) == {"topic", "state", "status", "size"}


def test_facets_follow_text_query(backend):
    res = backend.search(SearchQuery(text="Chatbot"))
    assert res.facets["state"] == {"Sachsen": 2}


def test_paging(backend):
    all_ids = [h.id for h in backend.search(SearchQuery(per_page=100)).hits]
    p1 = backend.search(SearchQuery(per_page=7, page=1))
    p3 = backend.search(SearchQuery(per_page=7, page=3))
    assert [h.id for h in p1.hits] == all_ids[:7]
    assert [h.id for h in p3.hits] == all_ids[14:21]
    beyond = backend.search(SearchQuery(per_page=7, page=9))
    assert beyond.hits == [] and beyond.total == len(CORPUS) and beyond.page == 9


def test_sorting(backend):
    res = backend.search(SearchQuery(text="Chatbot", sort="adoption"))
    assert res.hits[0].id == 1  # 4 adopters
    res = backend.search(SearchQuery(text="Parkplatz", sort="newest"))
    pub = {d.id: d.published for d in CORPUS}
    got = [pub[h.id] for h in res.hits]
    assert got == sorted(got, reverse=True)


def test_update_remove_and_versions(fresh_backend):
    b = fresh_backend
    b.index([make_doc(1, "Chatbot im Rathaus"), make_doc(2, "Baumkataster")])
    assert b.versions() == {1: "v1", 2: "v1"}
    b.index([make_doc(1, "Sprachassistent im Rathaus", version="v2")])  # replace by id
    assert b.versions() == {1: "v2", 2: "v1"}
    assert ids(b, "Chatbot") == []
    assert ids(b, "Sprachassistent") == [1]
    b.remove([2, 99])
    assert b.versions() == {1: "v2"}
    assert ids(b, "Baumkataster") == []
    assert b.search(SearchQuery()).total == 1


def test_rebuild_replaces_everything(fresh_backend):
    b = fresh_backend
    b.index([make_doc(1, "Alt")])
    seen = []
    n = b.rebuild([make_doc(5, "Neu eins"), make_doc(6, "Neu zwei")], progress=seen.append)
    assert n == 2 and sum(seen) == 2
    assert b.versions() == {5: "v1", 6: "v1"}


def test_rebuild_with_worker_processes(tmp_path):
    b = create_backend("whoosh", index_dir=tmp_path, rebuild_procs=2)
    docs = [make_doc(1000 + i, f"Radwegeplanung Nummer {i}") for i in range(1200)]  # > 2 batches
    seen = []
    assert b.rebuild([*CORPUS, *docs], progress=seen.append) == len(CORPUS) + 1200
    assert sum(seen) == len(CORPUS) + 1200
    assert len(b.versions()) == len(CORPUS) + 1200
    assert 9 in ids(b, "Radweg", per_page=100) or b.search(SearchQuery(text="Radweg")).total == 1201
    b.close()


def test_second_instance_sees_changes(tmp_path):
    a = create_backend("whoosh", index_dir=tmp_path)
    b = create_backend("whoosh", index_dir=tmp_path)
    a.index([make_doc(1, "Chatbot")])
    assert ids(b, "Chatbot") == [1]
    a.index([replace(make_doc(2, "Chatbot zwei"), published=datetime(2024, 1, 1))])
    assert ids(b, "Chatbot") == [1, 2] or ids(b, "Chatbot") == [2, 1]
    a.remove([1])
    assert ids(b, "Chatbot") == [2]
    a.close()
    b.close()


def _writer_process(index_dir: str, start: int, count: int) -> None:
    backend = create_backend("whoosh", index_dir=index_dir, lock_timeout=120)
    for i in range(start, start + count):
        backend.index([make_doc(i, f"Dokument {i} Chatbot")])
    backend.close()


def test_concurrent_writers_lose_nothing(tmp_path):
    index_dir = str(tmp_path / "ix")
    create_backend("whoosh", index_dir=index_dir).close()
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_writer_process, args=(index_dir, 1000 * (k + 1), 8)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert all(p.exitcode == 0 for p in procs)
    b = create_backend("whoosh", index_dir=index_dir)
    expected = {1000 * (k + 1) + i for k in range(4) for i in range(8)}
    assert set(b.versions()) == expected
    assert b.search(SearchQuery(text="Chatbot")).total == len(expected)
    b.close()


def test_write_lock_timeout(tmp_path):
    from kb.search.engine import IndexBusyError

    b = create_backend("whoosh", index_dir=tmp_path, lock_timeout=0.2)
    ctx = mp.get_context("fork")
    ready = ctx.Event()
    release = ctx.Event()

    def hold() -> None:
        other = create_backend("whoosh", index_dir=tmp_path)
        with other._write_lock():
            ready.set()
            release.wait(10)

    p = ctx.Process(target=hold)
    p.start()
    assert ready.wait(10)
    with pytest.raises(IndexBusyError):
        b.index([make_doc(1, "x")])
    release.set()
    p.join(10)
    b.index([make_doc(1, "x")])
    assert b.versions() == {1: "v1"}
    b.close()


def test_index_of_another_format_is_recreated(tmp_path):
    from kb.search.engine.whoosh.backend import FORMAT_FILE

    b = create_backend("whoosh", index_dir=tmp_path)
    b.index([make_doc(1, "Chatbot")])
    b.close()
    (tmp_path / FORMAT_FILE).write_text("kb-whoosh-0\n")
    b = create_backend("whoosh", index_dir=tmp_path)
    assert b.versions() == {}  # check-index will report the case as missing
    b.index([make_doc(1, "Chatbot")])
    assert b.versions() == {1: "v1"}
    b.close()


def test_long_posting_lists_span_several_blocks(tmp_path):
    b = create_backend("whoosh", index_dir=tmp_path, rebuild_procs=1)
    docs = [make_doc(i, f"Glasfaser Abschnitt {i}", published=datetime(2020, 1, 1)) for i in range(1, 2601)]
    b.rebuild(docs)
    view = b._current()
    ids, ws = b._term(view, "glasfas")
    assert sorted(view.ids[ids].tolist()) == list(range(1, 2601))
    assert len(set(ids.tolist())) == 2600 and (ws > 0).all()
    res = b.search(SearchQuery(text="Glasfaser", per_page=5, page=520))
    assert res.total == 2600 and len(res.hits) == 5
    b.close()


def _glasfaser_docs(n: int) -> list:
    return [make_doc(i, f"Glasfaser Abschnitt {i}" + " Glasfaser" * (i % 3), published=datetime(2020, 1, 1))
            for i in range(1, n + 1)]


def _postings(b, term: str) -> dict[int, float]:
    view = b._current()
    ids, ws = b._term(view, term)
    return dict(zip(view.ids[ids].tolist(), ws.tolist(), strict=True))


def test_index_written_in_whoosh_block_format_is_still_read(tmp_path, monkeypatch):
    """Indexes written before blocks held raw arrays (whoosh's tuples) give the same postings."""
    from kb.search.engine.whoosh import codec as wb

    current = create_backend("whoosh", index_dir=tmp_path / "current", rebuild_procs=1)
    current.rebuild(_glasfaser_docs(2600))
    for name in ("_mini_ids", "_mini_weights", "_write_block"):
        monkeypatch.setattr(wb._PostingsWriter, name, getattr(wb.W3PostingsWriter, name))
    older = create_backend("whoosh", index_dir=tmp_path / "older", rebuild_procs=1)
    older.rebuild(_glasfaser_docs(2600))
    monkeypatch.undo()
    expected = _postings(current, "glasfas")
    assert len(expected) == 2600 and len(set(expected.values())) == 3  # three different impacts
    assert _postings(older, "glasfas") == expected
    query = SearchQuery(text="Glasfaser", per_page=10)
    assert [h.id for h in older.search(query).hits] == [h.id for h in current.search(query).hits]
    current.close()
    older.close()


def test_segments_merge_with_array_blocks(tmp_path):
    """Whoosh's own merge reads the array blocks and writes them again unchanged."""
    from kb.search.engine.whoosh import codec as wb

    b = create_backend("whoosh", index_dir=tmp_path, rebuild_procs=1)
    b.rebuild(_glasfaser_docs(2600))
    b.index([make_doc(5000, "Glasfaser am Stadtrand")])
    before = _postings(b, "glasfas")
    w = b._ix.writer(codec=wb.make_codec())
    w.commit(optimize=True)
    assert len(b._current().leaves) == 1
    assert _postings(b, "glasfas") == before and len(before) == 2601
    b.close()


@pytest.mark.parametrize("small_postings", [100_000, 0])
def test_rare_terms_written_in_the_term_table_as_whoosh_writes_them(tmp_path, monkeypatch, small_postings):
    """The short path for rare terms (postings inlined in the term table, added in one write) writes
    the same bytes as whoosh's term and postings writers – from the lists of a small segment and from
    the arrays of a large one."""
    from kb.search.engine.whoosh import bulk
    from kb.search.engine.whoosh import codec as wb

    monkeypatch.setattr(bulk, "SMALL_POSTINGS", small_postings)

    def term_table(b) -> tuple[dict, bytes]:
        """The terms and the whole term file: entries, positions index and hash tables."""
        (segreader, _offset, _data), = b._current().leaves
        tindex = segreader._terms._tindex
        file = tindex.dbfile
        file.seek(0, 2)
        size = file.tell()
        file.seek(0)
        return dict(tindex.items()), file.read(size)

    docs = _glasfaser_docs(20) + [replace(d, id=d.id + 100) for d in CORPUS]
    short = create_backend("whoosh", index_dir=tmp_path / "short", rebuild_procs=1)
    short.rebuild(docs)
    monkeypatch.setattr(wb._InlinedTerms, "add",
                        lambda inlined, btext, ids, ws: wb._write_term(inlined.fw, btext, ids, ws))
    whoosh_path = create_backend("whoosh", index_dir=tmp_path / "whoosh", rebuild_procs=1)
    whoosh_path.rebuild(docs)
    expected = term_table(whoosh_path)
    assert len(expected[0]) > 300 and term_table(short) == expected
    short.close()
    whoosh_path.close()


def _outcome(b, text: str) -> tuple:
    """Total, hits and facet counts of a search (not the scores: their document frequencies count
    replaced documents until a merge drops them, with whoosh's writer as with this one)."""
    result = b.search(SearchQuery(text=text, per_page=100))
    return result.total, {h.id for h in result.hits}, result.facets


def _live_postings(b, term: str) -> dict[int, float]:
    """Case id → impact of a term in the live documents (a segment's cached postings keep those
    deleted after they were read; searches leave them out)."""
    view = b._current()
    ids, ws = b._term(view, term)
    live = view.live[ids]
    return dict(zip(view.ids[ids[live]].tolist(), ws[live].tolist(), strict=True))


def _same_as_rebuilt(updated, docs: list, path) -> None:
    """``updated`` holds the same postings and gives the same results as a rebuild of ``docs``."""
    rebuilt = create_backend("whoosh", index_dir=path, rebuild_procs=1)
    rebuilt.rebuild(docs)
    assert updated.doc_count() == rebuilt.doc_count() == len(docs)
    vocabulary = {t.decode() for b in (updated, rebuilt) for r, _o, _d in b._current().leaves
                  for t in r.lexicon("text")}
    assert {t: _live_postings(updated, t) for t in vocabulary} == {t: _live_postings(rebuilt, t) for t in vocabulary}
    for text in ("Glasfaser", "aktualisiert", "Chatbot", "Runde11", "", "Parkplatz"):
        assert _outcome(updated, text) == _outcome(rebuilt, text)
    assert updated.versions() == rebuilt.versions()
    rebuilt.close()


def test_small_updates_merge_segments_without_losing_postings(tmp_path):
    """Many one-document updates and removals (each a new segment, small segments merged in memory)
    keep the same postings and results as a rebuild of the current documents."""
    updated = create_backend("whoosh", index_dir=tmp_path / "updated", rebuild_procs=1)
    final = {d.id: d for d in _glasfaser_docs(30) + [replace(d, id=d.id + 100) for d in CORPUS]}
    updated.rebuild(final.values())
    doc_id = None
    for step in range(150):
        if step % 9 == 4:  # the case updated last: its one-document segment is left empty, then merged
            updated.remove([doc_id])
            del final[doc_id]
        else:
            doc_id = sorted(final)[(step * 7) % len(final)]
            final[doc_id] = replace(final[doc_id], adopter_count=step, title=f"{final[doc_id].title} aktualisiert "
                                    f"Runde{step}", topics=["Mobilität"] if step % 2 else ["Bildung"])
            updated.index([final[doc_id]])
        if step % 30 == 29:
            _same_as_rebuilt(updated, list(final.values()), tmp_path / f"rebuilt{step}")
    assert len(updated._current().leaves) < 10  # merged along the way
    assert {"aktualisiert", "glasfas", "chatbot", "runde11"} <= {t.decode() for r, _o, _d in updated._current().leaves
                                                                 for t in r.lexicon("text")}
    assert len(_postings(updated, "aktualisiert")) > 8  # postings in blocks, inlined, of one document
    updated.close()


def _segment_ids(b) -> list[str]:
    return [reader.segment().segment_id() for reader, _offset, _data in b._current().leaves]


def test_updates_merge_small_segments_and_leave_large_ones(tmp_path):
    """One-case updates keep the number of segments small, but never rewrite large segments (a web
    request would wait for it: ``rebuild`` does that)."""
    b = create_backend("whoosh", index_dir=tmp_path, rebuild_procs=1)
    for part in range(4):  # four segments of 64 documents: one size class, but large
        b.index([make_doc(part * 100 + i, f"Glasfaser Abschnitt {i}") for i in range(64)])
    large = set(_segment_ids(b))
    assert len(large) == 4
    for step in range(60):
        b.index([make_doc(1000 + step % 12, f"Neubau Abschnitt {step}")])
    assert large <= set(_segment_ids(b)) and len(_segment_ids(b)) <= 4 + 6
    assert b.doc_count() == 4 * 64 + 12 and len(ids(b, "Neubau", per_page=20)) == 12
    b.close()


def test_segment_with_every_document_replaced_is_dropped(tmp_path):
    b = create_backend("whoosh", index_dir=tmp_path, rebuild_procs=1)
    b.rebuild(_glasfaser_docs(3))
    b.index([replace(d, title="Neubau") for d in _glasfaser_docs(3)])
    assert len(_segment_ids(b)) == 1 and ids(b, "Neubau") and not ids(b, "Glasfaser")
    b.close()


def test_search_keeps_working_during_rebuild(fresh_backend):
    import threading
    import time

    b = fresh_backend
    b.index([make_doc(1, "Chatbot alt")])
    started = threading.Event()

    def slow_docs():
        started.set()
        for i in range(10, 15):
            time.sleep(0.2)
            yield make_doc(i, f"Chatbot neu {i}")

    t = threading.Thread(target=b.rebuild, args=(slow_docs(),))
    t.start()
    assert started.wait(5)
    t0 = time.perf_counter()
    assert ids(b, "Chatbot") == [1]  # old generation, not blocked by the writer
    assert time.perf_counter() - t0 < 0.5
    t.join(10)
    assert sorted(ids(b, "Chatbot")) == [10, 11, 12, 13, 14]


def test_highlights_follow_a_changed_document_and_stay_the_callers(fresh_backend):
    """Highlights are kept per segment: asked again they are the same, a changed case (written to a
    new segment) is highlighted from its new text, and a caller changing its copy changes nothing."""
    fresh_backend.rebuild([make_doc(1, "Chatbot im Bürgeramt", "Ein Chatbot beantwortet Fragen."),
                           make_doc(2, "Chatbot für Schulen", "Fragen der Eltern.")])
    first = {h.id: h.highlights for h in fresh_backend.search(SearchQuery(text="Chatbot")).hits}
    first[1]["summary"] = "verändert"
    again = {h.id: h.highlights for h in fresh_backend.search(SearchQuery(text="Chatbot")).hits}
    assert again[1]["summary"] == "Ein <mark>Chatbot</mark> beantwortet Fragen."
    assert again[2] == first[2]
    fresh_backend.index([make_doc(1, "Chatbot im Bürgeramt", "Der Chatbot antwortet rund um die Uhr.",
                                  version="v2")])
    changed = {h.id: h.highlights for h in fresh_backend.search(SearchQuery(text="Chatbot")).hits}
    assert changed[1]["summary"] == "Der <mark>Chatbot</mark> antwortet rund um die Uhr."
    assert changed[2] == first[2]
