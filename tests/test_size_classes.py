"""Size classes of municipalities: the catalogue's filter "Nutzer unter 10.000 Einwohnern" and the
peers on a case page ("Läuft in 5 Kommunen Ihrer Größe")."""

from __future__ import annotations

import re

from kb.services.registry import size_classes

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
