"""Kreis and Land pages, municipality profiles, the statistics page and adopter reminders."""

import re
from datetime import timedelta
from email import message_from_bytes

from sqlalchemy import select

from kb.extensions import db
from kb.models import Adoption, UseCase
from kb.models.base import utcnow
from kb.services.adoptions import declarations as adoptions
from kb.services.registry import organisations
from kb.views.catalog.svg_charts import Series, bar_chart
from tests.mailbox import outbox_messages

MAERKER = "brandenburg-maerker-maengelmelder"


def text(response) -> str:
    return response.get_data(as_text=True)


def test_landkreis_key_redirects_to_the_kreis_page(client):
    response = client.get("/municipalities/12063")
    assert response.status_code == 301 and response.headers["Location"].endswith("/kreise/12063")


def test_kreis_page_aggregates_its_gemeinden(client):
    html = text(client.get("/kreise/12063"))  # Landkreis Havelland
    assert "<h1" in html and html.count("<h1") == 1 and "Landkreis Havelland" in html
    body = client.get(f"/api/v1/cases/{MAERKER}").get_json()
    havelland = [a["name"] for a in body["adopters"] if (a["key"] or "").startswith("12063")]
    assert len(havelland) >= 2
    for name in havelland:
        assert name in html
    assert "Maerker" in html or "Märker" in html
    assert 'href="/laender/brandenburg"' in html


def test_kreisfreie_stadt_kreis_page_redirects_to_the_city(client):
    response = client.get("/kreise/14713")
    assert response.status_code == 301 and response.headers["Location"].endswith("/municipalities/14713000")


def test_unknown_kreis_and_land_are_404(client):
    assert client.get("/kreise/99999").status_code == 404
    assert client.get("/kreise/abc").status_code == 404
    assert client.get("/laender/atlantis").status_code == 404


def test_land_page_by_slug_code_and_name(client):
    assert client.get("/laender/12").headers["Location"].endswith("/laender/brandenburg")
    assert client.get("/laender/Baden-Württemberg").headers["Location"].endswith("/laender/baden-wuerttemberg")
    html = text(client.get("/laender/brandenburg"))
    assert 'href="/kreise/12063"' in html and "Kreise und kreisfreie Städte" in html
    assert 'data-atlas-map' in html and 'id="region-map-table"' in html


def test_municipality_page_links_kreis_land_contacts_and_map(client):
    html = text(client.get("/municipalities/12063252"))  # a Gemeinde in Havelland using Maerker
    assert 'href="/kreise/12063"' in html and 'href="/laender/brandenburg"' in html
    html = text(client.get("/municipalities/02000000"))  # Hamburg runs several cases with contacts
    contact = client.get("/api/v1/cases/hamburg-masterportal-geoportal").get_json()["contact"]
    assert "Ansprechpersonen" in html and contact["name"] in html
    assert 'id="municipality-map-table"' in html and "Nutzt die Lösung nach" in html


def test_map_points_are_data_attributes_with_a_table(client):
    html = text(client.get("/cases/hamburg-masterportal-geoportal"))
    match = re.search(r"data-points='([^']*)'", html)
    assert match is not None
    import json
    points = json.loads(match.group(1).replace("&#39;", "'"))
    roles = {p["role"] for p in points}
    assert roles == {"owner", "adopter"}
    assert all(-90 <= p["lat"] <= 90 and -180 <= p["lon"] <= 180 for p in points)
    assert 'id="case-map-table"' in html and "<script>" not in html
    assert 'src="/static/vendor/leaflet/leaflet.js"' in html


