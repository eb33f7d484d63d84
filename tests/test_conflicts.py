"""Concurrent changes: a lost optimistic lock is retried, a persistent one is a clear 409."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.orm.exc import StaleDataError

from kb.extensions import db
from kb.models import Adoption, AuditEvent, ModerationState, UseCase
from kb.services.adoptions import declarations as adoptions
from kb.services.cases import moderation
from tests.helpers import FORM_CONTACT_AND_REUSE, signed_in

CASE = {"summary": "Kurz.", "description": "Lang.", "owner_kind": "municipality", "municipality": "08421000",
        "topics": ["Bürgerservice"], "status": "in_betrieb", **FORM_CONTACT_AND_REUSE}


@pytest.fixture
def moderator_client(app, make_user):
    _id, email, password = make_user("moderator")
    return signed_in(app, email, password)


@pytest.fixture
def submitted(app, make_user):
    _id, email, password = make_user("contributor", municipality="08421000")
    client = signed_in(app, email, password)
    assert client.post("/cases/new", data=CASE | {"title": "Wartet auf Prüfung", "action": "submit"}).status_code == 303
    return "wartet-auf-pruefung"


def _bump_elsewhere(app, slug: str) -> None:
    """Another server changes the case meanwhile (its lock_version moves on)."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as conn:
        conn.execute(update(UseCase).where(UseCase.slug == slug).values(lock_version=UseCase.lock_version + 1))
    engine.dispose()


def _state(app, slug: str) -> ModerationState:
    with app.app_context():
        return db.session.scalar(select(UseCase.moderation).where(UseCase.slug == slug))


def test_a_lost_optimistic_lock_is_retried_and_the_decision_stored_once(app, moderator_client, submitted,
                                                                         monkeypatch):
    calls = []
    original = moderation._publish

    def publish_after_a_concurrent_change(session, pending, note, actor):
        calls.append(1)
        if len(calls) == 1:
            _bump_elsewhere(app, pending.case.slug)
        original(session, pending, note, actor)

    monkeypatch.setattr(moderation, "_publish", publish_after_a_concurrent_change)
    response = moderator_client.post(f"/moderation/{submitted}", data={"decision": "publish", "reason": ""})
    assert response.status_code == 303
    assert len(calls) == 2
    assert _state(app, submitted) is ModerationState.PUBLISHED
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(AuditEvent.action == "case.publish")) == 1


def test_a_persistent_conflict_is_a_409_page_in_german_and_changes_nothing(app, moderator_client, submitted,
                                                                            monkeypatch):
    original = moderation._publish

    def always_collides(session, pending, note, actor):
        _bump_elsewhere(app, pending.case.slug)
        original(session, pending, note, actor)

    monkeypatch.setattr(moderation, "_publish", always_collides)
    response = moderator_client.post(f"/moderation/{submitted}", data={"decision": "publish", "reason": ""})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Gleichzeitige Änderung" in page and "versuchen Sie es noch einmal" in page
    assert "<h1" in page and page.count("<h1") == 1
    assert _state(app, submitted) is ModerationState.SUBMITTED


def test_the_api_answers_a_conflict_with_json_409(app, client, monkeypatch):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-token", "--organisation", "08421000", "--name", "Test"])
    token = result.output.strip().split()[-1]
    assert token.startswith("kb_") or len(token) > 20, result.output

    def stale(*_args, **_kwargs):
        raise StaleDataError("UPDATE statement on table 'adoption' expected to update 1 row(s); 0 were matched.")

    monkeypatch.setattr(adoptions, "_audit", stale)
    slug = _published_slug(app)
    response = client.post(f"/api/v1/cases/{slug}/adoptions", json={"status": "pilot"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert "gleichzeitig" in response.get_json()["error"]["message"].lower() or \
        "im selben Moment" in response.get_json()["error"]["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Adoption).join(UseCase)
                                 .where(UseCase.slug == slug, Adoption.note.is_(None),
                                        Adoption.source == "api")) == 0


def _published_slug(app) -> str:
    with app.app_context():
        return db.session.scalar(select(UseCase.slug).where(UseCase.moderation == ModerationState.PUBLISHED,
                                                            UseCase.slug.not_like("%leipzig%")).order_by(UseCase.id))
