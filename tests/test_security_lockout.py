"""Progressive per-account lock-out; a reset-link sign-in unlocks (issue 19, item 13)."""

from __future__ import annotations

from datetime import timedelta

from kb.extensions import db
from kb.models.base import utcnow
from kb.services.accounts import admin as user_admin
from kb.services.accounts import authentication
from kb.services.accounts.authentication import Outcome
from tests.mailbox import mails

WRONG = "voellig-falsches-passwort"
NEW_PASSWORD = "Fahrrad-Kurier-2031"


def attempt(app, email, password, at, addr="203.0.113.9"):
    with app.test_request_context():
        result = authentication.authenticate(db.session, email, password, addr, now=at)
        return result.outcome, result.retry_after


def fail_until_locked(app, email, start):
    """Wrong passwords until the first lock; return the time of the last attempt and its answer."""
    at = start
    for _ in range(app.config["KB_LOGIN_MAX_FAILURES"] - 1):
        assert attempt(app, email, WRONG, at)[0] is Outcome.INVALID
        at += timedelta(seconds=1)
    return at, attempt(app, email, WRONG, at)


def test_the_lock_starts_short_and_grows_with_each_failure(app, make_user):
    _id, email, password = make_user("reader")
    at, (outcome, first) = fail_until_locked(app, email, utcnow())
    assert outcome is Outcome.LOCKED and 0 < first <= 31, "five wrong passwords cost seconds, not 15 minutes"
    assert attempt(app, email, password, at + timedelta(seconds=5))[0] is Outcome.LOCKED
    delays = [first]
    for _ in range(5):
        at += timedelta(seconds=delays[-1] + 1)
        outcome, delay = attempt(app, email, WRONG, at)
        assert outcome is Outcome.LOCKED
        delays.append(delay)
    assert delays == sorted(delays) and delays[1] >= 2 * delays[0] - 2, delays
    assert delays[-1] <= app.config["KB_LOGIN_LOCK_MINUTES"] * 60 + 1, "the delay is capped"
    at += timedelta(seconds=delays[-1] + 1)
    assert attempt(app, email, password, at)[0] is Outcome.OK, "after the delay the right password works"
    assert attempt(app, email, WRONG, at + timedelta(seconds=1))[0] is Outcome.INVALID, "success starts afresh"


def test_attempts_during_a_lock_do_not_make_it_longer(app, make_user):
    _id, email, password = make_user("reader")
    at, (_outcome, first) = fail_until_locked(app, email, utcnow())
    for n in range(10):
        assert attempt(app, email, WRONG, at + timedelta(seconds=n % 3))[0] is Outcome.LOCKED
    assert attempt(app, email, password, at + timedelta(seconds=first + 1))[0] is Outcome.OK


def test_unknown_addresses_lock_exactly_like_accounts(app, make_user):
    _id, email, _password = make_user("reader")
    start = utcnow()
    answers = {}
    for address in (email, "gibt-es-nicht@example.org"):
        at, answers[address] = start, []
        for _ in range(app.config["KB_LOGIN_MAX_FAILURES"] + 2):
            outcome, delay = attempt(app, address, WRONG, at)
            answers[address].append((outcome, delay))
            at += timedelta(seconds=delay + 1)
    assert answers[email] == answers["gibt-es-nicht@example.org"]


def test_a_reset_link_signs_in_and_unlocks(app, client, make_user):
    _id, email, _password = make_user("reader")
    for _ in range(app.config["KB_LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"email": email, "password": WRONG})
    assert client.post("/login", data={"email": email, "password": WRONG}).status_code == 429
    client.post("/passwort-vergessen", data={"email": email})
    link = mails(app, email)[-1].link("/passwort-neu/")
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303
    assert client.get("/konto").status_code == 200, "the reset link signs the owner in despite the lock"
    client.post("/logout")
    assert client.post("/login", data={"email": email, "password": NEW_PASSWORD}).status_code == 303


def test_admin_unlock_ends_the_series(app, make_user):
    admin_id, *_ = make_user("admin")
    user_id, email, password = make_user("reader")
    before = utcnow() - timedelta(seconds=1)
    answers = [attempt(app, email, WRONG, before)[0] for _ in range(app.config["KB_LOGIN_MAX_FAILURES"])]
    assert answers[-1] is Outcome.LOCKED and attempt(app, email, password, utcnow())[0] is Outcome.LOCKED
    with app.app_context():
        from kb.models import User

        user_admin.unlock(db.session, db.session.get(User, user_id), actor=db.session.get(User, admin_id))
    assert attempt(app, email, password, utcnow())[0] is Outcome.OK
