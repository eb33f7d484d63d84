"""Search that never misleads (issue 15), through the app: what the search page and the API tell
the user. The engine-level behaviours are in tests/search/test_search_confidence.py."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

EXAMPLE_LINK = re.compile(r'<a href="(/search\?q=[^"]+)">')


def api(client, **params):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def strong(data) -> list[str]:
    return [hit["slug"] for hit in data["results"] if not hit["weaker"]]


def page(client, **params) -> str:
    response = client.get("/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def examples_in(html: str, marker: str) -> list[str]:
    """The example searches linked in the HTML element whose class attribute contains ``marker``."""
    start = html.index(marker)
    block = html[start : html.index("</p>", start)]
    return [parse_qs(urlsplit(unescape(href)).query)["q"][0] for href in EXAMPLE_LINK.findall(block)]


def test_every_example_search_the_ui_offers_finds_at_least_two_strong_hits(client):
    start = client.get("/").get_data(as_text=True)
    offered = examples_in(start, "hero__examples")
    empty = page(client, q="Hundesteuer")
    offered += examples_in(empty, "Zum Beispiel:")
    assert len(set(offered)) >= 4
    for text in dict.fromkeys(offered):
        data = api(client, q=text)
        assert data["strong_total"] >= 2, (text, strong(data))
        assert data["suggestion"] is None and data["unmatched"] == [], text


def test_known_word_without_hits_is_named_not_corrected(client):
    html = page(client, q="Hundesteuer")
    assert "Keine Treffer für „Hundesteuer“" in html and "Meinten Sie" not in html
    assert 'href="/search?q=Steuer"' in html  # a related search that finds something
    assert api(client, q="Steuer")["strong_total"] >= 1
    data = api(client, q="Mülleimer")
    assert (data["suggestion"], data["corrected"], data["strong_total"]) == (None, False, 0)
    assert data["unmatched"] == ["Mülleimer"] and "Müll" in data["related"]


def test_typo_is_corrected_and_the_page_says_so_with_a_way_back(client):
    html = page(client, q="Chatbto")
    assert "Ergebnisse für „Chatbot“" in html
    back = re.search(r'href="([^"]*correct=0[^"]*)">stattdessen nach „Chatbto“ suchen', html)
    assert back is not None and "leipzig-ki-chatbot-buergerservice" in html
    as_typed = client.get(unescape(back.group(1))).get_data(as_text=True)
    assert "Keine Treffer für „Chatbto“" in as_typed
    assert "leipzig-ki-chatbot-buergerservice" not in as_typed


@pytest.mark.parametrize(("text", "expected"), [
    ("Hochwasserwarnung", {"langgoens-hochwasser-fruehwarnsystem"}),
    ("Hochwasserfrühwarnung", {"langgoens-hochwasser-fruehwarnsystem"}),
    ("Ampelschaltung", {"kaiserslautern-verkehrsfluss-kimono", "chemnitz-its4cultur-verkehrsmanagement"}),
    ("Baumbewässerung", {"berlin-giess-den-kiez-stadtbaeume"}),
    ("Bewässerung", {"berlin-giess-den-kiez-stadtbaeume"}),
])
def test_compounds_find_their_cases_both_ways(client, text, expected):
    data = api(client, q=text)
    assert expected <= set(strong(data)) and data["suggestion"] is None


def test_weaker_hits_are_shown_apart_and_collapsed(client):
    data = api(client, q="Chatbot Bürgeranfragen", per_page=50)
    assert strong(data)[0] == "leipzig-ki-chatbot-buergerservice"
    assert "dresden-open-data-portal" not in strong(data)  # matched on "Anfrage" alone
    html = page(client, q="Chatbot Bürgeranfragen", per_page=50)
    head, weaker = html.split('<details class="weaker-results"', 1)
    assert "leipzig-ki-chatbot-buergerservice" in head and "dresden-open-data-portal" not in head
    assert weaker.startswith(' id="weaker-results">') and "Weitere, schwächere Treffer" in weaker
    assert "dresden-open-data-portal" in weaker


def test_counts_and_pages_count_what_is_shown(client):
    data = api(client, q="Chatbot Bürgeranfragen", per_page=50)
    n = data["strong_total"]
    assert 0 < n < data["total"]
    assert sum(data["facets"]["state"].values()) == n  # facets count the strong hits (one Land per case)
    first = page(client, q="Chatbot Bürgeranfragen", per_page=1)
    assert f"Seite 1 von {n}<" in first or n == 1
    last = page(client, q="Chatbot Bürgeranfragen", per_page=1, page=n)
    assert '<details class="weaker-results"' in last  # the weaker hits end the last page of solutions
    assert '<details class="weaker-results"' not in first or n == 1


def test_land_named_in_the_text_is_a_removable_filter(client):
    data = api(client, q="Geodaten NRW")
    assert data["place_filters"] == ["Nordrhein-Westfalen"] and data["strong_total"] >= 2
    assert data["total"] == data["facets"]["state"]["Nordrhein-Westfalen"] < api(client, q="Geodaten")["total"]
    html = page(client, q="Geodaten NRW")
    assert "Gefiltert:" in html and "Nordrhein-Westfalen" in html and "ohne Filter suchen" in html
    unfiltered = re.search(r'href="([^"]*places=0[^"]*)">ohne Filter suchen', html)
    assert unfiltered is not None
    everywhere = client.get(unescape(unfiltered.group(1))).get_data(as_text=True)
    assert "Gefiltert:" not in everywhere and "hamburg-masterportal-geoportal" in everywhere


@pytest.mark.parametrize("value", ["NW", "NRW", "nrw", "05", "Nordrhein-Westfalen"])
def test_land_abbreviations_are_accepted_as_state_filters(client, value):
    data = api(client, q="Geodaten", state=value)
    assert data["total"] == data["facets"]["state"]["Nordrhein-Westfalen"] > 0
    assert client.get("/search", query_string={"state": value}).status_code == 200


def test_unknown_state_and_bad_switch_are_clear_errors(client):
    assert client.get("/search", query_string={"state": "XY"}).status_code == 400
    response = client.get("/api/v1/search", query_string={"q": "Geodaten", "places": "ja"})
    assert response.status_code == 400 and response.get_json()["error"]["code"]
