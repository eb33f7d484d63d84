"""Admins manage roles, verify memberships, deactivate and unlock accounts – all audit-logged."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.models import AuditEvent, Role, User
from tests.helpers import signed_in


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def admin(app, make_user):
    _id, email, _pw = make_user("admin", email="admin@example.org")
    return signed_in(app, email)


def account(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        for event in found:
            event.actor_email = event.actor.email if event.actor else None
        return found


def test_user_list_searches_and_filters(app, client, admin, make_user):
    make_user("contributor", email="ulm@example.org", municipality="08421000")
    make_user("reader", email="leser@example.org")
    client.post("/register", data={"email": "neu@example.org", "password": "geheim-passwort-1",
                                   "confirm": "geheim-passwort-1", "municipality": "Dresden"})
    html = text(admin.get("/admin/users?q=ulm"))
    assert "ulm@example.org" in html and "leser@example.org" not in html
    unverified = text(admin.get("/admin/users?state=unverified"))
    assert "neu@example.org" in unverified and "ulm@example.org" not in unverified
    readers = text(admin.get("/admin/users?role=reader"))
    assert "leser@example.org" in readers and "ulm@example.org" not in readers
    assert admin.get("/admin/users?role=kaiser").status_code == 400
    assert admin.get("/admin/users?page=abc").status_code == 200


def test_role_change_takes_effect_and_is_audited(app, admin, make_user):
    user_id, email, _pw = make_user("contributor")
    member = signed_in(app, email)
    assert member.get("/moderation").status_code == 403
    assert admin.post(f"/admin/users/{user_id}/role", data={"role": "moderator"}).status_code == 303
    assert account(app, user_id).role is Role.MODERATOR
    assert member.get("/moderation").status_code == 302, "a role change ends the member's sessions"
    assert signed_in(app, email).get("/moderation").status_code == 200
    (event,) = events(app, "user.role")
    assert event.actor_email == "admin@example.org" and event.data == {"from": "contributor", "to": "moderator"}
    assert "Rolle geändert" in text(admin.get(f"/admin/users/{user_id}"))


def test_membership_verification_is_set_and_withdrawn(app, admin, make_user):
    client = app.test_client()
    client.post("/register", data={"email": "kommune@example.org", "password": "geheim-passwort-1",
                                   "confirm": "geheim-passwort-1", "municipality": "Jena"})
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "kommune@example.org"))
    assert account(app, user_id).membership_verified_at is None
    page = text(admin.get(f"/admin/users/{user_id}"))
    assert "Zugehörigkeit zu Jena" in page and "Zugehörigkeit bestätigen" in page
    assert admin.post(f"/admin/users/{user_id}/membership", data={"verified": "1"}).status_code == 303
    assert account(app, user_id).membership_verified_at is not None
    assert admin.post(f"/admin/users/{user_id}/membership", data={"verified": "0"}).status_code == 303
    assert account(app, user_id).membership_verified_at is None
    assert [e.action for e in events(app, "user.verify_membership") + events(app, "user.unverify_membership")] == [
        "user.verify_membership", "user.unverify_membership"]


def test_membership_needs_an_organisation(app, admin, make_user):
    user_id, _email, _pw = make_user("reader")
    response = admin.post(f"/admin/users/{user_id}/membership", data={"verified": "1"})
    assert response.status_code == 400 and "keiner Kommune" in text(response)


def test_deactivation_ends_sessions_and_blocks_login(app, admin, make_user):
    user_id, email, password = make_user("contributor")
    member = signed_in(app, email, password)
    response = admin.post(f"/admin/users/{user_id}/active", data={"active": "0", "reason": "Dienststelle verlassen"})
    assert response.status_code == 303
    assert member.get("/konto").status_code == 302, "the running session ends"
    assert app.test_client().post("/login", data={"email": email, "password": password}).status_code == 403
    (event,) = events(app, "user.deactivate")
    assert event.reason == "Dienststelle verlassen"
    admin.post(f"/admin/users/{user_id}/active", data={"active": "1"})
    assert account(app, user_id).active


def test_admins_cannot_lock_themselves_out(app, admin):
    with app.app_context():
        own_id = db.session.scalar(select(User.id).where(User.email == "admin@example.org"))
    demote = admin.post(f"/admin/users/{own_id}/role", data={"role": "reader"})
    assert demote.status_code == 400 and "eigene Rolle" in text(demote)
    deactivate = admin.post(f"/admin/users/{own_id}/active", data={"active": "0"})
    assert deactivate.status_code == 400 and "eigenes Konto" in text(deactivate)
    me = account(app, own_id)
    assert me.role is Role.ADMIN and me.active


@pytest.mark.parametrize(("path", "data"), [
    ("role", {"role": "kaiser"}), ("role", {}), ("active", {"active": "vielleicht"}), ("active", {}),
    ("membership", {"verified": "ja"}),
])
def test_invalid_admin_input_changes_nothing(app, admin, make_user, path, data):
    user_id, _email, _pw = make_user("contributor", municipality="08421000")
    before = account(app, user_id)
    response = admin.post(f"/admin/users/{user_id}/{path}", data=data)
    assert response.status_code == 400
    after = account(app, user_id)
    assert (after.role, after.active, after.membership_verified_at) == (
        before.role, before.active, before.membership_verified_at)


def test_locked_accounts_can_be_unlocked(app, admin, make_user):
    user_id, email, password = make_user("reader")
    for _ in range(app.config["KB_LOGIN_MAX_FAILURES"]):
        app.test_client().post("/login", data={"email": email, "password": "falsch-falsch"})
    assert "gesperrt" in text(admin.get("/admin/users?state=locked"))
    assert app.test_client().post("/login", data={"email": email, "password": password}).status_code == 429
    assert admin.post(f"/admin/users/{user_id}/unlock").status_code == 303
    assert app.test_client().post("/login", data={"email": email, "password": password}).status_code == 303
    assert events(app, "user.unlock")


def test_unknown_accounts_are_404(admin):
    assert admin.get("/admin/users/99999").status_code == 404
    assert admin.post("/admin/users/99999/role", data={"role": "reader"}).status_code == 404
