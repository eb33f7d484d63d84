"""Issue 19, item 2: an account whose membership is not confirmed never overwrites, replaces or removes
its organisation's adoption or experience report. What it sends waits as a proposal for the moderation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from kb.extensions import db
from kb.models import AdoptionProposal, AuditEvent, UseCase, User
from kb.services.adoptions import declarations as adoptions
from kb.services.adoptions import reports as experience_reports
from kb.services.registry import organisations
from tests.helpers import signed_in
from tests.mailbox import mails

CASE = "hamburg-dipas-digitale-beteiligung"  # seed: Munich, Leipzig and Bremen adopt it (unverified)
LEIPZIG, MUNICH = "14713000", "09162000"
REPORT_FIELDS = tuple(experience_reports.ReportInput.__dataclass_fields__)
REPORT = {"months_to_live": 6, "cost_band": "unter_10000", "recommend": "ja", "pitfalls": "Früh schulen."}


def adoption_of(app, key: str, slug: str = CASE) -> dict | None:
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == slug))
        adoption = adoptions.find(db.session, case, organisations.for_key(db.session, key))
        if adoption is None:
            return None
        report = experience_reports.as_dict(adoption.report) if adoption.report else None
        return {"status": adoption.status.value, "note": adoption.note, "verified": adoption.verified,
                "confirmed_at": adoption.confirmed_at, "declared_by": adoption.declared_by_id, "report": report}


def proposals(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(p.kind.value, p.state.value, p.organisation.key) for p in
                db.session.scalars(select(AdoptionProposal).order_by(AdoptionProposal.id))]


@pytest.fixture
def verified_leipzig(app, make_user):
    """Leipzig's adoption of CASE, declared and reported by a confirmed member of Leipzig."""
    user_id, _email, _pw = make_user("contributor", municipality=LEIPZIG)
    with app.app_context():
        user = db.session.get(User, user_id)
        case = db.session.scalar(select(UseCase).where(UseCase.slug == CASE))
        adoptions.declare(db.session, case=case, organisation=organisations.for_key(db.session, LEIPZIG),
                          status="in_betrieb", note="Seit 2022 im Einsatz", actor=user, verified=True)
        adoption = adoptions.find(db.session, case, organisations.for_key(db.session, LEIPZIG))
        experience_reports.save_report(db.session, adoption, experience_reports.ReportInput(**REPORT), actor=user)
    return adoption_of(app, LEIPZIG)


def unconfirmed(app, make_user, key: str = LEIPZIG):
    """A self-registered account that claims ``key`` (membership not confirmed), signed in."""
    user_id, email, _pw = make_user("contributor", municipality=key)
    with app.app_context():
        db.session.get(User, user_id).membership_verified_at = None
        db.session.commit()
    return signed_in(app, email), user_id, email


def test_unconfirmed_member_cannot_change_a_verified_adoption(app, make_user, verified_leipzig):
    client, _id, _email = unconfirmed(app, make_user)
    response = client.post(f"/cases/{CASE}/adopt", data={"status": "eingestellt", "note": "Abgeschaltet"})
    assert response.status_code == 303
    assert adoption_of(app, LEIPZIG) == verified_leipzig
    assert proposals(app) == [("declaration", "pending", LEIPZIG)]
    html = client.get(f"/cases/{CASE}").get_data(as_text=True)
    assert "Ihre Angabe wartet auf Prüfung" in html and "Bestätigen: stimmt noch" not in html
    assert "wartet auf Prüfung" in client.get("/meine-beitraege").get_data(as_text=True)
    public = client.get(f"/api/v1/cases/{CASE}").get_json()["adopters"]
    assert next(a for a in public if a["key"] == LEIPZIG)["status"] == "in_betrieb"


def test_unconfirmed_member_cannot_replace_or_delete_the_report(app, make_user, verified_leipzig):
    client, _id, _email = unconfirmed(app, make_user)
    form = client.get(f"/cases/{CASE}/adopt/report").get_data(as_text=True)
    assert "Ihr Bericht wird geprüft" in form
    assert client.post(f"/cases/{CASE}/adopt/report", data={"pitfalls": "Alles gelogen."}).status_code == 303
    emptied = client.post(f"/cases/{CASE}/adopt/report", data=dict.fromkeys(REPORT_FIELDS, ""))  # = delete it
    assert emptied.status_code == 303
    assert adoption_of(app, LEIPZIG) == verified_leipzig
    assert proposals(app) == [("report", "pending", LEIPZIG)]  # the second one replaced the first
    assert "Früh schulen." in client.get(f"/cases/{CASE}").get_data(as_text=True)


