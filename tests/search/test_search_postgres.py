"""The PostgreSQL backend behaves like the Whoosh backend (needs KB_TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import replace

import pytest
from search_fixtures import CORPUS, make_doc

from kb.search.engine import IndexBusyError, SearchQuery, create_backend
from tests.dbprovision import drop_tables

DATABASE_URL = os.environ.get("KB_TEST_DATABASE_URL")
pytestmark = pytest.mark.skipif(not DATABASE_URL, reason="KB_TEST_DATABASE_URL fehlt (make test setzt sie "
                                                        "im PostgreSQL-Durchlauf)")


def _pg(**options):
    return create_backend("postgres", engine=DATABASE_URL, table_prefix=f"t_{uuid.uuid4().hex[:10]}",
                          create_tables=True, **options)


def _drop(backend) -> None:
    with backend.engine.begin() as conn:
        drop_tables(conn, backend.tables)
    backend.close()


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The test corpus in Whoosh and in PostgreSQL."""
    whoosh = create_backend("whoosh", index_dir=tmp_path_factory.mktemp("ix"), rebuild_procs=1)
    whoosh.rebuild(CORPUS)
    pg = _pg()
    assert pg.rebuild(CORPUS) == len(CORPUS)
    yield whoosh, pg
    whoosh.close()
    _drop(pg)


@pytest.fixture
def pg():
    backend = _pg()
    yield backend
    _drop(backend)


QUERIES = [
    SearchQuery(text="Chatbot"),
    SearchQuery(text="chatbots"),
    SearchQuery(text="Parkplätze"),
    SearchQuery(text="Parkplaetze"),
    SearchQuery(text="Bürgerbeteiligung Haushalt"),
    SearchQuery(text="Buergerbeteiligung"),
    SearchQuery(text="Baumkataster"),
    SearchQuery(text="KI"),
    SearchQuery(text="künstliche Intelligenz"),
    SearchQuery(text="Projekte in Sachsen"),
    SearchQuery(text="Leipzig"),
    SearchQuery(text="Chatbto"),
    SearchQuery(text="Digitalisierng"),
    SearchQuery(text="Sensoren Parkplatz Innenstadt"),
    SearchQuery(text=""),
    SearchQuery(text="und der die"),
    SearchQuery(text="Projekte", sort="adoption"),
    SearchQuery(text="", topics=["Mobilität"]),
    SearchQuery(text="App", topics=["Mobilität", "Geodaten"], states=["Baden-Württemberg"]),
    SearchQuery(text="", statuses=["pilot"]),
    SearchQuery(text="Baum", sort="newest"),
    SearchQuery(text="", sort="adoption"),
    SearchQuery(text="Bürger", page=2, per_page=2),
    SearchQuery(text="Bürger", page=40, per_page=5),
    SearchQuery(text="Hochwasserwarnung"),  # head-weighted compound parts, weaker partial hits
    SearchQuery(text="Hundesteuer online"),  # an unmatched German word: no correction, related searches
    SearchQuery(text="Geodaten NRW"),  # a Land in the text becomes a filter
    SearchQuery(text="Parkplatz Sachsen", detect_places=False),
    SearchQuery(text="Chatbto", correct=False),
    SearchQuery(text="Hochwasserwarnung", per_page=1, group_weaker=True),  # the search page's paging
    SearchQuery(text="Bürger", page=2, per_page=2, group_weaker=True),
]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: f"{q.text or '-'}|{q.topics}{q.states}{q.statuses}"
                                                      f"|{q.sort}|{q.page}")
def test_same_results_as_whoosh(both, query):
    whoosh, pg = both
    expected, got = whoosh.search(query), pg.search(query)
    assert [h.id for h in got.hits] == [h.id for h in expected.hits]
    assert (got.total, got.paged_total) == (expected.total, expected.paged_total)
    assert got.facets == expected.facets
    assert got.suggestion == expected.suggestion and got.corrected == expected.corrected
    assert (got.strong_total, got.unmatched, got.related) == (expected.strong_total, expected.unmatched,
                                                              expected.related)
    assert (got.place_filters, got.place_words) == (expected.place_filters, expected.place_words)
    for mine, theirs in zip(got.hits, expected.hits, strict=True):
        assert mine.score == pytest.approx(theirs.score, rel=1e-3)
        assert mine.highlights == theirs.highlights
        assert mine.weaker == theirs.weaker


def test_highlights_are_escaped_with_mark_only(pg):
    pg.index([make_doc(1, "Chatbot <script>alert(1)</script>", "Ein Chatbot & mehr", "Der Chatbot antwortet.")])
    hit = pg.search(SearchQuery(text="Chatbot")).hits[0]
    assert hit.highlights["title"] == "<mark>Chatbot</mark> &lt;script&gt;alert(1)&lt;/script&gt;"
    assert "&amp;" in hit.highlights["summary"] and "<mark>Chatbot</mark>" in hit.highlights["body"]


