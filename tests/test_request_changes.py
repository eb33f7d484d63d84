"""Moderation's third decision, "Änderungen erbitten": the author hears what to change (never
"zurückgewiesen"), revises and resubmits; the moderator sees the previous request and a diff
against the version sent back, a completeness checklist, likely duplicates, and can confirm the
author's membership with one click."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.models import AuditEvent, CaseRevision, ModerationState, RevisionState, UseCase, User
from tests.helpers import signed_in
from tests.mailbox import mails

CASE = {
    "title": "Digitale Sperrmüllanmeldung",
    "summary": "Bürgerinnen und Bürger melden Sperrmüll online an.",
    "description": "## Lösung\n\nEin Formular mit Terminwahl.",
    "owner_kind": "municipality",
    "municipality": "08421000",
    "topics": ["Bürgerservice"],
    "status": "in_betrieb",
    "contact_name": "Abfallwirtschaft",
    "contact_url": "https://example.org/abfall",
    "reuse": "Ein Konto beim Anbieter des Formulars.",
    "action": "submit",
}
SLUG = "digitale-sperrmuellanmeldung"
REQUEST = "Bitte ergänzen Sie, was die Lösung kostet und wen man fragen kann."


@pytest.fixture
def people(app, make_user):
    _a, author, _p = make_user("contributor", email="ulm-autor@ulm.example", municipality="08421000")
    _m, moderator, _p = make_user("moderator", email="moderatorin@praxisatlas.example")
    return {"author": author, "moderator": moderator}


def text(response) -> str:
    return response.get_data(as_text=True)


def test_request_changes_revise_resubmit_diff_publish(app, people):
    author, moderator = signed_in(app, people["author"]), signed_in(app, people["moderator"])
    assert author.post("/cases/new", data=CASE).status_code == 303
    review = text(moderator.get(f"/moderation/{SLUG}"))
    assert 'value="request_changes"' in review and "Änderungen erbitten" in review
    assert "Kosten" in review and "fehlt:" in review  # the checklist names what is missing

    response = moderator.post(f"/moderation/{SLUG}", data={"decision": "request_changes"})
    assert response.status_code == 400 and 'id="reason-error"' in text(response)
    response = moderator.post(f"/moderation/{SLUG}", data={"decision": "request_changes", "reason": REQUEST})
    assert response.status_code == 303
    (mail,) = [m for m in mails(app, to=people["author"])]
    assert "Bitte ergänzen Sie" in mail.subject and REQUEST in mail.body
    assert "zurückgewiesen" not in (mail.subject + mail.body).lower()
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == SLUG))
        assert case.moderation is ModerationState.DRAFT
        states = [r.state for r in db.session.scalars(select(CaseRevision).where(CaseRevision.case_id == case.id))]
        assert states == [RevisionState.CHANGES_REQUESTED]
    assert f'href="/moderation/{SLUG}"' not in text(moderator.get("/moderation"))  # out of the queue
    mine = text(author.get("/meine-beitraege"))
    assert "Die Moderation bittet um Änderungen" in mine and REQUEST in mine and "Zurückgewiesen" not in mine

    revised = {**CASE, "costs": "12.000 € Einführung", "contact_name": "Abfallwirtschaft Ulm",
               "contact_email": "abfall@ulm.example", "action": "submit"}
    assert author.post(f"/cases/{SLUG}/edit", data=revised).status_code == 303
    review = text(moderator.get(f"/moderation/{SLUG}"))
    assert "Erneut eingereicht nach einer Bitte um Änderungen" in review and REQUEST in review
    changes = review.split('id="resubmitted-heading"')[1].split("review-aids")[0]
    assert "12.000 € Einführung" in changes and "abfall@ulm.example" in changes and "<ins" in changes
    assert "Digitale Sperrmüllanmeldung" not in changes.split("Unverändert:")[0]  # the title did not change
    assert moderator.post(f"/moderation/{SLUG}", data={"decision": "publish"}).status_code == 303
    assert app.test_client().get(f"/cases/{SLUG}").status_code == 200
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == SLUG)
                                          .order_by(AuditEvent.id)))
    assert actions == ["case.create", "case.submit", "case.request_changes", "case.submit", "case.publish"]


def test_changes_to_an_edit_keep_the_published_text_and_the_proposal(app, people):
    author, moderator = signed_in(app, people["author"]), signed_in(app, people["moderator"])
    author.post("/cases/new", data=CASE)
    moderator.post(f"/moderation/{SLUG}", data={"decision": "publish"})
    proposal = {**CASE, "summary": "Online anmelden, Termin wählen, fertig."}
    assert author.post(f"/cases/{SLUG}/edit", data=proposal).status_code == 303
    moderator.post(f"/moderation/{SLUG}", data={"decision": "request_changes", "reason": "Bitte mit Kosten."})
    assert "Bürgerinnen und Bürger melden Sperrmüll online an." in text(app.test_client().get(f"/cases/{SLUG}"))
    form = text(author.get(f"/cases/{SLUG}/edit"))
    assert "Online anmelden, Termin wählen, fertig." in form  # the author goes on from the proposal
    assert "Bitte ergänzen Sie Ihre Änderung" in mails(app, to=people["author"])[-1].subject
    assert author.post(f"/cases/{SLUG}/edit", data={**proposal, "costs": "5.000 €"}).status_code == 303
    review = text(moderator.get(f"/moderation/{SLUG}"))
    assert "Bitte mit Kosten." in review and "5.000 €" in review.split('id="resubmitted-heading"')[1]


def test_one_click_confirms_the_authors_membership(app, people):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == people["author"]))
        user.membership_verified_at = None
        db.session.commit()
    author, moderator = signed_in(app, people["author"]), signed_in(app, people["moderator"])
    author.post("/cases/new", data=CASE)
    review = text(moderator.get(f"/moderation/{SLUG}"))
    assert "Zugehörigkeit zu Ulm bestätigen" in review and people["author"] not in review
    response = moderator.post(f"/moderation/{SLUG}/mitgliedschaft")
    assert response.status_code == 303 and response.headers["Location"].endswith("#mitgliedschaft")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == people["author"]))
        assert user.membership_verified_at is not None
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_id == str(user.id))
                                 .order_by(AuditEvent.id.desc()).limit(1)) == "user.verify_membership"
    assert "Zugehörigkeit zu Ulm bestätigen" not in text(moderator.get(f"/moderation/{SLUG}"))


def test_the_review_offers_likely_duplicates(app, people):
    author, moderator = signed_in(app, people["author"]), signed_in(app, people["moderator"])
    author.post("/cases/new", data={**CASE, "title": "Masterportal Geoportal für Ulm"})
    review = text(moderator.get("/moderation/masterportal-geoportal-fuer-ulm"))
    duplicates = review.split('id="duplicates-heading"')[1].split("</section>")[0]
    assert 'href="/cases/hamburg-masterportal-geoportal"' in duplicates
