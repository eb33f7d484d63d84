"""The search index follows the database: after commit only, through failures, rollbacks and crashes."""

from __future__ import annotations

import logging
import os
import threading
import time

import pytest
from sqlalchemy import delete, func, insert, select, text, update

from kb.extensions import db
from kb.models import Adoption, AdoptionSource, ModerationState, SearchOutbox, Topic, UseCase
from kb.search import maintenance as search_service
from kb.search.backend import get_backend
from kb.search.engine import IndexBusyError
from kb.search.sync import drain, sync_lock
from kb.services.adoptions import declarations as adoptions
from kb.services.registry import organisations
from tests.helpers import FORM_CONTACT_AND_REUSE, record, write_jsonl

SLUG = "leipzig-ki-chatbot-buergerservice"


def backend_class(app) -> type:
    """The class of the search backend this app uses (Whoosh, or PostgreSQL in the second pass)."""
    with app.app_context():
        return type(get_backend())


def found(client, query: str) -> list[str]:
    """The slugs of the hits above the relevance floor."""
    results = client.get("/api/v1/search", query_string={"q": query}).get_json()["results"]
    return [hit["slug"] for hit in results if not hit["weaker"]]


def check(runner, *args):
    return runner.invoke(args=["check-index", *args])


def queued(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(SearchOutbox.id)))


def test_check_index_is_clean_after_the_seed(runner, app):
    result = check(runner)
    assert result.exit_code == 0, result.output
    assert "stimmen überein (41 Fälle)" in result.output
    assert queued(app) == 0


def test_unpublished_edited_and_deleted_cases_leave_or_change_the_index(client, app, runner):
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == SLUG))
        case.title = "Quasselstrippe beantwortet Fragen"
        db.session.commit()
    assert found(client, "Quasselstrippe") == [SLUG]
    with app.app_context():
        db.session.scalar(select(UseCase).where(UseCase.slug == SLUG)).moderation = ModerationState.DRAFT
        db.session.commit()
    assert found(client, "Quasselstrippe") == []
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == "dresden-open-data-portal"))
        db.session.delete(case)
        db.session.commit()
    assert "dresden-open-data-portal" not in found(client, "Open Data Dresden")
    assert check(runner).exit_code == 0 and queued(app) == 0


def test_drafts_leave_the_index_alone_and_publishing_writes_it(client, app, make_user, login, monkeypatch):
    """Saving, editing and submitting a draft writes nothing to the index; publishing does."""
    writes = []
    cls = backend_class(app)
    for name in ("index", "remove"):
        def spy(self, items, _original=getattr(cls, name), _name=name):
            items = list(items)
            writes.append((_name, [getattr(item, "slug", item) for item in items]))
            return _original(self, items)
        monkeypatch.setattr(cls, name, spy)
    _id, email, password = make_user("contributor", municipality="08421000")
    login(email, password)
    draft = {"action": "save", "title": "Nur ein Entwurf", "owner_kind": "municipality", "municipality": "Ulm"}
    assert client.post("/cases/new", data=draft).status_code == 303
    edited = draft | {"summary": "Kurz gesagt.", "description": "Lang gesagt.", "topics": ["Bürgerservice"],
                      "status": "pilot", **FORM_CONTACT_AND_REUSE}
    assert client.post("/cases/nur-ein-entwurf/edit", data=edited).status_code == 303
    assert client.post("/cases/nur-ein-entwurf/submit").status_code == 303
    assert writes == [] and queued(app) == 0
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == "nur-ein-entwurf"))
        case.moderation, case.published_at = ModerationState.PUBLISHED, case.updated_at
        db.session.commit()
    assert writes == [("index", ["nur-ein-entwurf"])]


def test_topic_change_alone_updates_the_index_and_its_version(client, app, runner):
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == SLUG))
        before = case.lock_version
        case.topics = case.topics + [db.session.scalar(select(Topic).where(Topic.name == "Energie"))]
        db.session.commit()
        assert case.lock_version == before + 1
    data = client.get("/api/v1/search", query_string={"q": "Chatbot", "topic": "Energie"}).get_json()
    assert [h["slug"] for h in data["results"]] == [SLUG]
    assert check(runner).exit_code == 0