def test_unconfirmed_member_cannot_withdraw_or_confirm_verified_or_seeded_adoptions(app, make_user,
                                                                                 verified_leipzig):
    client, _id, _email = unconfirmed(app, make_user)
    for path in ("withdraw", "confirm"):
        response = client.post(f"/cases/{CASE}/adopt/{path}")
        assert response.status_code == 403 and "noch nicht bestätigt" in response.get_data(as_text=True)
    assert adoption_of(app, LEIPZIG) == verified_leipzig
    seeded_before = adoption_of(app, MUNICH)
    munich, _id, _email = unconfirmed(app, make_user, MUNICH)
    assert munich.post(f"/cases/{CASE}/adopt/withdraw").status_code == 403
    assert munich.post(f"/cases/{CASE}/adopt", data={"status": "eingestellt"}).status_code == 303
    assert adoption_of(app, MUNICH) == seeded_before
    assert proposals(app) == [("declaration", "pending", MUNICH)]


def test_a_new_declaration_of_an_unconfirmed_member_waits_unseen(app, make_user):
    slug = "kaiserslautern-lotsensystem-sehbehinderung"  # no adopters in the seed
    client, _id, _email = unconfirmed(app, make_user)
    assert client.post(f"/cases/{slug}/adopt", data={"status": "pilot"}).status_code == 303
    assert adoption_of(app, LEIPZIG, slug) is None
    assert client.get(f"/api/v1/cases/{slug}").get_json()["adopters"] == []
    assert "Ihre Angabe wartet auf Prüfung" in client.get(f"/cases/{slug}").get_data(as_text=True)
    anonymous = app.test_client().get(f"/cases/{slug}").get_data(as_text=True)
    assert "wartet auf Prüfung" not in anonymous and 'href="/municipalities/14713000">Leipzig' not in anonymous


def _moderator(app, make_user):
    _id, email, _pw = make_user("moderator")
    return signed_in(app, email)


def _only_proposal_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(AdoptionProposal.id))


def test_moderator_accepts_a_declaration_and_the_author_is_told(app, make_user, verified_leipzig):
    client, author_id, email = unconfirmed(app, make_user)
    client.post(f"/cases/{CASE}/adopt", data={"status": "eingestellt", "note": "Seit Mai abgeschaltet"})
    moderator = _moderator(app, make_user)
    proposal_id = _only_proposal_id(app)
    queue = moderator.get("/moderation").get_data(as_text=True)
    assert f"/moderation/nachnutzungen/{proposal_id}" in queue and "Nachnutzungsangabe" in queue
    review = moderator.get(f"/moderation/nachnutzungen/{proposal_id}").get_data(as_text=True)
    assert "Seit 2022 im Einsatz" in review and "Seit Mai abgeschaltet" in review
    assert "Angabe der Kommune" in review and "unbestätigt" not in review  # the published one's source
    assert moderator.post(f"/moderation/nachnutzungen/{proposal_id}", data={"decision": "accept"}).status_code == 303
    after = adoption_of(app, LEIPZIG)
    assert (after["status"], after["note"], after["verified"], after["declared_by"]) == (
        "eingestellt", "Seit Mai abgeschaltet", False, author_id)
    assert after["report"] == verified_leipzig["report"]
    assert proposals(app) == [("declaration", "accepted", LEIPZIG)]
    assert any("übernommen" in m.subject for m in mails(app, to=email))
    assert f"/moderation/nachnutzungen/{proposal_id}" not in moderator.get("/moderation").get_data(as_text=True)
    again = moderator.post(f"/moderation/nachnutzungen/{proposal_id}", data={"decision": "reject", "reason": "x"})
    assert again.status_code == 409
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "proposal")
                                     .order_by(AuditEvent.id)).all()
    assert actions == ["proposal.submit", "proposal.accepted"]


