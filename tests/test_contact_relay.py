"""The contact relay and referents: messages reach the people behind a case by mail, the sender
is the Reply-To, no page shows the recipient's address; bad input and floods are refused."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from kb.extensions import db
from kb.models import ActionLog, Referent, UseCase, User
from tests.helpers import record, signed_in, write_jsonl
from tests.mailbox import mails

TEAM_ADDRESS = "geheim-team@leipzig.example"
CASE = "/cases/relay-fall"


@pytest.fixture
def case(runner, tmp_path):
    path = write_jsonl(tmp_path / "relay.jsonl", [record(
        "relay-fall", title="Digitale Schadensmeldung", municipality="14713000",
        contact={"name": "Amt für Straßenbau", "role": "Sachgebiet Digitales", "email": TEAM_ADDRESS},
        adopters=[{"municipality": "Dresden", "status": "in_betrieb"}])])
    assert runner.invoke(args=["import-cases", str(path)]).exit_code == 0


@pytest.fixture
def member(make_user):
    """A confirmed member from Jena who writes."""
    _id, email, _pw = make_user("reader", email="fragende@jena.example", municipality="16053000")
    return email


def test_a_question_to_the_team_is_mailed_with_the_sender_as_reply_to(app, case, member):
    client = signed_in(app, member)
    page = client.get(CASE).get_data(as_text=True)
    assert 'action="/cases/relay-fall/kontakt"' in page and "Frage an das Team" in page
    assert TEAM_ADDRESS not in page and "mailto:" not in page
    assert "Amt für Straßenbau" in page  # who the message reaches is named, not addressed

    response = client.post(f"{CASE}/kontakt", data={"subject": "Schnittstelle zur Fachanwendung?",
                                                     "message": "Wie binden Sie die Fachanwendung an?"})
    assert response.status_code == 303 and response.headers["Location"].endswith("#kontakt")
    (mail,) = mails(app, to=TEAM_ADDRESS)
    assert mail.reply_to == member
    assert "Schnittstelle zur Fachanwendung?" in mail.subject
    assert "Wie binden Sie die Fachanwendung an?" in mail.body and "Jena" in mail.body
    assert "http://127.0.0.1:5000/cases/relay-fall" in mail.body
    assert "geht direkt an die Absenderin oder den Absender." in " ".join(mail.body.split())  # no name given
    followed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ihre Nachricht ist unterwegs" in followed and TEAM_ADDRESS not in followed


@pytest.mark.parametrize("data, field, message", [
    ({"subject": "", "message": "Text"}, "subject", "Betreff"),
    ({"subject": "Hallo\r\nBcc: opfer@example.org", "message": "Text"}, "subject", "Zeilenumbrüche"),
    ({"subject": "Hallo", "message": "   "}, "message", "Nachricht"),
    ({"subject": "Hallo", "message": "x" * 5001}, "message", "5000"),
    ({"subject": "x" * 151, "message": "Text"}, "subject", "150"),
])
def test_bad_input_is_refused_with_a_field_error_and_nothing_is_sent(app, case, member, data, field, message):
    client = signed_in(app, member)
    response = client.post(f"{CASE}/kontakt", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in html and message in html
    assert mails(app, to=TEAM_ADDRESS) == []
    with app.app_context():
        assert db.session.scalar(select(func.count(ActionLog.id))) == 0


def test_exactly_5000_characters_are_accepted(app, case, member):
    client = signed_in(app, member)
    assert client.post(f"{CASE}/kontakt", data={"subject": "Lang", "message": "x" * 5000}).status_code == 303
    assert len(mails(app, to=TEAM_ADDRESS)) == 1


def test_the_relay_is_rate_limited_per_account_and_per_address(app, case, member, make_user):
    app.config.update(KB_RELAY_PER_HOUR=2, KB_RELAY_PER_HOUR_PER_ADDRESS=3)
    client = signed_in(app, member)
    data = {"subject": "Frage", "message": "Text"}
    assert [client.post(f"{CASE}/kontakt", data=data).status_code for _ in range(3)] == [303, 303, 429]
    assert "in der letzten Stunde zu oft" in client.post(f"{CASE}/kontakt", data=data).get_data(as_text=True)

    _id, second, _pw = make_user("reader", municipality="16053000")
    other = signed_in(app, second)  # another account, same address (the test client's)
    assert [other.post(f"{CASE}/kontakt", data=data).status_code for _ in range(2)] == [303, 429]
    assert len(mails(app, to=TEAM_ADDRESS)) == 3


def test_the_log_keeps_who_and_what_but_never_the_message(app, case, member, caplog):
    caplog.set_level(logging.DEBUG)
    client = signed_in(app, member)
    client.post(f"{CASE}/kontakt", data={"subject": "Vertraulicher Betreff", "message": "Vertraulicher Inhalt"})
    with app.app_context():
        (entry,) = db.session.scalars(select(ActionLog))
        sender = db.session.scalar(select(User).where(User.email == member))
        assert entry.user_id == sender.id and entry.target == "case:relay-fall:team" and entry.recipients == 1
        assert "127.0.0.1" not in entry.client  # only a keyed hash of the address
        stored = " ".join(str(v) for v in (entry.target, entry.client, entry.kind))
    logged = caplog.text
    assert "Vertraulich" not in stored and "Vertraulicher Inhalt" not in logged


def test_anonymous_visitors_are_sent_to_the_login_and_nothing_is_mailed(app, case, client):
    page = client.get(CASE).get_data(as_text=True)
    assert "Anmelden und Frage stellen" in page and TEAM_ADDRESS not in page
    response = client.post(f"{CASE}/kontakt", data={"subject": "Hallo", "message": "Text"})
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    assert mails(app) == []


def _declare_referent(app, email: str, **data):
    client = signed_in(app, email)
    return client, client.post(f"{CASE}/ansprechperson", data={"ref-name": "Dora Dresdner", **data})


def test_a_verified_member_of_an_adopter_becomes_the_referent_and_receives_questions(app, case, member, make_user):
    _id, referent_email, _pw = make_user("reader", email="dora@dresden.example", municipality="14612000")
    _client, response = _declare_referent(app, referent_email, **{"ref-role": "Tiefbauamt"})
    assert response.status_code == 303

    asker = signed_in(app, member)
    page = asker.get(CASE).get_data(as_text=True)
    assert "Ansprechperson: Dora Dresdner (Tiefbauamt)" in page and referent_email not in page
    with app.app_context():
        dresden = db.session.scalar(select(Referent)).organisation_id
    response = asker.post(f"{CASE}/frage/{dresden}", data={"subject": "Erfahrungen?", "message": "Wie läuft es?"})
    assert response.status_code == 303
    (mail,) = mails(app, to=referent_email)
    assert mail.reply_to == member and "Wie läuft es?" in mail.body


def test_an_unverified_member_cannot_become_referent(app, case, make_user):
    user_id, email, _pw = make_user("reader", municipality="14612000")
    with app.app_context():
        db.session.get(User, user_id).membership_verified_at = None
        db.session.commit()
    client, response = _declare_referent(app, email)
    assert response.status_code == 403 and "noch nicht bestätigt" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Referent.id))) == 0


def test_the_owner_referent_answers_for_the_team_instead_of_the_contact_address(app, case, member, make_user):
    _id, leipzig, _pw = make_user("contributor", email="lea@leipzig.example", municipality="14713000")
    client, response = _declare_referent(app, leipzig, **{"ref-name": "Lea Leipziger"})
    assert response.status_code == 303
    signed_in(app, member).post(f"{CASE}/kontakt", data={"subject": "Frage", "message": "Text"})
    assert [m.to for m in mails(app) if m.subject.startswith("[Praxisatlas]")] == [leipzig]
    # the referent steps down: questions go to the contact address again
    with app.app_context():
        org_id = db.session.scalar(select(UseCase).where(UseCase.slug == "relay-fall")).owner_id
    assert client.post(f"{CASE}/ansprechperson/{org_id}/entfernen").status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count(Referent.id))) == 0


def test_an_adopter_without_referent_is_reached_through_whoever_declared_it(app, case, member, make_user):
    _id, declarer, _pw = make_user("reader", email="erfurt@erfurt.example", municipality="16051000")
    assert signed_in(app, declarer).post(f"{CASE}/adopt", data={"status": "pilot"}).status_code == 303
    page = signed_in(app, member).get(CASE).get_data(as_text=True)
    assert "Frage an Erfurt" in page and declarer not in page
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == "relay-fall"))
        erfurt = next(a.organisation_id for a in case.adoptions if a.organisation.name == "Erfurt")
        dresden = next(a.organisation_id for a in case.adoptions if a.organisation.name != "Erfurt")
    assert signed_in(app, member).post(f"{CASE}/frage/{erfurt}", data={"subject": "Hi",
                                                                      "message": "Text"}).status_code == 303
    assert [m.to for m in mails(app, to=declarer)] == [declarer]
    # the imported adopter (Dresden) has nobody to answer: no link, and the form says so
    unreachable = signed_in(app, member).get(f"{CASE}/frage/{dresden}").get_data(as_text=True)
    assert "Noch niemand erreichbar" in unreachable
