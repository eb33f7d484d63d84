"""Accounts: registration with confirmation, login and lock-out, password reset, safe redirects,
session cookies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from config import build_config
from kb import create_app
from kb.extensions import db
from kb.models import AuditEvent, LoginAttempt, Role, User
from kb.services.accounts.users import find_by_email
from tests import dbprovision
from tests.mailbox import mails

PASSWORD = "geheim-passwort-1"


def text(response) -> str:
    return response.get_data(as_text=True)


def register(client, email: str, **extra):
    data = {"email": email, "password": PASSWORD, "confirm": PASSWORD, **extra}
    return client.post("/register", data=data)


def user(app, email: str) -> User | None:
    with app.app_context():
        found = find_by_email(db.session, email)
        if found is not None:
            db.session.expunge(found)
        return found


# -- registration and confirmation ------------------------------------------------------------


def test_registration_mails_a_link_and_login_waits_for_confirmation(app, client):
    response = register(client, "Neu@Musterstadt.de", municipality="Leipzig (14713000)", display_name="Amt 12")
    assert response.status_code == 303 and response.headers["Location"].endswith("/register/gesendet")
    account = user(app, "neu@musterstadt.de")
    assert account.role is Role.CONTRIBUTOR and account.municipality_ags == "14713000"
    assert account.email_confirmed_at is None and account.membership_verified_at is None
    assert account.password_hash.startswith("scrypt:") and PASSWORD not in account.password_hash

    refused = client.post("/login", data={"email": "neu@musterstadt.de", "password": PASSWORD})
    assert refused.status_code == 403 and "bestätigen Sie zuerst" in text(refused)

    (mail,) = mails(app, "neu@musterstadt.de")
    link = mail.link("/konto/bestaetigen/")
    page = client.get(link)
    assert page.status_code == 200 and "Adresse bestätigen" in text(page)
    assert user(app, "neu@musterstadt.de").email_confirmed_at is None, "opening the link alone must not confirm"
    assert client.post(link).status_code == 303
    assert user(app, "neu@musterstadt.de").email_confirmed_at is not None
    assert client.post("/login", data={"email": "neu@musterstadt.de", "password": PASSWORD}).status_code == 303


def test_registration_answers_the_same_for_existing_addresses(app, client, make_user):
    make_user("reader", email="schon-da@example.org")
    fresh = register(client, "ganz-neu@example.org")
    taken = register(client, "Schon-Da@example.org")
    assert (taken.status_code, taken.headers["Location"]) == (fresh.status_code, fresh.headers["Location"])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(
            func.lower(User.email) == "schon-da@example.org")) == 1
    (hint,) = mails(app, "schon-da@example.org")
    assert "bereits ein Konto" in hint.body and "/passwort-vergessen" in hint.body
    assert user(app, "schon-da@example.org").password_hash != "changed"


def test_registration_explains_ambiguous_and_unknown_municipalities(app, client):
    ambiguous = register(client, "a@example.org", municipality="Neustadt")
    assert ambiguous.status_code == 400
    html = text(ambiguous)
    assert "mehrdeutig" in html and "Neustadt an der Weinstraße" in html and 'id="municipality-error"' in html
    assert 'aria-describedby="municipality-hint municipality-error"' in html
    unknown = register(client, "b@example.org", municipality="Atlantis")
    assert unknown.status_code == 400 and "Atlantis" in text(unknown)
    narrowed = register(client, "c@example.org", municipality="Neustadt an der Orla")
    assert narrowed.status_code == 303
    assert user(app, "c@example.org").municipality_ags == "16075073"
    assert user(app, "a@example.org") is None and user(app, "b@example.org") is None


def test_registration_with_an_organisation_instead_of_a_municipality(app, client):
    assert register(client, "verband@example.org", organisation="Zweckverband Digitale Testregion").status_code == 303
    with app.app_context():
        account = find_by_email(db.session, "verband@example.org")
        assert account.organisation.name == "Zweckverband Digitale Testregion" and account.municipality_ags is None


def test_short_passwords_and_mismatches_are_refused(app, client):
    short = client.post("/register", data={"email": "k@example.org", "password": "kurz", "confirm": "kurz"})
    assert short.status_code == 400 and "10 bis 200 Zeichen" in text(short)
    other = client.post("/register", data={"email": "k@example.org", "password": PASSWORD, "confirm": PASSWORD + "x"})
    assert other.status_code == 400 and "stimmen nicht überein" in text(other)
    assert user(app, "k@example.org") is None


def test_confirmation_links_expire_and_cannot_be_forged(app, client):
    register(client, "spaet@example.org")
    link = mails(app, "spaet@example.org")[0].link("/konto/bestaetigen/")
    forged = client.get(link[:-3] + "abc")
    assert forged.status_code == 400 and "ungültig" in text(forged)
    app.config["KB_CONFIRM_MAX_AGE_HOURS"] = -1
    expired = client.post(link)
    assert expired.status_code == 400 and "abgelaufen" in text(expired)
    assert user(app, "spaet@example.org").email_confirmed_at is None


def test_new_confirmation_link_on_request_without_revealing_accounts(app, client, make_user):
    register(client, "vergessen@example.org")
    make_user("reader", email="bestaetigt@example.org")
    answers = [client.post("/konto/bestaetigung", data={"email": e})
               for e in ("vergessen@example.org", "bestaetigt@example.org", "niemand@example.org")]
    assert {(r.status_code, r.headers["Location"]) for r in answers} == {(303, "/login")}
    assert len(mails(app, "vergessen@example.org")) == 2
    assert mails(app, "bestaetigt@example.org") == [] and mails(app, "niemand@example.org") == []


# -- login, lock-out, logout ------------------------------------------------------------------


def test_login_locks_the_account_after_repeated_failures(app, client, make_user):
    _id, email, password = make_user("contributor")
    for _ in range(app.config["KB_LOGIN_MAX_FAILURES"] - 1):
        wrong = client.post("/login", data={"email": email, "password": "falsch-falsch"})
        assert wrong.status_code == 400 and "E-Mail-Adresse oder Passwort ist falsch" in text(wrong)
    locked = client.post("/login", data={"email": email, "password": "falsch-falsch"})
    assert locked.status_code == 429 and 0 < int(locked.headers["Retry-After"]) <= 31
    assert "gesperrt" in text(locked)
    still = client.post("/login", data={"email": email, "password": password})
    assert still.status_code == 429, "the right password must not open a locked account"
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.locked")) is not None
        for row in db.session.scalars(select(LoginAttempt)):  # the delay has passed
            row.created_at -= timedelta(seconds=31)
        db.session.commit()
    assert client.post("/login", data={"email": email, "password": password}).status_code == 303


def test_unknown_addresses_lock_the_same_way(app, client):
    answers = [client.post("/login", data={"email": "gibt-es-nicht@example.org", "password": "x"})
               for _ in range(app.config["KB_LOGIN_MAX_FAILURES"])]
    assert [r.status_code for r in answers] == [400] * (len(answers) - 1) + [429]
    assert "gesperrt" in text(answers[-1])


def test_login_locks_an_address_that_tries_many_accounts(app, client, make_user):
    app.config["KB_LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    _id, email, password = make_user("reader")
    for n in range(3):
        client.post("/login", data={"email": f"probe{n}@example.org", "password": "x"})
    blocked = client.post("/login", data={"email": email, "password": password})
    assert blocked.status_code == 429 and "Netzwerk" in text(blocked)
    other_address = client.post("/login", data={"email": email, "password": password},
                                environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other_address.status_code == 303
    with app.app_context():
        attempts = db.session.scalar(select(func.count()).select_from(LoginAttempt))
        assert attempts == 5


def test_deactivated_accounts_cannot_sign_in(app, client, make_user):
    _id, email, password = make_user("contributor")
    with app.app_context():
        find_by_email(db.session, email).active = False
        db.session.commit()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 403 and "deaktiviert" in text(response)


def test_logout_is_post_only(client, make_user, login):
    _id, email, password = make_user("reader")
    login(email, password)
    assert client.get("/logout").status_code == 405
    assert client.get("/konto").status_code == 200
    assert client.post("/logout").status_code == 303
    assert client.get("/konto").status_code == 302


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example", "http://evil.example/cases", "/\\evil.example",
    "\\\\evil.example", "javascript:alert(1)", "JavaScript:alert(1)", "/\t/evil.example",
    "/%09/evil.example\n", "evil.example", "data:text/html,<script>alert(1)</script>", "///evil.example",
])
def test_next_never_leaves_the_site(client, make_user, target):
    _id, email, password = make_user("reader")
    response = client.post("/login", data={"email": email, "password": password, "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_next_keeps_local_paths(client, make_user):
    _id, email, password = make_user("contributor")
    response = client.post("/login", data={"email": email, "password": password, "next": "/cases/new?x=1"})
    assert response.headers["Location"] == "/cases/new?x=1"


def test_protected_pages_send_anonymous_visitors_to_login_and_back(client, make_user):
    response = client.get("/cases/new")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    page = client.get(response.headers["Location"])
    assert 'name="next"' in text(page) and "/cases/new" in text(page)


# -- cookies -----------------------------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    _id, email, password = make_user("reader")
    response = client.post("/login", data={"email": email, "password": password})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in development and tests


def test_session_cookie_is_secure_in_production(template_instance, tmp_path, monkeypatch):
    monkeypatch.setenv("KB_ENV", "production")
    monkeypatch.setenv("KB_SECRET_KEY", "ein-geheimer-schluessel-fuer-den-test")
    monkeypatch.setenv("KB_BASE_URL", "https://praxisatlas.example")
    template_dir, template_url = template_instance
    settings = dbprovision.settings(tmp_path, template_url)
    settings.pop("TESTING")
    settings.pop("SECRET_KEY")
    prod = create_app(settings)
    assert prod.config["SESSION_COOKIE_SECURE"] and prod.config["REMEMBER_COOKIE_SECURE"]
    assert prod.config["SESSION_COOKIE_HTTPONLY"] and prod.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    with prod.test_request_context("/"):
        from flask import session

        session["x"] = 1
        response = prod.make_response("ok")
        prod.session_interface.save_session(prod, session, response)
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" in prod.test_client().get("/impressum", base_url="https://praxisatlas.example").headers
    dbprovision.dispose(prod)


# -- passwords ---------------------------------------------------------------------------------


def test_password_reset_does_not_reveal_addresses_and_works_once(app, client, make_user):
    _id, email, _password = make_user("contributor")
    known = client.post("/passwort-vergessen", data={"email": email})
    unknown = client.post("/passwort-vergessen", data={"email": "unbekannt@example.org"})
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    assert mails(app, "unbekannt@example.org") == []
    (mail,) = mails(app, email)
    link = mail.link("/passwort-neu/")
    assert client.get(link).status_code == 200
    new = "ein-ganz-neues-passwort"
    assert client.post(link, data={"password": new, "confirm": new}).status_code == 303
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 400
    assert client.post("/login", data={"email": email, "password": new}).status_code == 303
    client.post("/logout")
    again = client.post(link, data={"password": "noch-ein-passwort", "confirm": "noch-ein-passwort"})
    assert again.status_code == 400 and "schon benutzt" in text(again)


def test_password_reset_lifts_a_lock_and_is_rate_limited(app, client, make_user):
    _id, email, _password = make_user("reader")
    for _ in range(app.config["KB_LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"email": email, "password": "falsch-falsch"})
    client.post("/passwort-vergessen", data={"email": email})
    client.post("/passwort-vergessen", data={"email": email})
    assert len(mails(app, email)) == 1, "a second request within minutes sends no second mail"
    link = mails(app, email)[0].link("/passwort-neu/")
    client.post(link, data={"password": "wieder-offen-123", "confirm": "wieder-offen-123"})
    assert client.post("/login", data={"email": email, "password": "wieder-offen-123"}).status_code == 303


def test_change_password_needs_the_current_one(app, client, make_user, login):
    _id, email, password = make_user("reader")
    login(email, password)
    wrong = client.post("/konto/passwort", data={"current": "falsch", "password": "neu-und-lang-1",
                                                 "confirm": "neu-und-lang-1"})
    assert wrong.status_code == 400 and "bisherige Passwort stimmt nicht" in text(wrong)
    ok = client.post("/konto/passwort", data={"current": password, "password": "neu-und-lang-1",
                                              "confirm": "neu-und-lang-1"})
    assert ok.status_code == 303
    client.post("/logout")
    assert client.post("/login", data={"email": email, "password": "neu-und-lang-1"}).status_code == 303


def test_account_page_shows_membership_state(client, make_user, login):
    _id, email, password = make_user("contributor", municipality="08421000")
    login(email, password)
    html = text(client.get("/konto"))
    assert email in html and "Ulm" in html and "Beitragend" in html


def test_lockout_limits_and_registration_role_come_from_the_environment():
    settings = build_config({"KB_LOGIN_MAX_FAILURES": "3", "KB_LOGIN_LOCK_MINUTES": "60",
                             "KB_REGISTRATION_ROLE": "reader", "KB_BASE_URL": "https://praxisatlas.example/"})
    assert (settings["KB_LOGIN_MAX_FAILURES"], settings["KB_LOGIN_LOCK_MINUTES"]) == (3, 60)
    assert settings["KB_REGISTRATION_ROLE"] == "reader" and settings["KB_BASE_URL"] == "https://praxisatlas.example"
    with pytest.raises(RuntimeError, match="KB_LOGIN_MAX_FAILURES"):
        build_config({"KB_LOGIN_MAX_FAILURES": "viele"})
    with pytest.raises(RuntimeError, match="KB_REGISTRATION_ROLE"):
        build_config({"KB_REGISTRATION_ROLE": "admin"})


def test_registration_role_reader_cannot_submit(app, client):
    app.config["KB_REGISTRATION_ROLE"] = "reader"
    register(client, "nur-lesen@example.org")
    assert user(app, "nur-lesen@example.org").role is Role.READER


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https://evil.example", "javascript:x",
                                    "/\t/evil.example", "/\n/evil.example"])
def test_language_switch_cannot_be_used_as_an_open_redirect(client, target):
    response = client.post("/sprache", data={"lang": "en", "next": target})
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_language_switch_returns_to_the_page(client):
    response = client.post("/sprache", data={"lang": "en", "next": "/search?q=Chatbot Leipzig"})
    assert response.status_code == 303 and response.headers["Location"] == "/search?q=Chatbot%20Leipzig"