def test_declared_adoption_reaches_the_index(client, app, runner):
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == SLUG))
        before = len(case.user_adoptions)
        adoptions.declare(db.session, case=case, organisation=organisations.for_key(db.session, "09162000"),
                          status="in_betrieb", note=None, actor=None, source=AdoptionSource.MODERATOR,
                          verified=True)
    assert check(runner).exit_code == 0
    backend_doc = client.get("/api/v1/search", query_string={"q": "Chatbot München"}).get_json()["results"][0]
    assert backend_doc["slug"] == SLUG  # München (the adopter) is now one of the case's places
    with app.app_context():
        assert len(db.session.scalar(select(UseCase).where(UseCase.slug == SLUG)).user_adoptions) == before + 1


def _declare(app, status: str, note: str | None) -> None:
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == SLUG))
        adoptions.declare(db.session, case=case, organisation=organisations.for_key(db.session, "09162000"),
                          status=status, note=note, actor=None, source=AdoptionSource.MODERATOR, verified=True)


def _runs_in_muenchen(client) -> bool:
    """Is the case among the solutions running in München (the search's place filter)?"""
    results = client.get("/api/v1/search", query_string={"municipality": "09162000", "per_page": 50}).get_json()
    return SLUG in [hit["slug"] for hit in results["results"]]


def test_what_the_document_does_not_show_of_an_adoption_leaves_the_index_alone(client, app, runner, monkeypatch):
    """"Pilot" to "In Betrieb" and a new note change no word, count or place of the case's document:
    the index is not written again (each write costs every worker a fresh view), check-index stays
    clean; "interessiert" takes München out of the places the case runs at – that is written."""
    _declare(app, "pilot", "Erste Schritte")
    assert _runs_in_muenchen(client)
    writes: list[set[int]] = []
    original = backend_class(app).index

    def counted(self, docs):
        docs = list(docs)
        writes.append({doc.id for doc in docs})
        return original(self, docs)

    monkeypatch.setattr(backend_class(app), "index", counted)
    _declare(app, "in_betrieb", "Seit März im Betrieb")
    assert writes == [] and queued(app) == 0
    assert check(runner).exit_code == 0
    assert _runs_in_muenchen(client)
    _declare(app, "interessiert", None)
    assert len(writes) == 1
    assert check(runner).exit_code == 0
    assert not _runs_in_muenchen(client)


def test_organisation_rename_rewrites_the_documents_that_show_it(client, app, runner):
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == SLUG))
        org = case.owner
        org.name = "Messestadt Pleißenburg"
        db.session.commit()
        shown = set(db.session.scalars(select(UseCase.slug).where(UseCase.owner_id == org.id)))
        shown |= set(db.session.scalars(select(UseCase.slug).join(Adoption).where(Adoption.organisation_id == org.id)))
    hits = client.get("/api/v1/search", query_string={"q": "Pleißenburg", "per_page": 50}).get_json()["results"]
    assert SLUG in shown and {h["slug"] for h in hits} == shown


# ------------------------------------------------------------ transactions


def test_rollback_after_flush_leaves_index_and_outbox_untouched(client, app):
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == SLUG))
        case.title = "Zwischenstand"
        db.session.flush()
        assert db.session.scalar(select(func.count(SearchOutbox.id))) == 1
        db.session.rollback()
    assert queued(app) == 0
    assert found(client, "Zwischenstand") == []


def test_nested_transaction_reaches_the_index_only_with_the_outer_commit(client, app):
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == SLUG))
        with db.session.begin_nested():
            case.title = "Sparringspartner im Bürgerbüro"
        # the savepoint is released, the transaction is still open: nothing may be indexed yet
        assert found(client, "Sparringspartner") == []
        db.session.commit()
    assert found(client, "Sparringspartner") == [SLUG]


def test_rolled_back_savepoint_is_not_indexed(client, app, runner):
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == SLUG))
        savepoint = db.session.begin_nested()
        case.title = "Quietscheentchen"
        db.session.flush()
        savepoint.rollback()
        case.summary = "Neue Zusammenfassung mit Wortneuschöpfung Zauberformel."
        db.session.commit()
    assert found(client, "Quietscheentchen") == []
    assert found(client, "Zauberformel") == [SLUG]
    assert check(runner).exit_code == 0