def test_statistics_page_has_accessible_charts_with_tables(client):
    html = text(client.get("/statistik"))
    assert html.count('role="img"') == 3
    for chart in ("chart-topic", "chart-land", "chart-growth"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in html
        assert f'<title id="{chart}-title">' in html and f'<desc id="{chart}-desc">' in html
    for table in ("table-topic", "table-land", "table-growth"):
        assert f'id="{table}"' in html
    assert "style=" not in html


def test_statistics_numbers_match_the_catalogue(client):
    html = text(client.get("/statistik"))
    total = client.get("/api/v1/cases?per_page=1").get_json()["total"]
    per_topic = client.get("/api/v1/cases?per_page=1&topic=Geodaten").get_json()["total"]
    row = re.search(r'>Geodaten</a>\s*</th>\s*<td[^>]*>(\d+)</td>', html)
    assert row and int(row.group(1)) == per_topic
    land_table = html[html.index('id="table-land"'):html.index('id="stats-growth-heading"')]
    land_cases = [int(n) for n in re.findall(r'<tr class="kern-table__row">\s*<th[^>]*>.*?</th>\s*'
                                             r'<td[^>]*>(\d+)</td>', land_table, re.S)]
    owned_by_registry = sum(1 for _ in land_cases)
    assert owned_by_registry == 16 and sum(land_cases) <= total


def test_statistics_count_a_new_adoption(app, client, make_user, login):
    def adoptions_total():
        html = text(client.get("/statistik"))
        return int(re.search(r"Organisationen haben (\d+) Nachnutzungen", html).group(1))

    before = adoptions_total()
    _id, email, password = make_user("contributor", municipality="08421000")
    login(email, password)
    client.post("/cases/dresden-open-data-portal/adopt", data={"status": "in_betrieb"})
    assert adoptions_total() == before + 1


def test_bar_chart_escapes_labels():
    svg = str(bar_chart("c", "T<itel>", "D&esc", ["<script>x</script>"], [Series("A", "cases", [3])]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "T&lt;itel&gt;" in svg


def _declared_adoption(app, make_user, days_ago: int):
    user_id, email, _pw = make_user("contributor", municipality="08421000")
    with app.app_context():
        from kb.models import User

        user = db.session.get(User, user_id)
        case = db.session.scalar(select(UseCase).where(UseCase.slug == "dresden-open-data-portal"))
        adoption = adoptions.declare(db.session, case=case, organisation=organisations.for_key(db.session, "08421000"),
                                     status="in_betrieb", note=None, actor=user, verified=True)
        adoption.confirmed_at = utcnow() - timedelta(days=days_ago)
        db.session.commit()
        return adoption.id, email


def test_remind_adopters_mails_once_per_30_days(app, runner, make_user):
    adoption_id, email = _declared_adoption(app, make_user, days_ago=400)
    _fresh_id, fresh_email = _declared_adoption(app, make_user, days_ago=10)  # same org: updates the adoption
    with app.app_context():
        adoption = db.session.get(Adoption, adoption_id)
        adoption.confirmed_at = utcnow() - timedelta(days=400)
        db.session.commit()

    result = runner.invoke(args=["remind-adopters"])
    assert result.exit_code == 0, result.output
    assert "1 Mails zu 1 Nachnutzungen" in result.output
    with app.app_context():
        mails = [message_from_bytes(p.read_bytes()) for p in outbox_messages()]
        assert [m["To"] for m in mails] == [fresh_email]
        body = mails[0].get_payload(decode=True).decode()
        assert "/cases/dresden-open-data-portal#nachnutzung-erklaeren" in body and "bestätigen" in body
        assert "dass Ulm die folgenden Lösungen nachnutzt" in body
        assert body.rstrip().endswith("Ihr Team des Praxisatlas")
        assert db.session.get(Adoption, adoption_id).reminded_at is not None

    again = runner.invoke(args=["remind-adopters"])
    assert "0 Mails" in again.output
    with app.app_context():
        assert len(outbox_messages()) == 1
        db.session.get(Adoption, adoption_id).reminded_at = utcnow() - timedelta(days=31)
        db.session.commit()
    assert "1 Mails" in runner.invoke(args=["remind-adopters"]).output


def test_remind_adopters_skips_imported_and_fresh(app, runner, make_user):
    _declared_adoption(app, make_user, days_ago=30)
    with app.app_context():
        for adoption in db.session.scalars(select(Adoption).where(Adoption.declared_by_id.is_(None))):
            adoption.created_at = utcnow() - timedelta(days=800)
        db.session.commit()
    result = runner.invoke(args=["remind-adopters"])
    assert result.exit_code == 0 and "0 Mails zu 0 Nachnutzungen" in result.output
    with app.app_context():
        assert outbox_messages() == []


def test_data_sources_page_names_map_sources(client):
    html = text(client.get("/datenquellen"))
    assert "Natural Earth" in html and "Leaflet" in html
