""""Wir nutzen das auch" asks since when (no preselected status); badges say where an adoption comes from
and who confirmed it: "Angabe der Kommune", "vom Betreiber bestätigt", "bestätigt durch Moderation"."""

import re

from sqlalchemy import select

from kb.extensions import db
from kb.models import UseCase

CASE = "kaiserslautern-lotsensystem-sehbehinderung"  # run by Kaiserslautern, no adopters in the seed
ULM, KAISERSLAUTERN = "08421000", "07312000"


def signed_in(app, make_user, role="contributor", **where):
    """A fresh test client signed in as a new confirmed member."""
    _id, email, password = make_user(role, **where)
    browser = app.test_client()
    assert browser.post("/login", data={"email": email, "password": password}).status_code in (302, 303)
    return browser


def adoption_of(app, key: str = ULM):
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == CASE))
        return next((a for a in case.adoptions if a.organisation.key == key), None)


def adopters_row(html: str, name: str) -> str:
    """The adopters table row of ``name`` (from its name cell to the end of the row)."""
    start = html.index(f">{name}</a>", html.index('id="adopters-heading"'))
    return html[start:html.index("</tr>", start)]


def test_the_form_preselects_no_status_and_since_when_dates_the_use(app, make_user):
    ulm = signed_in(app, make_user, municipality=ULM)
    form = ulm.get(f"/cases/{CASE}/adopt").get_data(as_text=True)
    status = form[form.index('name="status"'):form.index("</select>", form.index('name="status"'))]
    assert "selected" not in status and 'value="">Bitte wählen' in status
    assert 'name="since_month"' in form and 'name="since_year"' in form and "Seit wann?" in form

    refused = ulm.post(f"/cases/{CASE}/adopt", data={"note": "ohne Stand", "since_year": "2024"})
    assert refused.status_code == 400 and "Bitte wählen Sie den Stand." in refused.get_data(as_text=True)
    month_only = ulm.post(f"/cases/{CASE}/adopt", data={"status": "pilot", "since_month": "03"})
    assert month_only.status_code == 400 and "auch das Jahr" in month_only.get_data(as_text=True)
    assert adoption_of(app) is None

    before = {r["month"]: r for r in _growth(ulm)}
    assert ulm.post(f"/cases/{CASE}/adopt", data={"status": "pilot", "since_month": "03",
                                                  "since_year": "2021"}).status_code == 303
    assert adoption_of(app).since == "2021-03"
    page = ulm.get(f"/cases/{CASE}").get_data(as_text=True)
    assert "seit März 2021" in adopters_row(page, "Ulm")
    after = {r["month"]: r for r in _growth(ulm)}
    # the timeline counts the use in the month it began, not the month it was entered
    assert after["2021-03"]["new"] == before.get("2021-03", {"new": 0})["new"] + 1
    # the form shows the stored date when the declaration is changed
    again = ulm.get(f"/cases/{CASE}/adopt").get_data(as_text=True)
    assert '<option selected value="03">' in again and '<option selected value="2021">' in again


def _growth(browser) -> list[dict]:
    """The statistics page's month table: month, new and total uses."""
    html = browser.get("/statistik").get_data(as_text=True)
    table = html[html.index('id="table-growth"'):html.index("</table>", html.index('id="table-growth"'))]
    rows = re.findall(r"<tr[^>]*>\s*<th[^>]*>(.*?)</th>(.*?)</tr>", table, re.S)
    result = []
    for label, cells in rows:
        values = [int(v.replace(".", "")) for v in re.findall(r"<td[^>]*>([\d.]+)</td>", cells)]
        month = re.search(r"\d{4}-\d{2}", label)
        if month and len(values) == 4:
            result.append({"month": month.group(0), "new": values[2], "total": values[3]})
    return result


def test_a_future_since_is_refused(app, make_user):
    ulm = signed_in(app, make_user, municipality=ULM)
    response = ulm.post(f"/cases/{CASE}/adopt", data={"status": "interessiert", "since_month": "01",
                                                      "since_year": "2099"})
    assert response.status_code == 400 and adoption_of(app) is None


def test_badges_name_the_source_and_the_owner_confirms(app, make_user):
    ulm = signed_in(app, make_user, municipality=ULM)
    ulm.post(f"/cases/{CASE}/adopt", data={"status": "in_betrieb"})
    row = adopters_row(ulm.get(f"/cases/{CASE}").get_data(as_text=True), "Ulm")
    assert "Angabe der Kommune" in row and "unbestätigt" not in row and "vom Betreiber bestätigt" not in row
    assert "Als Betreiber bestätigen" not in row  # Ulm is not the owner
    adoption_id = adoption_of(app).id
    assert ulm.post(f"/cases/{CASE}/adoptions/{adoption_id}/owner-confirm").status_code == 403

    owner = signed_in(app, make_user, municipality=KAISERSLAUTERN)
    assert "Als Betreiber bestätigen" in adopters_row(owner.get(f"/cases/{CASE}").get_data(as_text=True), "Ulm")
    assert owner.post(f"/cases/{CASE}/adoptions/{adoption_id}/owner-confirm").status_code == 303
    row = adopters_row(owner.get(f"/cases/{CASE}").get_data(as_text=True), "Ulm")
    assert "vom Betreiber bestätigt" in row and "Als Betreiber bestätigen" not in row
    adopter = owner.get(f"/api/v1/cases/{CASE}").get_json()["adopters"][0]
    assert adopter["owner_confirmed"] and adopter["moderation_confirmed"] is None


def test_the_moderation_confirms_an_adoption(app, make_user):
    ulm = signed_in(app, make_user, municipality=ULM)
    ulm.post(f"/cases/{CASE}/adopt", data={"status": "pilot"})
    adoption_id = adoption_of(app).id
    moderator = signed_in(app, make_user, role="moderator")
    response = moderator.post(f"/cases/{CASE}/adoptions/{adoption_id}/moderate",
                              data={"status": "pilot", "confirmed": "y", "reason": "Rückfrage bei der Stadt"})
    assert response.status_code == 303
    row = adopters_row(moderator.get(f"/cases/{CASE}").get_data(as_text=True), "Ulm")
    assert "bestätigt durch Moderation" in row
    assert adoption_of(app).moderation_confirmed_at is not None


def test_no_page_casts_blanket_doubt_on_adoptions(client):
    """The about page explains the sources and the counting rule; no page calls a row "unbestätigt"."""
    about = re.sub(r"\s+", " ", client.get("/ueber").get_data(as_text=True))
    for said in ("Angabe der Kommune", "vom Betreiber bestätigt", "bestätigt durch Moderation",
                 "nicht als Nachnutzung angeben", "Interesse wird getrennt ausgewiesen"):
        assert said in about, said
    pages = ["/ueber", "/datenquellen", "/", "/statistik", "/cases?per_page=100",
             "/cases/brandenburg-maerker-maengelmelder", "/cases/rostock-klarschiff-maengelmelder",
             f"/municipalities/{ULM}"]
    for path in pages:
        assert "unbestätigt" not in client.get(path).get_data(as_text=True), path
    row = adopters_row(client.get("/cases/brandenburg-maerker-maengelmelder").get_data(as_text=True), "Rathenow")
    assert "öffentliche Quelle" in row  # a seeded user: its badge names where it comes from
