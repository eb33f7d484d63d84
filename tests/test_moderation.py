"""Moderation: queue, publish and reject with reasons, audit trail, revisions and diffs."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.models import AuditEvent, CaseRevision, ModerationState, RevisionState, UseCase
from kb.services.cases import revisions
from tests.helpers import FORM_CONTACT_AND_REUSE, signed_in
from tests.mailbox import mails

CASE = {
    "summary": "Kurze Zusammenfassung.",
    "description": "## Lösung\n\nErste Fassung.",
    "owner_kind": "municipality",
    "municipality": "08421000",
    "topics": ["Bürgerservice"],
    "status": "in_betrieb",
    **FORM_CONTACT_AND_REUSE,
}


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def people(app, make_user):
    _a, author_email, _p = make_user("contributor", email="autorin@example.org", municipality="08421000")
    _m, moderator_email, _p = make_user("moderator", email="moderation@example.org")
    return signed_in(app, author_email), signed_in(app, moderator_email)


def submit(author, title: str, **changes) -> str:
    response = author.post("/cases/new", data=CASE | {"title": title, "action": "submit"} | changes)
    assert response.status_code == 303, text(response)[:2000]
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def load(app, slug: str) -> UseCase:
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == slug))
        db.session.expunge(case)
        return case


def age(app, slug: str, days: int) -> None:
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == slug))
        case.submitted_at = case.submitted_at - timedelta(days=days)
        db.session.commit()


def test_queue_lists_new_cases_and_edits_oldest_first_with_age_and_author(app, people):
    author, moderator = people
    newer = submit(author, "Neuere Loesung")
    older = submit(author, "Aeltere Loesung")
    age(app, older, 3)
    age(app, newer, 1)
    html = text(moderator.get("/moderation"))
    assert html.index("Aeltere Loesung") < html.index("Neuere Loesung")
    assert "seit 3 Tagen" in html and "seit 1 Tag" in html
    assert "Adresse bei example.org" in html and "Neue Beschreibung" in html
    assert "autorin@example.org" not in html  # no address of another person on any page (issue 14)
    assert "2 Beiträge warten" in html


def test_publishing_makes_the_case_public_and_findable_and_is_audited(app, people):
    author, moderator = people
    slug = submit(author, "Sensorgestuetzte Winterdienstplanung")
    review = moderator.get(f"/moderation/{slug}")
    assert review.status_code == 200 and "Eingereichte Fassung" in text(review)
    response = moderator.post(f"/moderation/{slug}", data={"decision": "publish"})
    assert response.status_code == 303
    public = app.test_client()
    assert public.get(f"/cases/{slug}").status_code == 200
    assert public.get(f"/api/v1/cases/{slug}").status_code == 200
    results = public.get("/api/v1/search?q=Winterdienstplanung").get_json()
    assert slug in [r["slug"] for r in results["results"]]
    assert "nichts zu tun" in text(moderator.get("/moderation")).lower()
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.publish"))
        assert event.actor.email == "moderation@example.org" and event.object_id == slug
        assert db.session.scalar(select(CaseRevision.state).join(UseCase).where(UseCase.slug == slug)) \
            is RevisionState.PUBLISHED
    (mail,) = [m for m in mails(app, "autorin@example.org") if "veröffentlicht" in m.subject]
    assert f"/cases/{slug}" in mail.body


def test_a_rejection_needs_a_reason_and_reaches_the_author(app, people):
    author, moderator = people
    slug = submit(author, "Unfertige Beschreibung")
    refused = moderator.post(f"/moderation/{slug}", data={"decision": "reject", "reason": "   "})
    assert refused.status_code == 400 and "Bitte begründen Sie" in text(refused)
    assert 'id="reason-error"' in text(refused)
    assert load(app, slug).moderation is ModerationState.SUBMITTED
    reason = "Bitte ergänzen Sie die Kosten und einen Ansprechpartner <b>im Amt</b>."
    assert moderator.post(f"/moderation/{slug}", data={"decision": "reject", "reason": reason}).status_code == 303
    case = load(app, slug)
    assert case.moderation is ModerationState.REJECTED and case.rejection_reason == reason
    escaped = "Bitte ergänzen Sie die Kosten und einen Ansprechpartner &lt;b&gt;im Amt&lt;/b&gt;."
    assert escaped in text(author.get(f"/cases/{slug}"))
    assert escaped in text(author.get("/meine-beitraege"))
    (mail,) = [m for m in mails(app, "autorin@example.org") if "zurückgewiesen" in m.subject]
    assert reason in mail.body
    assert app.test_client().get(f"/cases/{slug}").status_code == 404
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.reject"))
        assert event.reason == reason and event.actor.email == "moderation@example.org"


def test_the_author_can_revise_and_resubmit_after_a_rejection(app, people):
    author, moderator = people
    slug = submit(author, "Zweiter Anlauf")
    moderator.post(f"/moderation/{slug}", data={"decision": "reject", "reason": "Kosten fehlen."})
    form = author.get(f"/cases/{slug}/edit")
    assert form.status_code == 200
    again = author.post(f"/cases/{slug}/edit", data=CASE | {"title": "Zweiter Anlauf", "costs": "5.000 € im Jahr",
                                                             "action": "submit"})
    assert again.status_code == 303
    assert load(app, slug).moderation is ModerationState.SUBMITTED
    assert "Zweiter Anlauf" in text(moderator.get("/moderation"))
    with app.app_context():
        states = [r.state for r in revisions.history(db.session, db.session.scalar(
            select(UseCase).where(UseCase.slug == slug)))]
        assert states == [RevisionState.SUBMITTED, RevisionState.REJECTED]


def test_rejecting_an_edit_keeps_the_published_version_and_tells_the_author(app, people):
    author, moderator = people
    slug = submit(author, "Buergerportal")
    moderator.post(f"/moderation/{slug}", data={"decision": "publish"})
    author.post(f"/cases/{slug}/edit", data=CASE | {"title": "Buergerportal", "action": "submit",
                                                     "description": "## Lösung\n\nZweite Fassung."})
    queue = text(moderator.get("/moderation"))
    assert "Änderung einer veröffentlichten Beschreibung" in queue
    review = text(moderator.get(f"/moderation/{slug}"))
    assert '<del class="diff-del">' in review and "Erste" in review and "Zweite" in review
    moderator.post(f"/moderation/{slug}", data={"decision": "reject", "reason": "Bitte Quelle nennen."})
    public = text(app.test_client().get(f"/cases/{slug}"))
    assert "Erste Fassung" in public and "Zweite Fassung" not in public
    mine = text(author.get(f"/cases/{slug}"))
    assert "Ihre letzte Änderung wurde zurückgewiesen" in mine and "Bitte Quelle nennen." in mine
    assert "Bitte Quelle nennen." in text(author.get("/meine-beitraege"))
    assert any("Änderung wurde zurückgewiesen" in m.subject for m in mails(app, "autorin@example.org"))
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "revision.reject")).reason \
            == "Bitte Quelle nennen."


def test_decisions_need_something_pending_and_a_known_decision(app, people):
    author, moderator = people
    slug = submit(author, "Doppelt entschieden")
    assert moderator.post(f"/moderation/{slug}", data={"decision": "vielleicht"}).status_code == 400
    assert moderator.post(f"/moderation/{slug}", data={}).status_code == 400
    assert moderator.post(f"/moderation/{slug}", data={"decision": "publish"}).status_code == 303
    again = moderator.post(f"/moderation/{slug}", data={"decision": "reject", "reason": "zu spät"})
    assert again.status_code == 409 and "nichts zur Prüfung" in text(again)
    assert load(app, slug).moderation is ModerationState.PUBLISHED


def test_contributors_cannot_moderate_their_own_case(app, people):
    author, _moderator = people
    slug = submit(author, "Selbst freigeben")
    assert author.post(f"/moderation/{slug}", data={"decision": "publish"}).status_code == 403
    assert author.get("/moderation").status_code == 403
    assert load(app, slug).moderation is ModerationState.SUBMITTED


def test_history_lists_versions_and_the_diff_escapes_user_text(app, people):
    author, moderator = people
    slug = submit(author, "Versionierte Loesung")
    moderator.post(f"/moderation/{slug}", data={"decision": "publish"})
    hostile = "## Lösung\n\nNeu: <script>alert('x')</script> <img src=x onerror=alert(1)> Ende."
    author.post(f"/cases/{slug}/edit", data=CASE | {"title": "Versionierte Loesung", "action": "submit",
                                                     "description": hostile})
    history = text(author.get(f"/cases/{slug}/versionen"))
    assert "In Prüfung" in history and "Veröffentlicht" in history and "Zur Prüfung eingereicht" in history
    compare = author.get(f"/cases/{slug}/versionen/vergleich?alt=1&neu=2")
    assert compare.status_code == 200
    html = text(compare)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert re.search(r'<ins class="diff-ins">.*?&lt;img src=x onerror=alert\(1\)&gt;', html, re.S)
    assert re.search(r'<del class="diff-del">.*?Erste', html, re.S)
    assert author.get(f"/cases/{slug}/versionen/vergleich?alt=9&neu=2").status_code == 404
    assert app.test_client().get(f"/cases/{slug}/versionen").status_code == 302


def test_diff_compares_field_by_field_and_word_by_word(app):
    old = {"title": "Chatbot", "summary": "Ein Bot beantwortet Fragen.", "topics": ["Bürgerservice"],
           "status": "pilot", "municipality": "14713000", "description": "a\nb\nc"}
    new = dict(old, summary="Ein Bot beantwortet viele Fragen.", status="in_betrieb", description="a\nB\nc",
               tags=["KI"])
    with app.test_request_context():
        changed = {d.name: d for d in revisions.compare(old, new) if d.changed}
    assert set(changed) == {"summary", "status", "description", "tags"}
    assert [(s.op, s.text) for s in changed["summary"].segments] == [
        ("equal", "Ein Bot beantwortet "), ("insert", "viele "), ("equal", "Fragen.")]
    assert [(s.op, s.text) for s in changed["status"].segments] == [
        ("delete", "Pilotbetrieb"), ("insert", "Im Betrieb")]
    assert ("equal", "a\n") in [(s.op, s.text) for s in changed["description"].segments]


def test_an_admin_sees_every_step_in_the_audit_log(app, people, make_user):
    author, moderator = people
    slug = submit(author, "Protokollierte Loesung")
    moderator.post(f"/moderation/{slug}", data={"decision": "reject", "reason": "Fehlt noch etwas."})
    _id, email, _pw = make_user("admin")
    admin = signed_in(app, email)
    html = text(admin.get(f"/admin/audit?q={slug}"))
    assert "Zur Prüfung eingereicht" in html and "Zurückgewiesen" in html and "Fehlt noch etwas." in html
    assert "moderation@example.org" in html and "autorin@example.org" in html
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == slug)
                                          .order_by(AuditEvent.id)))
    assert actions == ["case.create", "case.submit", "case.reject"]
