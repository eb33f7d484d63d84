"""A large import indexes its new cases while it writes them (kb.search.bulk_import): afterwards the
index is exactly what a rebuild makes; a failed import leaves database and index as they were."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from kb.extensions import db
from kb.models import SearchOutbox, UseCase
from kb.search import bulk_import, sync
from kb.search.backend import get_backend
from kb.search.engine import SearchQuery
from kb.search.engine.whoosh.background import shares
from kb.search.sync import sync_lock
from kb.services.cases import journal
from kb.services.interchange import importing
from tests.helpers import case_count, record, write_jsonl

TOPICS = ["Bürgerservice", "Mobilität", "Geodaten", "Klima und Umwelt"]
PLACES = ["Stadt Leipzig", "Ulm", "09162000", "Stadt Jena", "05315000", "Kaiserslautern"]
QUERIES = ["Regenwasserzisterne", "Leihfahrrad Ulm", "Sensorik", "Bürgerservice", "Jena Zisterne", "Hochwasser"]


def _records(n: int) -> list[dict]:
    words = ["Regenwasserzisterne", "Leihfahrrad", "Hochwasserwarnung", "Sensorik"]
    return [record(f"grossimport-{i}", title=f"{words[i % 4]} Nummer {i}",
                   summary=f"Fall {i}: {words[(i + 1) % 4]} und {words[(i + 2) % 4]} in der Praxis.",
                   municipality=PLACES[i % len(PLACES)], topics=[TOPICS[i % 4], TOPICS[(i + 1) % 4]],
                   status="pilot" if i % 3 else "in_betrieb",
                   adopters=[PLACES[(i + 1) % len(PLACES)], {"municipality": PLACES[(i + 2) % len(PLACES)],
                                                              "status": "interessiert" if i % 2 else "pilot"}])
            for i in range(n)]


@pytest.fixture
def large(monkeypatch):
    """Imports of 3 and more new cases count as large, written 2, then 4 at a time."""
    monkeypatch.setattr(bulk_import, "MIN_CASES", 3)
    monkeypatch.setattr(importing, "FIRST_CHUNK", 2)
    monkeypatch.setattr(importing, "BULK_CHUNK", 4)


def _results(app) -> list:
    with app.app_context():
        backend = get_backend()
        out = []
        for text in QUERIES:
            found = backend.search(SearchQuery(text, per_page=50))
            out.append((text, found.total, [(hit.id, round(hit.score, 9)) for hit in found.hits], found.facets))
        return out


@pytest.mark.skipif(os.environ.get("KB_SEARCH_BACKEND", "whoosh") != "whoosh",
                    reason="only the Whoosh backend builds beside the transaction; PostgreSQL drains after the commit")
def test_large_import_is_indexed_beside_the_transaction_as_a_rebuild_would(app, runner, tmp_path, large,
                                                                             monkeypatch):
    def no_drain(session, backend):  # the new cases must not need the drain after the commit
        raise AssertionError("drain_outbox called")

    monkeypatch.setattr(sync, "drain_outbox", no_drain)
    path = write_jsonl(tmp_path / "gross.jsonl", _records(13))
    result = runner.invoke(args=["import-cases", str(path)])
    assert result.exit_code == 0, result.output
    assert "13 angelegt" in result.output
    monkeypatch.undo()
    with app.app_context():
        assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0
    assert runner.invoke(args=["check-index"]).exit_code == 0
    imported = _results(app)
    assert imported[0][1] > 0 and imported[1][1] > 0
    assert runner.invoke(args=["reindex"]).exit_code == 0
    assert _results(app) == imported  # the same hits, scores and facets as after a full rebuild


def test_failed_large_import_leaves_database_and_index_as_they_were(app, runner, tmp_path, large, monkeypatch):
    before_cases, before = case_count(app), _results(app)
    calls = []
    real = journal.journal_new_cases

    def fails_on_the_third_chunk(session, ids):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("Platte voll")
        real(session, ids)

    monkeypatch.setattr(journal, "journal_new_cases", fails_on_the_third_chunk)
    path = write_jsonl(tmp_path / "gross.jsonl", _records(13))
    result = runner.invoke(args=["import-cases", str(path)])
    assert result.exit_code != 0 and len(calls) == 3
    monkeypatch.undo()
    assert case_count(app) == before_cases
    assert _results(app) == before
    assert runner.invoke(args=["check-index"]).exit_code == 0
    with app.app_context(), sync_lock(app, wait=0.1) as held:  # nothing stays locked
        assert held
    assert runner.invoke(args=["import-cases", str(path)]).exit_code == 0
    assert runner.invoke(args=["check-index"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(UseCase.id)).where(UseCase.slug.like("grossimport-%"))) == 13


def test_bad_records_after_blocks_already_written_write_nothing_and_are_all_named(app, runner, tmp_path, large,
                                                                                   monkeypatch):
    before_cases, before = case_count(app), _results(app)
    handed = []  # blocks the index build received before the bad records were read
    real_add = bulk_import.ImportIndex.add
    monkeypatch.setattr(bulk_import.ImportIndex, "add",
                        lambda self, session, rows, ids: (handed.append(ids), real_add(self, session, rows, ids)))
    records = _records(13)
    records[9]["status"] = "fertig"
    records[12]["title"] = ""
    path = write_jsonl(tmp_path / "gross.jsonl", records)
    result = runner.invoke(args=["import-cases", str(path)])
    assert result.exit_code != 0
    assert "nichts wurde geschrieben (2 Fehler)" in result.output
    assert "gross.jsonl, Zeile 10, Feld „status“" in result.output and "fertig" in result.output
    assert "gross.jsonl, Zeile 13, Feld „title“" in result.output
    if os.environ.get("KB_SEARCH_BACKEND", "whoosh") == "whoosh":  # PostgreSQL indexes after the commit
        assert handed  # the first blocks were written and handed over before line 10 was read
    assert case_count(app) == before_cases
    assert _results(app) == before
    assert runner.invoke(args=["check-index"]).exit_code == 0
    with app.app_context(), sync_lock(app, wait=0.1) as held:
        assert held


def test_dry_run_of_a_large_import_writes_nothing(app, runner, tmp_path, large):
    before_cases, before = case_count(app), _results(app)
    path = write_jsonl(tmp_path / "gross.jsonl", _records(13))
    result = runner.invoke(args=["import-cases", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert "Probelauf: 13 Datensätze – 13 würde anlegen" in result.output
    assert case_count(app) == before_cases
    assert _results(app) == before


def test_large_reimport_updates_and_adds_and_the_index_follows(app, client, runner, tmp_path, large):
    records = _records(8)
    assert runner.invoke(args=["import-cases", str(write_jsonl(tmp_path / "a.jsonl", records))]).exit_code == 0
    records[0]["title"] = "Quellwasserbrunnen Nummer 0"
    more = records + _records(12)[8:]
    result = runner.invoke(args=["import-cases", str(write_jsonl(tmp_path / "b.jsonl", more))])
    assert result.exit_code == 0, result.output
    assert "4 angelegt, 1 aktualisiert, 7 unverändert" in result.output
    assert runner.invoke(args=["check-index"]).exit_code == 0
    results = client.get("/api/v1/search", query_string={"q": "Quellwasserbrunnen"}).get_json()["results"]
    assert [hit["slug"] for hit in results] == ["grossimport-0"]
    results = client.get("/api/v1/search", query_string={"q": "Nummer 11"}).get_json()["results"]
    assert results[0]["slug"] == "grossimport-11"


@pytest.mark.parametrize("expected, workers", [(50_000, 2), (13, 2), (1, 2), (1_000, 1), (10, 3)])
def test_every_expected_document_has_one_worker_and_the_first_takes_the_most(expected, workers):
    counts = shares(expected, workers)
    assert len(counts) == workers and sum(counts) == expected and min(counts) >= 0
    assert counts[0] == max(counts)  # it starts first (its documents are written first)
    if workers == 2 and expected >= 100:
        assert 0.52 < counts[0] / expected < 0.6  # somewhat more than the other, not all of them

