"""Sessions end on logout, password change and reset, deactivation and role change (issue 19, item 3)."""

from __future__ import annotations

from pathlib import Path

from kb import create_app
from kb.extensions import db
from kb.models import Role, User
from kb.services.accounts import admin as user_admin
from tests import dbprovision
from tests.mailbox import mails

NEW_PASSWORD = "Fahrrad-Kurier-2031"


def captured(app, client):
    """A second client holding a copy of ``client``'s session cookie (what an attacker would steal)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def signed_in(client) -> bool:
    return client.get("/konto").status_code == 200


def test_a_captured_cookie_stops_working_after_logout(app, client, make_user, login):
    _id, email, password = make_user("reader")
    login(email, password)
    thief = captured(app, client)
    assert signed_in(thief)
    client.post("/logout")
    assert not signed_in(thief)


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, make_user, login):
    _id, email, password = make_user("reader")
    login(email, password)
    thief = captured(app, client)
    response = client.post("/konto/passwort", data={"current": password, "password": NEW_PASSWORD,
                                                    "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert signed_in(client), "whoever changed the password stays signed in"
    assert not signed_in(thief)


def test_password_reset_ends_every_session(app, client, make_user, login):
    _id, email, password = make_user("reader")
    login(email, password)
    thief = captured(app, client)
    other = app.test_client()
    other.post("/passwort-vergessen", data={"email": email})
    link = mails(app, email)[-1].link("/passwort-neu/")
    assert other.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 303
    assert not signed_in(thief) and not signed_in(client)


def test_deactivation_and_role_change_end_sessions(app, make_user, login, client):
    admin_id, *_ = make_user("admin")
    user_id, email, password = make_user("moderator")
    login(email, password)
    thief = captured(app, client)
    with app.app_context():
        admin, user = db.session.get(User, admin_id), db.session.get(User, user_id)
        user_admin.change_role(db.session, user, Role.CONTRIBUTOR, actor=admin)
    assert not signed_in(thief) and not signed_in(client)
    login(email, password)
    thief = captured(app, client)
    with app.app_context():
        admin, user = db.session.get(User, admin_id), db.session.get(User, user_id)
        user_admin.set_active(db.session, user, False, actor=admin)
        user_admin.set_active(db.session, user, True, actor=admin)
    assert not signed_in(thief), "re-activating the account does not bring old sessions back"


def test_sign_out_everywhere_button_on_the_account_page(app, client, make_user, login):
    _id, email, password = make_user("reader")
    login(email, password)
    thief = captured(app, client)
    page = client.get("/konto").get_data(as_text=True)
    assert 'action="/konto/ueberall-abmelden"' in page and 'method="post"' in page
    assert client.get("/konto/ueberall-abmelden").status_code == 405
    response = client.post("/konto/ueberall-abmelden")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert not signed_in(client) and not signed_in(thief)
    login(email, password)
    assert signed_in(client), "signing in again works as before"


def test_session_protection_does_not_trust_a_raw_forwarded_for(app, client, make_user):
    _id, email, password = make_user("reader")
    victim = {"REMOTE_ADDR": "198.51.100.1"}
    client.post("/login", data={"email": email, "password": password}, environ_base=victim)
    assert client.get("/konto", environ_base=victim).status_code == 200
    thief = captured(app, client)
    stolen = thief.get("/konto", environ_base={"REMOTE_ADDR": "203.0.113.5"},
                       headers={"X-Forwarded-For": "198.51.100.1"})
    assert stolen.status_code == 302, "a forged X-Forwarded-For must not pass Flask-Login's strong protection"


def test_behind_the_proxy_the_forwarded_client_address_is_used(app, make_user):
    _id, email, password = make_user("reader")
    settings = dbprovision.settings(Path(app.config["KB_DATA_DIR"]), app.config["SQLALCHEMY_DATABASE_URI"])
    proxied = create_app({**settings, "KB_PROXY_HOPS": 1})
    try:
        client = proxied.test_client()
        via = {"X-Forwarded-For": "198.51.100.1"}
        client.post("/login", data={"email": email, "password": password}, headers=via)
        assert client.get("/konto", headers=via).status_code == 200
        assert client.get("/konto", headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 302
    finally:
        dbprovision.dispose(proxied)


def test_a_visitor_session_is_set_once_and_a_signed_in_one_stays_bound(app, client, make_user):
    """A visitor's session (only a form token) is sent once, not cleared and set again with every page
    (which also kept proxies from storing pages); a signed-in session still ends for another client."""
    first = client.get("/")
    assert any(c.startswith("session=") for c in first.headers.getlist("Set-Cookie"))
    token = client.get_cookie("session").value
    for path in ("/", "/search?q=Chatbot", "/cases"):
        again = client.get(path, environ_base={"REMOTE_ADDR": "203.0.113.9"}, headers={"User-Agent": "Anderer"})
        assert again.status_code == 200
        assert again.headers.getlist("Set-Cookie") == [], path
    assert client.get_cookie("session").value == token
    _id, email, password = make_user("reader")
    client.post("/login", data={"email": email, "password": password})
    assert signed_in(client)
    thief = captured(app, client)
    assert thief.get("/konto", environ_base={"REMOTE_ADDR": "203.0.113.5"}).status_code == 302
    assert signed_in(client)
