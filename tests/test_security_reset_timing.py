"""/passwort-vergessen does the same work for known and unknown addresses; the mail leaves after the
response (issue 19, item 7). Structural, not timed: bench/reset_timing.py prints a measurement."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import event

from kb.extensions import db
from kb.services.accounts import tokens
from tests.mailbox import mails, outbox_messages

REAL_MAKE_TOKEN = tokens.make_token


def work_of(app, client, email, monkeypatch) -> dict:
    """What answering one request costs before the response: SQL statements, signed tokens, mails written."""
    counts = {"sql": 0, "tokens": 0, "mails_before_response": 0}
    def counting_make(*args, **kwargs):
        counts["tokens"] += 1
        return REAL_MAKE_TOKEN(*args, **kwargs)

    def count_sql(*_args):
        counts["sql"] += 1

    monkeypatch.setattr(tokens, "make_token", counting_make)
    with app.app_context():
        engine = db.engine
        before = len(outbox_messages())
    event.listen(engine, "before_cursor_execute", count_sql)
    try:
        response = FlaskClient.open(client, "/passwort-vergessen", method="POST", data={"email": email},
                                    buffered=False)
    finally:
        event.remove(engine, "before_cursor_execute", count_sql)
    with app.app_context():
        counts["mails_before_response"] = len(outbox_messages()) - before
    counts["answer"] = (response.status_code, response.headers["Location"])
    response.close()  # what the server does once the response has gone out
    return counts


def test_known_and_unknown_addresses_cost_the_same_before_the_answer(app, client, make_user, monkeypatch):
    _id, email, _pw = make_user("reader")
    known = work_of(app, client, email, monkeypatch)
    unknown = work_of(app, client, "niemand-hier@example.org", monkeypatch)
    assert known == unknown, (known, unknown)
    assert known["tokens"] == 1 and known["mails_before_response"] == 0
    assert len(mails(app, email)) == 1, "the mail goes out after the response"
    assert mails(app, "niemand-hier@example.org") == []


def test_the_resend_pause_still_holds(app, client, make_user):
    _id, email, _pw = make_user("reader")
    for _ in range(3):
        client.post("/passwort-vergessen", data={"email": email})
    assert len(mails(app, email)) == 1
