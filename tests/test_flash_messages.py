"""Flash messages wait in the session: a few distinct ones, the newest."""

from __future__ import annotations

from flask import flash, session

from kb.web.flashes import keep_the_newest
from tests.helpers import FORM_CONTACT_AND_REUSE, signed_in

ULM = "08421000"
SUBMITTED = "Ihre Beschreibung ist eingereicht."


def submission(n: int) -> dict:
    return {"title": f"Winterdienst mit Sensoren {n}", "summary": "Kurz.", "description": "Lang.",
            "owner_kind": "municipality", "municipality": ULM, "topics": ["Bürgerservice"],
            "status": "in_betrieb", "action": "submit", **FORM_CONTACT_AND_REUSE}


def test_a_client_that_never_opens_the_next_page_gets_each_message_once(app, make_user):
    """A script posting forms without following the redirects: the session carries the message once,
    not once per submission, and the page finally opened shows it once."""
    make_user("contributor", email="skript@ulm.example", municipality=ULM)
    member = signed_in(app, "skript@ulm.example")
    for n in range(12):
        assert member.post("/cases/new", data=submission(n)).status_code == 303
    with member.session_transaction() as waiting:
        messages = [message for _category, message in waiting["_flashes"]]
    assert len(messages) <= 5 and sum(m.startswith(SUBMITTED) for m in messages) == 1
    page = member.get("/meine-beitraege").get_data(as_text=True)
    assert page.count(SUBMITTED) == 1
    with member.session_transaction() as waiting:
        assert "_flashes" not in waiting  # shown, gone


def test_at_most_five_distinct_messages_wait_the_newest(app):
    with app.test_request_context("/"):
        for n in [0, 1, 2, 3, 4, 5, 6, 7, 7]:
            flash(f"Nachricht {n}", "info")
        keep_the_newest(app.response_class())
        assert [message for _category, message in session["_flashes"]] == [f"Nachricht {n}" for n in range(3, 8)]