def test_index_update_remove_and_versions(pg):
    pg.index([make_doc(1, "Chatbot im Rathaus"), make_doc(2, "Radweg digital")])
    assert pg.versions() == {1: "v1", 2: "v1"}
    pg.index([make_doc(1, "Parkplatzsensoren", version="v2")])
    assert pg.versions() == {1: "v2", 2: "v1"}
    assert pg.search(SearchQuery(text="Chatbot")).total == 0
    assert [h.id for h in pg.search(SearchQuery(text="Parkplatz")).hits] == [1]
    pg.remove([2, 99])
    assert pg.versions() == {1: "v2"}
    assert _vocabulary(pg) == _recomputed_vocabulary(pg)


def test_second_server_sees_changes_at_once(pg):
    other = create_backend("postgres", engine=DATABASE_URL, table_prefix=pg.tables.prefix)
    try:
        pg.index([make_doc(7, "Hochwasserwarnung per SMS")])
        assert [h.id for h in other.search(SearchQuery(text="Hochwasser Warnung")).hits] == [7]
        other.remove([7])
        assert pg.search(SearchQuery(text="Hochwasser")).total == 0
    finally:
        other.close()


def test_concurrent_writers_keep_document_frequencies_exact(pg):
    """Eight threads index overlapping documents; df in the vocabulary stays exact."""
    docs = [make_doc(i, f"Digitale Akte Nummer {i}", "Bürgerservice digital", "E-Akte und Chatbot")
            for i in range(1, 41)]
    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        try:
            for round_ in range(3):
                batch = [replace(d, version=f"r{round_}") for d in docs[offset::4]] + docs[:3]
                pg.index(batch)
                pg.remove([docs[(offset + round_) % 40].id])
                pg.index([docs[(offset + round_) % 40]])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i % 4,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(pg.versions()) == 40
    assert _vocabulary(pg) == _recomputed_vocabulary(pg)
    assert pg.search(SearchQuery(text="Akte")).total == 40


def test_rebuild_is_atomic_and_replaces_everything(pg):
    pg.index([make_doc(1, "Alter Eintrag Chatbot")])
    seen_during: list[int] = []

    def slow_docs():
        for i in range(2, 6):
            seen_during.append(pg.search(SearchQuery(text="")).total)
            yield make_doc(i, f"Neuer Eintrag {i}")

    assert pg.rebuild(slow_docs()) == 4
    assert seen_during == [1, 1, 1, 1]  # searches kept seeing the old index while it was rebuilt
    assert sorted(pg.versions()) == [2, 3, 4, 5]
    assert pg.search(SearchQuery(text="Chatbot")).total == 0
    assert _vocabulary(pg) == _recomputed_vocabulary(pg)


def test_writer_waiting_too_long_gets_index_busy(pg):
    from sqlalchemy import text

    slow = create_backend("postgres", engine=DATABASE_URL, table_prefix=pg.tables.prefix, lock_timeout=0.3)
    try:
        with pg.engine.begin() as conn:  # a rebuild in progress holds the exclusive index lock
            conn.execute(text("SELECT pg_advisory_xact_lock(:c, -1)"), {"c": pg.tables.lock_class})
            with pytest.raises(IndexBusyError):
                slow.index([make_doc(1, "Wartet")])
        slow.index([make_doc(1, "Wartet nicht mehr")])
        assert slow.versions() == {1: "v1"}
    finally:
        slow.close()


@pytest.mark.parametrize("text", ["' OR 1=1 --", "a'); DROP TABLE search_term; --", "\\x00 & | ! <-> :*",
                                  "'':* | !!", "%_%", "$$ $$", "\x00"])
def test_hostile_query_text_is_only_text(pg, text):
    pg.index([make_doc(1, "Chatbot")])
    result = pg.search(SearchQuery(text=text))
    assert result.total in (0, 1)
    assert pg.versions() == {1: "v1"}


def _vocabulary(backend) -> dict[str, int]:
    from sqlalchemy import text

    with backend.engine.connect() as conn:
        return dict(conn.execute(text(f"SELECT term, df FROM {backend.tables.term}")).all())


def _recomputed_vocabulary(backend) -> dict[str, int]:
    from sqlalchemy import text

    with backend.engine.connect() as conn:
        return dict(conn.execute(text(
            f"SELECT lexeme, count(*) FROM {backend.tables.document}, unnest(tsv) GROUP BY lexeme"
        )).all())


def test_highlights_follow_a_changed_document_with_the_same_version(pg):
    """Snippets shown for a search are those of the document as it is now, also when another server
    changed it and its version stamp stayed the same."""
    pg.index([make_doc(3, "Chatbot im Rathaus", "Der Chatbot beantwortet Fragen.")])
    assert pg.search(SearchQuery(text="Chatbot")).hits[0].highlights["title"] == "<mark>Chatbot</mark> im Rathaus"
    other = create_backend("postgres", engine=DATABASE_URL, table_prefix=pg.tables.prefix)
    try:
        other.index([make_doc(3, "Chatbot im Bürgerbüro", "Der Chatbot vergibt Termine.")])
    finally:
        other.close()
    hit = pg.search(SearchQuery(text="Chatbot")).hits[0]
    assert hit.highlights["title"] == "<mark>Chatbot</mark> im Bürgerbüro"
    assert "Termine" in hit.highlights["summary"]
