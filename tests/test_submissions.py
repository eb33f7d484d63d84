"""Submitting case studies: the form, drafts, preview, visibility, edits of published cases,
the service the write API uses."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.models import CaseRevision, CaseStatus, ModerationState, RevisionState, Role, UseCase, User
from kb.search.engine import SearchQuery
from kb.services.accounts.users import find_by_email
from kb.services.cases import moderation, submissions
from kb.services.cases.record import Mode, RecordParser
from kb.services.cases.writer import topics_by_name
from kb.services.catalog.search import search_cases
from kb.services.registry.gazetteer import get_resolver
from tests.helpers import record, write_jsonl
from tests.mailbox import mails

COMPLETE = {
    "title": "Digitaler Bauantrag mit Statusverfolgung",
    "summary": "Bauanträge online stellen und den Bearbeitungsstand jederzeit sehen.",
    "description": "## Lösung\n\nEin **Portal** für Bauanträge.",
    "owner_kind": "municipality",
    "municipality": "Ulm (08421000)",
    "topics": ["Verwaltungsdigitalisierung", "Bürgerservice"],
    "status": "pilot",
    "tags": "Bauantrag, Portal",
    "links": "Projektseite | https://example.org/bau\nhttps://example.org/doku",
    "contact_name": "Bauordnungsamt",
    "contact_email": "bauamt@example.org",
    "reuse": "Schnittstelle zum **Fachverfahren**.",
}


def text(response) -> str:
    return response.get_data(as_text=True)


def field_error(html: str, field: str) -> str:
    """The error message the form shows at a field ("" if none)."""
    match = re.search(rf'<p class="kern-error" id="{field}-error">(.*?)</p>', html, re.S)
    return match.group(1) if match else ""


def case_by_slug(app, slug: str) -> UseCase | None:
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == slug))
        if case is not None:
            db.session.expunge(case)
        return case


@pytest.fixture
def author(client, make_user, login):
    user_id, email, password = make_user("contributor", municipality="08421000")
    login(email, password)
    return user_id


@pytest.fixture
def moderator(app, make_user):
    user_id, _email, _password = make_user("moderator")
    return user_id


def as_user(app, email, password="geheim-passwort-1"):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": password}).status_code == 303
    return client


def test_form_uses_the_interface_field_names_and_the_own_municipality(client, author):
    html = text(client.get("/cases/new"))
    for name in ("title", "summary", "description", "municipality", "topics", "status", "reuse", "lessons",
                 "costs", "tags", "license", "repository", "started", "links", "contact_name"):
        assert f'name="{name}"' in html, name
    assert 'value="Ulm (08421000)"' in html
    assert html.count('type="checkbox" id="topics-') == 16
    assert "Was Sie zur Nachnutzung brauchen" in html and 'data-suggest-url="/municipalities/suggest"' in html


def test_readers_and_visitors_cannot_submit(app, client, make_user, login):
    assert client.get("/cases/new").status_code == 302
    _id, email, password = make_user("reader")
    login(email, password)
    assert client.get("/cases/new").status_code == 403
    assert client.post("/cases/new", data=COMPLETE | {"action": "submit"}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(UseCase).where(UseCase.title == COMPLETE["title"])) is None


def test_a_draft_may_be_incomplete_and_is_visible_only_to_author_and_moderators(app, client, author, make_user):
    response = client.post("/cases/new", data={"action": "save", "title": "Halbfertige Idee",
                                               "owner_kind": "municipality", "municipality": "Ulm"})
    assert response.status_code == 303 and response.headers["Location"] == "/meine-beitraege"
    case = case_by_slug(app, "halbfertige-idee")
    assert case.moderation is ModerationState.DRAFT and case.summary == ""
    assert client.get("/cases/halbfertige-idee").status_code == 200
    assert "Halbfertige Idee" in text(client.get("/meine-beitraege"))
    anonymous = app.test_client()
    assert anonymous.get("/cases/halbfertige-idee").status_code == 404
    for role in ("reader", "contributor"):
        _id, email, _pw = make_user(role)
        assert as_user(app, email).get("/cases/halbfertige-idee").status_code == 404, role
    _id, email, _pw = make_user("moderator")
    assert as_user(app, email).get("/cases/halbfertige-idee").status_code == 200
    assert anonymous.get("/api/v1/cases/halbfertige-idee").status_code == 404
    assert "Halbfertige Idee" not in text(anonymous.get("/cases"))


def test_submitting_an_incomplete_draft_lists_every_missing_field(app, client, author):
    client.post("/cases/new", data={"action": "save", "title": "Noch offen", "municipality": "Ulm"})
    response = client.post("/cases/noch-offen/submit")
    assert response.status_code == 400
    html = text(response)
    for field in ("summary", "description", "topics"):
        assert f'id="{field}-error"' in html, field
    assert case_by_slug(app, "noch-offen").moderation is ModerationState.DRAFT


def test_the_one_page_form_needs_contact_and_reuse_to_submit_but_not_to_save(app, client, author):
    lacking = {k: v for k, v in COMPLETE.items() if k not in ("contact_name", "contact_email", "reuse")}
    lacking["title"] = "Bauantrag ohne Kontakt"
    refused = client.post("/cases/new", data=lacking | {"action": "submit"})
    assert refused.status_code == 400
    html = text(refused)
    assert "Kontakt für Nachfragen fehlt" in field_error(html, "contact_name")
    assert "Was Sie zur Nachnutzung brauchen fehlt" in field_error(html, "reuse")
    assert 'id="summary-error"' not in html and case_by_slug(app, "bauantrag-ohne-kontakt") is None
    english = text(client.post("/cases/new", data=lacking | {"action": "submit"}, headers={"Accept-Language": "en"}))
    assert "Contact for questions is missing" in field_error(english, "contact_name")
    assert client.post("/cases/new", data=lacking | {"action": "save"}).status_code == 303
    assert case_by_slug(app, "bauantrag-ohne-kontakt").moderation is ModerationState.DRAFT
    from_draft = client.post("/cases/bauantrag-ohne-kontakt/submit")
    assert from_draft.status_code == 400
    assert "Kontakt für Nachfragen fehlt" in field_error(text(from_draft), "contact_name")
    assert case_by_slug(app, "bauantrag-ohne-kontakt").moderation is ModerationState.DRAFT
    completed = lacking | {"contact_name": "Bauamt", "contact_url": "https://example.org/bauamt",
                           "reuse": "Ein Konto beim Portalbetreiber.", "action": "submit"}
    assert client.post("/cases/bauantrag-ohne-kontakt/edit", data=completed).status_code == 303
    assert case_by_slug(app, "bauantrag-ohne-kontakt").moderation is ModerationState.SUBMITTED


def test_the_record_parser_checks_drafts_submissions_and_imports_natively(app):
    with app.app_context():
        parser = RecordParser(get_resolver(), set(topics_by_name(db.session)))
        draft, problems = parser.parse({"slug": "entwurf", "title": "Entwurf", "municipality": "Ulm"}, mode=Mode.DRAFT)
    assert problems == [] and draft.status is CaseStatus.PLANUNG and draft.topics == [] and draft.summary == ""
    assert draft.owner.entry.key == "08421000"
    with app.app_context():
        _none, problems = parser.parse({"slug": "entwurf", "title": "Entwurf", "state": "Sachsen",
                                        "repository": "ftp://example.org"}, mode=Mode.DRAFT)
        assert [(p.field, p.code) for p in problems] == [("municipality", "owner_missing"),
                                                         ("repository", "invalid_url")]
        incomplete = {"slug": "entwurf", "title": "Entwurf", "municipality": "Ulm", "repository": "ftp://example.org"}
        _none, problems = parser.parse(incomplete, mode=Mode.SUBMISSION)
        assert [(p.field, p.code) for p in problems] == [
            ("summary", "required"), ("description", "required"), ("topics", "required"), ("status", "required"),
            ("repository", "invalid_url")]
        _none, problems = parser.parse(incomplete)  # the import stops at missing keys
    assert [p.field for p in problems] == ["summary", "description", "topics", "status"]


def test_a_missing_owner_is_shown_at_the_owner_field_by_its_code(app, client, author):
    """No stand-in owner: the state is checked on its own, and the message belongs to the field chosen."""
    data = {"action": "save", "title": "Ohne Betreiber", "owner_kind": "municipality", "municipality": "",
            "state": "Sachsen"}
    german = client.post("/cases/new", data=data)
    assert german.status_code == 400
    html = text(german)
    assert "Bitte geben Sie an, wer die Lösung betreibt." in field_error(html, "municipality")
    assert 'id="state-error"' not in html and 'id="title-error"' not in html
    english = text(client.post("/cases/new", data=data, headers={"Accept-Language": "en"}))
    assert "Please state who operates the solution." in field_error(english, "municipality")
    other = text(client.post("/cases/new", data=data | {"owner_kind": "organisation", "organisation": ""}))
    assert "Bitte geben Sie an, wer die Lösung betreibt." in field_error(other, "organisation")
    assert case_by_slug(app, "ohne-betreiber") is None


def test_submit_sends_to_moderation_and_keeps_it_private(app, client, author, moderator):
    response = client.post("/cases/new", data=COMPLETE | {"action": "submit"})
    assert response.status_code == 303
    case = case_by_slug(app, "digitaler-bauantrag-mit-statusverfolgung")
    assert case.moderation is ModerationState.SUBMITTED and case.submitted_at is not None
    assert case.owner_id is not None and case.links[0] == {"title": "Projektseite", "url": "https://example.org/bau"}
    assert case.tags == ["Bauantrag", "Portal"] and case.contact["name"] == "Bauordnungsamt"
    with app.app_context():
        revision = db.session.scalar(select(CaseRevision).where(CaseRevision.case_id == case.id))
        assert revision.state is RevisionState.SUBMITTED and revision.data["title"] == COMPLETE["title"]
        found = search_cases(db.session, _query("Bauantrag Statusverfolgung"))
        assert case.slug not in [hit.case.slug for hit in found.hits]
    assert app.test_client().get(f"/cases/{case.slug}").status_code == 404
    assert any("Neu in der Moderation" in m.subject for m in mails(app))
    assert "In Prüfung" in text(client.get("/meine-beitraege"))


def _query(text_: str) -> SearchQuery:
    return SearchQuery(text=text_)


def test_slugs_come_from_titles_and_stay_unique(app, client, author):
    for _ in range(2):
        client.post("/cases/new", data={"action": "save", "title": "Bürger-App für Ämter", "municipality": "Ulm"})
    client.post("/cases/new", data={"action": "save", "title": "new", "municipality": "Ulm"})
    with app.app_context():
        slugs = set(db.session.scalars(select(UseCase.slug).where(UseCase.author_id.is_not(None))))
    assert {"buerger-app-fuer-aemter", "buerger-app-fuer-aemter-2", "new-loesung"} <= slugs


def test_preview_renders_sanitised_markdown_and_saves_nothing(app, client, author):
    response = client.post("/cases/new", data={
        "action": "preview", "title": "Vorschau <b>fett</b>", "municipality": "Ulm",
        "description": "## Abschnitt\n\n**wichtig** <script>alert(1)</script> [x](javascript:alert(2)) "
                       "<img src=x onerror=alert(3)> [Doku](https://example.org/doku)"})
    assert response.status_code == 200
    html = text(response)
    preview = html[html.index('id="preview-heading"'):html.index('class="form-stack case-form"')]
    assert "<strong>wichtig</strong>" in preview and "<h4>Abschnitt</h4>" in preview
    assert "<script>alert(1)" not in preview and "javascript:" not in preview and "onerror" not in preview
    assert 'rel="nofollow noopener noreferrer"' in preview
    assert "Vorschau &lt;b&gt;fett&lt;/b&gt;" in preview
    assert 'value="Vorschau &lt;b&gt;fett&lt;/b&gt;"' in html, "the form keeps what was typed"
    with app.app_context():
        assert db.session.scalar(select(UseCase).where(UseCase.title.like("Vorschau%"))) is None


BAD_INPUTS = [
    ({"topics": ["Raumfahrt"]}, {"topics": ["Raumfahrt"]}, "topics", "Unbekanntes Thema"),
    ({"title": "x" * 201}, {"title": "x" * 201}, "title", "Zu lang"),
    ({"started": "März 2020"}, {"started": "März 2020"}, "started", "JJJJ"),
    ({"contact_email": "kein-mail"}, {"contact": {"name": "Amt", "email": "kein-mail"}}, "contact_email",
     "Keine gültige E-Mail-Adresse"),
    ({"links": "Doku | ftp://example.org"}, {"links": [{"title": "Doku", "url": "ftp://example.org"}]}, "links",
     "Keine gültige http(s)-Adresse"),
    ({"municipality": "Neustadt"}, {"municipality": "Neustadt"}, "municipality", "mehrdeutig"),
    ({"repository": "javascript:alert(1)"}, {"repository": "javascript:alert(1)"}, "repository",
     "Keine gültige http(s)-Adresse"),
    ({"costs_yearly_eur": "-500"}, {"costs_yearly_eur": -500}, "costs_yearly_eur", "Darf nicht negativ sein"),
    ({"costs_once_eur": "999.999.999.999"}, {"costs_once_eur": 999_999_999_999}, "costs_once_eur",
     "Unplausibel hoch"),
    ({"costs_yearly_eur": "99999999999999999999"}, {"costs_yearly_eur": 10**20}, "costs_yearly_eur",
     "Unplausibel hoch"),
    ({"reuse_efa": "y", "reuse_efa_link": "javascript:alert(1)"},
     {"reuse_path": [{"kind": "efa", "link": "javascript:alert(1)"}]}, "reuse_efa_link",
     "Keine gültige http(s)-Adresse"),
]


@pytest.mark.parametrize(("form_change", "record_change", "field", "message"), BAD_INPUTS)
def test_the_form_refuses_what_the_import_refuses(app, client, runner, author, tmp_path,
                                                  form_change, record_change, field, message):
    imported = runner.invoke(args=["import-cases", str(write_jsonl(tmp_path / "x.jsonl",
                                                                   [record("import-probe", **record_change)]))])
    assert imported.exit_code != 0 and message in imported.output
    response = client.post("/cases/new", data=COMPLETE | form_change | {"action": "submit"})
    assert response.status_code == 400
    html = text(response)
    error = re.search(rf'<p class="kern-error" id="{field}-error">(.*?)</p>', html, re.S)
    assert error and message in error.group(1), html[:3000]
    assert case_by_slug(app, "digitaler-bauantrag-mit-statusverfolgung") is None


def test_editing_a_published_case_is_reviewed_while_the_published_text_stays(app, client, author, moderator):
    client.post("/cases/new", data=COMPLETE | {"action": "submit"})
    slug = "digitaler-bauantrag-mit-statusverfolgung"
    with app.app_context():
        moderation.decide(db.session, db.session.scalar(select(UseCase).where(UseCase.slug == slug)), "publish", "",
                          actor=_user(moderator))
    public = app.test_client()
    assert "Ein <strong>Portal</strong> für Bauanträge." in text(public.get(f"/cases/{slug}"))
    edit = client.get(f"/cases/{slug}/edit")
    assert edit.status_code == 200 and "Diese Beschreibung ist veröffentlicht" in text(edit)
    changed = COMPLETE | {"description": "## Lösung\n\nJetzt mit **Zahlungsfunktion**.", "action": "submit"}
    assert client.post(f"/cases/{slug}/edit", data=changed).status_code == 303
    assert "Zahlungsfunktion" not in text(public.get(f"/cases/{slug}"))
    assert "Zahlungsfunktion" not in text(public.get(f"/api/v1/cases/{slug}"))
    with app.app_context():
        found = search_cases(db.session, _query("Zahlungsfunktion"))
        assert slug not in [hit.case.slug for hit in found.hits]
    author_view = text(client.get(f"/cases/{slug}"))
    assert "Eine Änderung wartet auf die Moderation" in author_view
    assert "Änderung in Prüfung" in text(client.get("/meine-beitraege"))
    reopened = text(client.get(f"/cases/{slug}/edit"))
    assert "Zahlungsfunktion" in reopened, "the author continues with the proposed text"
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == slug))
        moderation.decide(db.session, case, "publish", "", actor=_user(moderator))
        found = search_cases(db.session, _query("Zahlungsfunktion"))
        assert slug in [hit.case.slug for hit in found.hits]
    assert "Zahlungsfunktion" in text(public.get(f"/cases/{slug}"))


def _user(user_id) -> User:
    return db.session.get(User, user_id)


def test_identical_edit_proposals_are_refused(app, client, author, moderator):
    client.post("/cases/new", data=COMPLETE | {"action": "submit"})
    slug = "digitaler-bauantrag-mit-statusverfolgung"
    with app.app_context():
        moderation.decide(db.session, db.session.scalar(select(UseCase).where(UseCase.slug == slug)), "publish", "",
                          actor=_user(moderator))
    response = client.post(f"/cases/{slug}/edit", data=COMPLETE | {"action": "submit"})
    assert response.status_code == 400 and "identisch" in text(response)


def test_others_cannot_edit_or_submit_a_case(app, client, author, make_user):
    client.post("/cases/new", data={"action": "save", "title": "Mein Entwurf", "municipality": "Ulm"})
    _id, email, _pw = make_user("contributor")
    other = as_user(app, email)
    assert other.get("/cases/mein-entwurf/edit").status_code == 404
    assert other.post("/cases/mein-entwurf/edit", data=COMPLETE | {"action": "save"}).status_code == 404
    assert other.post("/cases/mein-entwurf/delete").status_code == 404
    published = app.test_client().get("/cases").get_data(as_text=True)
    seed_slug = re.search(r'href="/cases/([a-z0-9-]+)"', published).group(1)
    assert other.get(f"/cases/{seed_slug}/edit").status_code == 403
    assert case_by_slug(app, "mein-entwurf").title == "Mein Entwurf"


def test_drafts_can_be_deleted_by_their_author(app, client, author):
    client.post("/cases/new", data={"action": "save", "title": "Wegwerfentwurf", "municipality": "Ulm"})
    assert client.post("/cases/wegwerfentwurf/delete").status_code == 303
    assert case_by_slug(app, "wegwerfentwurf") is None


def test_place_suggestions_for_the_type_ahead(client):
    data = client.get("/municipalities/suggest?q=Leip").get_json()
    assert data["results"][0] == {"key": "14713000", "name": "Leipzig", "value": "Leipzig (14713000)",
                                  "label": "Leipzig – Sachsen"}
    assert client.get("/municipalities/suggest?q=L").get_json() == {"results": []}
    assert client.get("/municipalities/suggest?q=" + "x" * 500).status_code == 200


# -- the service the write API calls -----------------------------------------------------------


def _record(session, slug="api-fall", **changes):
    parser = RecordParser(get_resolver(), set(topics_by_name(session)))
    parsed, problems = parser.parse(record(slug, **changes))
    assert not problems
    return parsed


def test_submit_record_creates_submitted_cases_and_proposes_edits(app, make_user):
    author_id, _email, _pw = make_user("contributor", municipality="14713000")
    moderator_id, _e, _p = make_user("moderator")
    with app.app_context():
        session = db.session
        case = submissions.submit_record(session, _record(session, adopters=["Dresden"]), author=None, via="api")
        assert case.moderation is ModerationState.SUBMITTED and case.author_id is None
        assert case.adoptions == [], "adopters wait for the moderator (issue 19, item 4)"
        assert moderation.pending_for(session, case).revision.data["adopters"] == [
            {"municipality": "14612000", "status": "in_betrieb"}]
        moderation.decide(session, case, "publish", "", actor=_user(moderator_id), adopters=[0])
        assert [a.organisation.name for a in case.adoptions] == ["Dresden"]
        same = submissions.submit_record(session, _record(session, title="Neuer Titel"), author=None, via="api")
        assert same.id == case.id and same.title == "Testfall api-fall", "published text stays until review"
        pending = moderation.pending_for(session, same)
        assert pending.is_edit and pending.revision.data["title"] == "Neuer Titel"
        with pytest.raises(submissions.SubmissionForbidden):
            submissions.submit_record(session, _record(session), author=_user(author_id), via="api")
        reader = find_by_email(session, make_user("reader")[1])
        with pytest.raises(submissions.SubmissionForbidden):
            submissions.submit_record(session, _record(session, slug="anderer"), author=reader)
        assert reader.role is Role.READER
