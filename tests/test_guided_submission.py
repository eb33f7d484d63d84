"""The guided submission: five steps, each saved as a draft, a check-your-answers page, a
completeness meter naming what is missing, contact and re-use facts required to submit (not to
save), similar published cases offered instead. All of it plain HTML forms (no JavaScript)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.models import ModerationState, UseCase
from tests.helpers import signed_in

TITLE = "Digitale Hundesteuer-Anmeldung"
SLUG = "digitale-hundesteuer-anmeldung"
STEP1 = {"title": TITLE, "summary": "Hunde online anmelden und abmelden.",
         "description": "## Ausgangslage\n\nPapierformulare im Steueramt.\n\n## Lösung\n\nEin Onlineformular "
                        "mit Bezahlung.\n\n## Ergebnisse\n\nHalb so viele Rückfragen wie vorher.",
         "topics": ["Bürgerservice"], "status": "in_betrieb", "action": "next"}


def text(response) -> str:
    return response.get_data(as_text=True)


def missing(html: str) -> str:
    """The meter's list of what is missing, without tags."""
    match = re.search(r"Es fehlen noch:(.*?)</p>", html, re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", "", match.group(1)).split()) if match else ""


@pytest.fixture
def author(app, make_user):
    _id, email, _pw = make_user("contributor", email="steuer@ulm.example", municipality="08421000")
    return signed_in(app, email)


def load(app, slug: str = SLUG) -> UseCase:
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == slug))
        db.session.expunge(case)
        return case


def step(author, key: str, data: dict, **query):
    return author.post(f"/cases/{SLUG}/schritte/{key}", data=data, query_string=query)


def test_the_entry_page_leads_visitors_to_sign_in_and_members_to_step_one(app, client, author, make_user):
    page = text(client.get("/teilen"))
    assert "Anmelden und loslegen" in page and "/login?next=/cases/neu/worum" in page
    assert "Wie kommt man dran?" in page and "Prüfen und absenden" in page
    assert 'href="/cases/neu/worum"' in text(author.get("/teilen"))
    _id, reader, _pw = make_user("reader")
    as_reader = text(signed_in(app, reader).get("/teilen"))
    assert "Ihr Konto kann noch keine Lösungen beschreiben" in as_reader and "/cases/neu/worum" not in as_reader
    for entry in ("/", "/municipalities/08421000"):
        assert 'href="/teilen"' in text(client.get(entry)), entry


def test_walk_the_steps_save_each_check_and_submit(app, author):
    first = text(author.get("/cases/neu/worum"))
    assert "## Ausgangslage" in first and "## Lösung" in first and "## Ergebnisse" in first
    assert "Schritt 1 von 5" in first and "<meter" in first
    response = author.post("/cases/neu/worum", data=STEP1)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/cases/{SLUG}/schritte/betrieb")
    assert load(app).moderation is ModerationState.DRAFT  # saved as a draft after step 1
    second = text(author.get(f"/cases/{SLUG}/schritte/betrieb"))
    assert 'value="Ulm (08421000)"' in second  # the owner defaults to the member's municipality
    assert "Gibt es schon?" not in second  # nothing like it is published

    assert step(author, "betrieb", {"owner_kind": "municipality", "municipality": "08421000",
                                    "started": "2022-03"}).headers["Location"].endswith("/schritte/nachnutzung")
    facts = {"costs": "4.000 €", "license": "EUPL-1.2", "reuse_open_source": "y",
             "reuse_open_source_link": "https://gitlab.opencode.de/ulm/hundesteuer", "operator_kind": "vendor",
             "operator_name": "Formularwerk GmbH", "hosting": "cloud", "costs_once_eur": "12.000"}
    assert 'name="reuse_open_source"' in text(author.get(f"/cases/{SLUG}/schritte/nachnutzung"))
    assert step(author, "nachnutzung", facts).status_code == 303
    saved = load(app)
    assert saved.costs == "4.000 €" and saved.summary == STEP1["summary"]  # earlier steps kept
    assert saved.costs_once_eur == 12000 and getattr(saved.hosting, "value", saved.hosting) == "cloud"

    check = text(author.get(f"/cases/{SLUG}/schritte/pruefen"))
    assert "Papierformulare im Steueramt" in check and "4.000 €" in check and "nicht angegeben" in check
    assert "Open Source – selbst betreiben (https://gitlab.opencode.de/ulm/hundesteuer)" in check
    assert "Anbieter, Formularwerk GmbH" in check and "12.000 €" in check
    assert "Kontakt für Nachfragen (nötig zum Einreichen)" in missing(check)
    assert "Was Sie zur Nachnutzung brauchen (nötig zum Einreichen)" in missing(check)
    refused = author.post(f"/cases/{SLUG}/schritte/pruefen")
    html = text(refused)
    assert refused.status_code == 400
    assert html.index("Schritt 3 „Wie kommt man dran?“: Was Sie zur Nachnutzung brauchen fehlt.") < html.index(
        "Schritt 4 „Kontakt“: Kontakt für Nachfragen fehlt.")
    assert f'href="/cases/{SLUG}/schritte/kontakt?zurueck=pruefen"' in html
    assert load(app).moderation is ModerationState.DRAFT

    change = step(author, "kontakt", {"contact_name": "Steueramt", "contact_email": "steuer@ulm.example",
                                      "zurueck": "pruefen"})
    assert change.headers["Location"].endswith("/schritte/pruefen")  # "Ändern" leads back to the check
    step(author, "nachnutzung", facts | {"reuse": "Ein Zahlungsanbieter und das Formular-Modul."})
    assert "Kontakt" not in missing(text(author.get(f"/cases/{SLUG}/schritte/pruefen")))
    done = author.post(f"/cases/{SLUG}/schritte/pruefen")
    assert done.status_code == 303 and done.headers["Location"].endswith("/meine-beitraege")
    case = load(app)
    assert case.moderation is ModerationState.SUBMITTED and case.contact["name"] == "Steueramt"
    assert case.started == "2022-03" and case.license == "EUPL-1.2"