def test_moderator_rejects_with_a_reason_that_reaches_the_author(app, make_user, verified_leipzig):
    client, _id, email = unconfirmed(app, make_user)
    client.post(f"/cases/{CASE}/adopt/report", data={"pitfalls": "Alles gelogen."})
    moderator = _moderator(app, make_user)
    proposal_id = _only_proposal_id(app)
    review = moderator.get(f"/moderation/nachnutzungen/{proposal_id}").get_data(as_text=True)
    assert "Früh schulen." in review and "Alles gelogen." in review
    without = moderator.post(f"/moderation/nachnutzungen/{proposal_id}", data={"decision": "reject"})
    assert without.status_code == 400 and "begründen" in without.get_data(as_text=True)
    assert proposals(app) == [("report", "pending", LEIPZIG)]
    assert moderator.post(f"/moderation/nachnutzungen/{proposal_id}", data={
        "decision": "reject", "reason": "Die Stadt Leipzig hat das nicht bestätigt."}).status_code == 303
    assert adoption_of(app, LEIPZIG) == verified_leipzig
    mail = next(m for m in mails(app, to=email) if "abgelehnt" in m.subject)
    assert "Die Stadt Leipzig hat das nicht bestätigt." in mail.body
    mine = client.get("/meine-beitraege").get_data(as_text=True)
    assert "abgelehnt" in mine and "Die Stadt Leipzig hat das nicht bestätigt." in mine


def test_accepting_a_report_replaces_the_published_one(app, make_user, verified_leipzig):
    client, _id, _email = unconfirmed(app, make_user)
    client.post(f"/cases/{CASE}/adopt/report", data={"months_to_live": "14", "pitfalls": "Schnittstellen prüfen.",
                                                     "cost_band": "", "recommend": "ja"})
    moderator = _moderator(app, make_user)
    moderator.post(f"/moderation/nachnutzungen/{_only_proposal_id(app)}", data={"decision": "accept"})
    report = adoption_of(app, LEIPZIG)["report"]
    assert report["months_to_live"] == 14 and report["pitfalls"] == "Schnittstellen prüfen."
    assert report["cost_band"] is None and report["recommend"] == "ja"  # the whole report is replaced


def test_only_the_author_withdraws_a_pending_proposal(app, make_user, verified_leipzig):
    client, _id, _email = unconfirmed(app, make_user)
    client.post(f"/cases/{CASE}/adopt", data={"status": "pilot"})
    proposal_id = _only_proposal_id(app)
    other, _other_id, _other_email = unconfirmed(app, make_user)
    url = f"/cases/{CASE}/adopt/vorschlag/{proposal_id}/zurueckziehen"
    assert other.post(url).status_code == 404
    assert _moderator(app, make_user).post(url).status_code == 404
    assert client.post(url).status_code == 303
    assert proposals(app) == [("declaration", "withdrawn", LEIPZIG)]
    assert client.post(url).status_code == 404
    assert "wartet auf Prüfung" not in client.get(f"/cases/{CASE}").get_data(as_text=True)


def test_confirmed_members_and_moderators_still_publish_at_once(app, make_user, verified_leipzig):
    _id, email, _pw = make_user("reader", municipality=LEIPZIG)
    assert signed_in(app, email).post(f"/cases/{CASE}/adopt", data={"status": "pilot"}).status_code == 303
    assert adoption_of(app, LEIPZIG)["status"] == "pilot" and proposals(app) == []


def test_proposal_states_and_payload_are_guarded_by_the_database(app, make_user):
    _client, author_id, _email = unconfirmed(app, make_user)
    with app.app_context():
        case_id = db.session.scalar(select(UseCase.id).where(UseCase.slug == CASE))
        org_id = organisations.for_key(db.session, LEIPZIG).id
        db.session.commit()
        insert = text("INSERT INTO adoption_proposal (kind, state, case_id, organisation_id, author_id, status, "
                      "created_at, updated_at) VALUES (:kind, :state, :case, :org, :author, :status, "
                      "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
        values = {"case": case_id, "org": org_id, "author": author_id}
        for bad in ({"kind": "declaration", "state": "offen", "status": "pilot"},
                    {"kind": "declaration", "state": "pending", "status": None},
                    {"kind": "umfrage", "state": "pending", "status": "pilot"},
                    {"kind": "declaration", "state": "accepted", "status": "pilot"}):  # closed without decided_at
            with pytest.raises(IntegrityError):
                db.session.execute(insert, {**values, **bad})
            db.session.rollback()
        db.session.execute(insert, {**values, "kind": "declaration", "state": "pending", "status": "pilot"})
        with pytest.raises(IntegrityError):  # one pending proposal per author, case, organisation and kind
            db.session.execute(insert, {**values, "kind": "declaration", "state": "pending", "status": "in_betrieb"})
        db.session.rollback()
        assert db.session.scalar(select(func.count(AdoptionProposal.id))) == 0
