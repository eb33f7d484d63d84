"""Size classes of municipalities: the catalogue's filter "Nutzer unter 10.000 Einwohnern" and the
peers on a case page ("Läuft in 5 Kommunen Ihrer Größe")."""

from __future__ import annotations

import re

import pytest

from kb.models import size_classes
from tests.helpers import record, write_jsonl

MAERKER = "/cases/brandenburg-maerker-maengelmelder"
RATHENOW = "12063252"  # about 24,000 inhabitants: 10.000 bis 50.000


def text(response) -> str:
    return response.get_data(as_text=True)


def titles(html: str) -> set[str]:
    return set(re.findall(r'href="/cases/([a-z0-9-]+)"', html))


def test_classes_follow_the_issue_bands():
    assert [size_classes.for_population(n).key for n in (0, 9_999, 10_000, 49_999, 50_000, 99_999, 100_000)] == [
        "unter-10000", "unter-10000", "10000-50000", "10000-50000", "50000-100000", "50000-100000", "ueber-100000"]
    assert size_classes.for_population(None) is None


def test_browse_filters_by_the_users_size_class(client):
    everything = text(client.get("/cases?per_page=100"))
    assert "Läuft in Kommunen der Größe" in everything and "Nutzer unter 10.000 Einwohnern" in everything
    small = client.get("/cases?size=unter-10000")
    assert small.status_code == 200
    found = titles(text(small))
    # Maerker runs in Mittenwalde (about 9,000 inhabitants); the Masterportal only in bigger places
    assert "brandenburg-maerker-maengelmelder" in found
    assert "hamburg-masterportal-geoportal" not in found
    assert 'name="size" value="unter-10000" checked' in text(small)
    assert "Größe:</span> Nutzer unter 10.000 Einwohnern" in text(small)  # the removable chip
    both = titles(text(client.get("/cases?size=unter-10000&size=kreise")))
    assert found < both and "aachen-telenotarzt" in both  # Telenotarzt: two Kreise


def test_browse_refuses_an_unknown_size_class(client):
    response = client.get("/cases?size=riesig")
    assert response.status_code == 400
    assert "Unbekannter Filterwert size = „riesig“" in text(response)


def test_case_page_groups_users_by_size_with_inhabitants(client):
    html = text(client.get(MAERKER))
    assert "Wer nutzt sie – nach Größe" in html
    groups = re.findall(r'class="kern-label peers__class"[^>]*>([^<(]+)', html)
    assert [g.strip() for g in groups] == [
        "Kommunen unter 10.000 Einwohnern", "Kommunen mit 10.000 bis 50.000 Einwohnern",
        "Kommunen mit 50.000 bis 100.000 Einwohnern", "Kreise"]
    assert re.search(r"Mittenwalde <span class=\"peers__population\">· [\d.]+ Einwohner", html)


def test_member_sees_peers_of_their_own_size_first(client, make_user, login):
    _id, email, password = make_user("reader", municipality=RATHENOW)
    login(email, password)
    html = text(client.get(MAERKER))
    assert "Läuft in 5 Kommunen Ihrer Größe</strong> (mit 10.000 bis 50.000 Einwohnern)" in html
    groups = re.findall(r'class="kern-label peers__class"[^>]*>([^<(]+)', html)
    assert groups[0].strip() == "Kommunen mit 10.000 bis 50.000 Einwohnern"
    other = text(client.get("/cases/hamburg-dipas-digitale-beteiligung"))  # only cities over 100,000
    assert "Noch nutzt keine Kommune Ihrer Größe (mit 10.000 bis 50.000 Einwohnern) diese Lösung." in other


MITTENWALDE = "12061332"  # about 9,000 inhabitants: unter 10.000


@pytest.fixture
def small_town_cases(runner, tmp_path):
    """Two cases of Leipzig still in planning (the owner runs neither): Mittenwalde only interested
    in one, a pilot user of the other."""
    only_interest = record("zwergenportal-interesse", title="Zwergenportal mit Interessenten", status="planung",
                           adopters=[{"municipality": MITTENWALDE, "status": "interessiert"}])
    pilot = record("zwergenportal-pilot", title="Zwergenportal im Pilotbetrieb", status="planung",
                   adopters=[{"municipality": MITTENWALDE, "status": "pilot"}])
    result = runner.invoke(args=["import-cases", str(write_jsonl(tmp_path / "klein.jsonl", [only_interest, pilot]))])
    assert result.exit_code == 0, result.output


def test_search_api_counts_and_filters_only_users_by_size(client, small_town_cases):
    body = client.get("/api/v1/search?q=Zwergenportal").get_json()
    assert {hit["slug"] for hit in body["results"]} == {"zwergenportal-interesse", "zwergenportal-pilot"}
    assert body["facets"]["size"] == {"unter-10000": 1}  # interest is no use; the owner plans only
    small = client.get("/api/v1/search?q=Zwergenportal&size=unter-10000").get_json()
    assert [hit["slug"] for hit in small["results"]] == ["zwergenportal-pilot"] and small["total"] == 1
    assert small["facets"]["size"] == {"unter-10000": 1}  # a facet ignores its own filter
    assert client.get("/api/v1/search?q=Zwergenportal&size=ueber-100000").get_json()["total"] == 0
    refused = client.get("/api/v1/search?q=Zwergenportal&size=riesig")
    assert refused.status_code == 400 and "size" in refused.get_json()["error"]["message"]


def test_search_and_browse_count_the_same_size_classes(app, client):
    from kb.extensions import db
    from kb.services.catalog import listing

    with app.app_context():
        browse = listing.facet_counts(db.session, listing.CaseFilters())["size"]
    assert browse and client.get("/api/v1/search?per_page=1").get_json()["facets"]["size"] == browse


def test_search_page_offers_the_size_facet(client):
    everything = text(client.get("/search?q=M%C3%A4ngelmelder&per_page=50"))
    assert "Läuft in Kommunen der Größe" in everything and "Nutzer unter 10.000 Einwohnern" in everything
    small = client.get("/search?q=M%C3%A4ngelmelder&per_page=50&size=unter-10000")
    found = titles(text(small))
    assert "brandenburg-maerker-maengelmelder" in found and found < titles(everything), found
    assert 'name="size" value="unter-10000" checked' in text(small)
    assert "Größe:</span> Nutzer unter 10.000 Einwohnern" in text(small)  # the removable chip
    assert '<input type="hidden" name="size" value="unter-10000">' in text(small)  # kept when sorting
    refused = client.get("/search?q=M%C3%A4ngelmelder&size=riesig")
    assert refused.status_code == 400 and "Unbekannter Filterwert size = „riesig“" in text(refused)