def test_dry_run_import_queues_nothing(runner, app, tmp_path):
    path = write_jsonl(tmp_path / "probe.jsonl", [record("probe-fall")])
    assert runner.invoke(args=["import-cases", "--dry-run", str(path)]).exit_code == 0
    assert queued(app) == 0 and check(runner).exit_code == 0


# ------------------------------------------------------------ drift and repair


def test_check_index_names_a_case_missing_from_the_index_and_repairs_it(app, runner):
    with app.app_context():
        case_id = db.session.scalar(select(UseCase.id).where(UseCase.slug == SLUG))
        get_backend().remove([case_id])
    result = check(runner)
    assert result.exit_code == 1
    assert f"fehlt im Index: {SLUG}" in result.output
    repaired = check(runner, "--repair")
    assert repaired.exit_code == 0 and "jetzt sauber" in repaired.output
    assert check(runner).exit_code == 0


def test_check_index_sees_rows_changed_behind_the_apps_back(app, runner):
    with app.app_context(), db.engine.begin() as connection:  # plain SQL: no session events, nothing queued
        connection.execute(update(UseCase).where(UseCase.slug == SLUG).values(moderation="draft"))
        connection.execute(text("UPDATE use_case SET lock_version = lock_version + 1 "
                                "WHERE slug = 'dresden-open-data-portal'"))
        gone = connection.scalar(select(UseCase.id).where(UseCase.slug == "hamburg-dipas-digitale-beteiligung"))
        connection.execute(delete(Adoption).where(Adoption.case_id == gone))
        connection.execute(delete(UseCase).where(UseCase.id == gone))
    result = check(runner)
    assert result.exit_code == 1
    assert f"nicht (mehr) veröffentlicht: {SLUG}" in result.output
    assert "veraltet: dresden-open-data-portal" in result.output
    assert f"(id {gone})" in result.output
    assert "1 fehlen" not in result.output and "2 überzählig" in result.output
    assert check(runner, "--repair").exit_code == 0
    assert check(runner).exit_code == 0


def test_failed_index_write_keeps_the_database_change_and_reindex_repairs(client, app, runner, monkeypatch, caplog,
                                                                         tmp_path):
    def broken(self, docs):
        raise OSError(28, "Kein Platz auf dem Gerät")

    monkeypatch.setattr(backend_class(app), "index", broken)
    path = write_jsonl(tmp_path / "neu.jsonl", [record("rettungsring-app", title="Rettungsring-App für Badeseen")])
    with caplog.at_level(logging.ERROR, logger="kb.search.sync"):
        result = runner.invoke(args=["import-cases", str(path)])
    assert result.exit_code == 0, result.output  # the import itself succeeded
    assert "Suchindex konnte nicht aktualisiert werden" in caplog.text
    with app.app_context():
        assert db.session.scalar(select(UseCase.id).where(UseCase.slug == "rettungsring-app")) is not None
    assert queued(app) == 1
    drifted = check(runner)
    assert drifted.exit_code == 1 and "fehlt im Index: rettungsring-app" in drifted.output
    assert "vorgemerkt" in drifted.output
    monkeypatch.undo()
    rebuilt = runner.invoke(args=["reindex"])
    assert rebuilt.exit_code == 0 and "42 Fälle" in rebuilt.output
    assert queued(app) == 0 and check(runner).exit_code == 0
    assert found(client, "Rettungsring")[0] == "rettungsring-app"


def test_next_write_of_anyone_finishes_what_a_failed_write_left(client, app, runner, monkeypatch):
    monkeypatch.setattr(backend_class(app), "index", lambda self, docs: (_ for _ in ()).throw(OSError("kaputt")))
    with app.app_context():
        db.session.scalar(select(UseCase).where(UseCase.slug == SLUG)).title = "Plaudertasche im Amt"
        db.session.commit()
    assert found(client, "Plaudertasche") == [] and queued(app) == 1
    monkeypatch.undo()
    with app.app_context():
        db.session.scalar(select(UseCase).where(UseCase.slug == "dresden-open-data-portal")).summary = "Offene Daten."
        db.session.commit()
    assert found(client, "Plaudertasche") == [SLUG]
    assert queued(app) == 0 and check(runner).exit_code == 0


@pytest.mark.skipif(os.environ.get("KB_SEARCH_BACKEND", "whoosh") != "whoosh",
                    reason="Whoosh-Dateisperre; die PostgreSQL-Sperre prüft tests/search/test_search_postgres.py")