def test_a_step_with_bad_input_keeps_the_rest_and_names_the_field(app, author):
    author.post("/cases/neu/worum", data=STEP1)
    response = step(author, "kontakt", {"contact_name": "Steueramt", "contact_email": "keine-adresse"})
    assert response.status_code == 400
    html = text(response)
    assert 'id="contact_email-error"' in html and 'value="Steueramt"' in html
    assert load(app).contact is None
    refused = step(author, "nachnutzung", {"reuse": "Ein Zahlungsanbieter.", "costs_yearly_eur": "viel"})
    assert refused.status_code == 400 and 'id="costs_yearly_eur-error"' in text(refused)
    assert not load(app).reuse


def test_what_every_submission_needs_is_named_with_its_step(app, author):
    """A draft saved with a title alone: submitting names the first step's missing fields."""
    assert author.post("/cases/neu/worum", data={"title": TITLE, "action": "later"}).status_code == 303
    step(author, "nachnutzung", {"reuse": "Ein Zahlungsanbieter."})
    step(author, "kontakt", {"contact_name": "Steueramt", "contact_phone": "0731 161-0"})
    refused = author.post(f"/cases/{SLUG}/schritte/pruefen")
    html = text(refused)
    assert refused.status_code == 400 and "Schritt 1 „Worum geht es?“" in html and "Schritt 3" not in html
    assert f'href="/cases/{SLUG}/schritte/worum?zurueck=pruefen"' in html
    assert load(app).moderation is ModerationState.DRAFT


def test_saving_for_later_goes_to_my_contributions_and_the_draft_continues_there(app, author):
    response = author.post("/cases/neu/worum", data={**STEP1, "action": "later"})
    assert response.headers["Location"].endswith("/meine-beitraege")
    assert f'href="/cases/{SLUG}/schritte/pruefen"' in text(author.get("/meine-beitraege"))


def test_a_similar_published_case_is_offered_instead(app, client, author):
    assert [hit["url"] for hit in client.get("/cases/aehnlich?q=Masterportal").json["results"]] == [
        "/cases/hamburg-masterportal-geoportal"]
    assert client.get("/cases/aehnlich?q=" + TITLE).json["results"] == []  # one shared word is not enough
    assert 'data-duplicate-url="/cases/aehnlich"' in text(author.get("/cases/neu/worum"))
    author.post("/cases/neu/worum", data={**STEP1, "title": "Masterportal als Geoportal"})
    for key in ("betrieb", "pruefen"):  # after saving the title, and again before submitting
        page = text(author.get(f"/cases/masterportal-als-geoportal/schritte/{key}"))
        assert "Gibt es schon?" in page
        assert 'href="/cases/hamburg-masterportal-geoportal#nachnutzung-erklaeren"' in page


def test_a_contact_name_without_a_way_to_reach_it_is_named_as_such(app, author):
    author.post("/cases/neu/worum", data=STEP1)
    author.post(f"/cases/{SLUG}/schritte/kontakt", data={"contact_name": "Ordnungsamt"})
    refused = author.post(f"/cases/{SLUG}/schritte/pruefen")
    assert refused.status_code == 400
    assert "Kontakt für Nachfragen fehlt: Zum Namen gehört eine E-Mail-Adresse" in text(refused)
    assert load(app).moderation is ModerationState.DRAFT


def test_the_own_place_in_a_title_does_not_hide_the_same_solution_elsewhere(client):
    def offered(title: str) -> list[str]:
        return [hit["url"] for hit in client.get("/cases/aehnlich", query_string={"q": title}).json["results"]]

    assert "/cases/rostock-klarschiff-maengelmelder" in offered("Mängelmelder für Ulm")
    assert "/cases/rostock-klarschiff-maengelmelder" in offered("Ulm: Mängelmelder")
    assert all("ulm" in url for url in offered("Ulm"))  # a place alone still has to be answered
    assert offered("Friedhofsverwaltung für Ulm") == []


def test_unknown_steps_and_foreign_drafts_are_refused(app, author, make_user):
    author.post("/cases/neu/worum", data=STEP1)
    assert author.get(f"/cases/{SLUG}/schritte/unsinn").status_code == 404
    _id, other, _pw = make_user("contributor", municipality="08421000")
    assert signed_in(app, other).get(f"/cases/{SLUG}/schritte/worum").status_code == 404


def test_a_member_without_an_organisation_names_the_owner_in_step_one(app, make_user):
    _id, email, _pw = make_user("admin", email="verwaltung@example.org")
    admin = signed_in(app, email)
    page = admin.get("/cases/neu/worum")
    assert page.status_code == 200
    assert "Schritt 1 von 5" in text(page) and 'name="municipality"' in text(page)
    saved = admin.post("/cases/neu/worum", data={**STEP1, "owner_kind": "municipality", "municipality": "Ulm"})
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"/cases/{SLUG}/schritte/betrieb")
    assert load(app).owner.name == "Ulm"