def test_busy_index_lock_is_logged_and_retried_later(client, app, runner, caplog):
    import fcntl

    from kb.search.engine.whoosh.backend import LOCK_NAME

    with app.app_context():
        backend = get_backend()
        backend.lock_timeout = 0.2
        with open(backend.index_dir / LOCK_NAME, "w") as holder:  # another writer holds the index
            fcntl.flock(holder, fcntl.LOCK_EX)
            with caplog.at_level(logging.ERROR, logger="kb.search.sync"):
                db.session.scalar(select(UseCase).where(UseCase.slug == SLUG)).title = "Wartezimmer-Bot"
                db.session.commit()
            fcntl.flock(holder, fcntl.LOCK_UN)
        assert any(isinstance(r.exc_info[1], IndexBusyError) for r in caplog.records if r.exc_info)
        assert queued(app) == 1
        drain(app)
    assert found(client, "Wartezimmer") == [SLUG] and queued(app) == 0


def test_web_request_does_not_wait_for_a_busy_sync_lock_and_nothing_is_lost(client, app, monkeypatch):
    slow_index = backend_class(app).index

    def slow(self, docs):
        time.sleep(1.0)
        slow_index(self, docs)

    monkeypatch.setattr(backend_class(app), "index", slow)
    with app.app_context():
        dresden = db.session.scalar(select(UseCase).where(UseCase.slug == "dresden-open-data-portal"))
        with db.engine.begin() as connection:  # a change queued by another process; the thread writes it slowly
            connection.execute(update(UseCase).where(UseCase.id == dresden.id).values(title="Datenschatz"))
            connection.execute(insert(SearchOutbox).values(case_id=dresden.id, queued_at=dresden.updated_at))
        worker = threading.Thread(target=drain_in_thread, args=(app,))
        worker.start()
        time.sleep(0.3)
        started = time.monotonic()
        with app.test_request_context():  # a web request commits while the thread holds the lock
            db.session.scalar(select(UseCase).where(UseCase.slug == SLUG)).title = "Fragefuchs im Bürgerbüro"
            db.session.commit()
        assert time.monotonic() - started < 0.8  # did not wait for the lock
        worker.join(10)
    assert found(client, "Fragefuchs")[0] == SLUG  # the lock holder picked it up after its own batch
    assert found(client, "Datenschatz") == ["dresden-open-data-portal"]
    assert queued(app) == 0


def drain_in_thread(app) -> None:
    with app.app_context():
        drain(app, 5.0)


def test_sync_lock_is_exclusive(app):
    with app.app_context(), sync_lock(app) as first:
        assert first
        with sync_lock(app, wait=0.1) as second:
            assert not second


def test_bulk_index_replaces_existing_documents(app, monkeypatch):
    from kb.search.documents import all_documents
    from kb.search.engine.whoosh import backend as whoosh_backend

    monkeypatch.setattr(whoosh_backend, "BULK_THRESHOLD", 10)
    with app.app_context():
        backend = get_backend()
        docs = list(all_documents(db.session))
        for doc in docs:
            doc.title += " Zusatzwort"
        backend.index(docs)  # 41 documents, all already indexed: bulk path
        assert backend.doc_count() == 41
        assert search_service.check_index(db.session, backend).clean
        from kb.search.engine import SearchQuery

        assert backend.search(SearchQuery("Zusatzwort", per_page=50)).total == 41


def test_bulk_document_loader_matches_the_orm_documents(app):
    from kb.search.documents import iter_documents, to_document

    with app.app_context():
        adoptions.declare(db.session, case=db.session.scalar(select(UseCase).where(UseCase.slug == SLUG)),
                          organisation=organisations.for_key(db.session, "12063"), status="eingestellt", note=None,
                          actor=None, source=AdoptionSource.MODERATOR, verified=True)
        orm = {c.id: to_document(c) for c in db.session.scalars(select(UseCase)) if c.is_published}
        bulk = {d.id: d for d in iter_documents(db.session, orm)}
    assert bulk.keys() == orm.keys()
    for case_id, doc in orm.items():
        other = bulk[case_id]
        assert sorted(other.places) == sorted(doc.places)
        other.places = doc.places
        assert other == doc
