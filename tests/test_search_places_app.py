"""Gemeinden and Kreise as search filters through the app (issue 15, item 4): the chip on the search
page with its way back, the API's ``applied_places``/``suggested_places`` and ``municipality=``/``kreis=``,
and the counting rule (users in pilot or Betrieb and the running owner, never interest). Runs on
both backends (the PostgreSQL pass sets ``KB_SEARCH_BACKEND=postgres``)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.helpers import record, write_jsonl

RATHENOW, HAVELLAND, LEIPZIG = "12063252", "12063", "14713000"


def api(client, **params):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def page(client, **params) -> str:
    response = client.get("/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def slugs(data) -> set[str]:
    return {hit["slug"] for hit in data["results"]}


@pytest.fixture
def portal_cases(runner, tmp_path):
    """Three cases of Leipzig still in planning (the owner runs none): Rathenow only interested in
    one, a pilot user of the second, running the third."""
    cases = [
        record("zwergenportal-interesse", title="Zwergenportal mit Interessenten", status="planung",
               adopters=[{"municipality": RATHENOW, "status": "interessiert"}]),
        record("zwergenportal-pilot", title="Zwergenportal im Pilotbetrieb", status="planung",
               adopters=[{"municipality": RATHENOW, "status": "pilot"}]),
        record("zwergenportal-betrieb", title="Zwergenportal im Betrieb", status="planung",
               adopters=[{"municipality": RATHENOW, "status": "in_betrieb"}]),
    ]
    result = runner.invoke(args=["import-cases", str(write_jsonl(tmp_path / "zwerge.jsonl", cases))])
    assert result.exit_code == 0, result.output


def test_a_municipality_in_the_text_filters_by_where_a_case_runs(client, portal_cases):
    everywhere = api(client, q="Zwergenportal")
    assert slugs(everywhere) == {"zwergenportal-interesse", "zwergenportal-pilot", "zwergenportal-betrieb"}
    data = api(client, q="Zwergenportal in Rathenow")
    assert slugs(data) == {"zwergenportal-pilot", "zwergenportal-betrieb"}  # interest is no use
    assert data["applied_places"] == [{"key": RATHENOW, "kind": "gemeinde", "name": "Rathenow",
                                       "land": "Brandenburg", "label": data["applied_places"][0]["label"],
                                       "from_text": True}]
    assert data["suggested_places"] == [] and data["unmatched"] == []  # "Rathenow" is no text word
    assert api(client, q="Zwergenportal Leipzig")["total"] == 0  # the owner only plans them
    kreis = api(client, q="Zwergenportal Landkreis Havelland")
    assert slugs(kreis) == slugs(data) and kreis["applied_places"][0]["key"] == HAVELLAND
    words = api(client, q="Zwergenportal in Rathenow", places=0)  # the switch: all words are text
    assert words["applied_places"] == [] and "zwergenportal-interesse" in slugs(words)


def test_place_parameters_filter_in_the_api(client, portal_cases):
    by_key = api(client, q="Zwergenportal", municipality=RATHENOW)
    assert slugs(by_key) == {"zwergenportal-pilot", "zwergenportal-betrieb"}
    assert by_key["applied_places"][0]["from_text"] is False
    assert slugs(api(client, q="Zwergenportal", municipality="Rathenow")) == slugs(by_key)
    assert slugs(api(client, q="Zwergenportal", kreis=HAVELLAND)) == slugs(by_key)
    assert api(client, q="Zwergenportal", kreis="14713")["total"] == 0  # Leipzig: no user, owner plans
    status = api(client, q="Zwergenportal", municipality=RATHENOW, status="planung")
    assert status["facets"]["status"] == {"planung": 2}  # facets count within the place
    for params in ({"municipality": "Neustadt"}, {"municipality": "123"}, {"kreis": "Atlantis"}):
        refused = client.get("/api/v1/search", query_string={"q": "Zwergenportal", **params})
        assert refused.status_code == 400 and next(iter(params)) in refused.get_json()["error"]["message"]


def test_search_page_shows_the_place_chip_with_the_way_back(client, portal_cases):
    html = page(client, q="Zwergenportal in Rathenow")
    chips = html[html.index('id="place-filters"'):html.index("</div>", html.index('id="place-filters"'))]
    assert "Gefiltert:" in chips and "Kommune:</span> Rathenow" in chips and "„in Rathenow“" in chips
    assert "zwergenportal-pilot" in html and "zwergenportal-interesse" not in html
    back = re.search(r'href="([^"]*places=0[^"]*)">ohne Filter suchen', chips)
    assert back is not None
    everywhere = client.get(unescape(back.group(1))).get_data(as_text=True)
    assert 'id="place-filters"' not in everywhere
    given = page(client, q="Zwergenportal", kreis=HAVELLAND)
    assert "Kreis:</span> Landkreis Havelland" in given
    assert f'<input type="hidden" name="kreis" value="{HAVELLAND}">' in given  # kept when sorting
    assert client.get("/search", query_string={"q": "x", "municipality": "Neustadt"}).status_code == 400


def test_ambiguous_names_are_suggested_and_ordinary_words_stay_words(client):
    data = api(client, q="Bürgerservice Neustadt")
    assert data["applied_places"] == [] and len(data["suggested_places"]) > 2
    html = page(client, q="Bürgerservice Neustadt")
    assert 'id="place-suggestions"' in html and 'id="place-filters"' not in html
    choice = re.search(r'<a class="chip" href="([^"]*municipality=\d{8}[^"]*)"', html)
    assert choice is not None and "q=B%C3%BCrgerservice" in choice.group(1) and "Neustadt" not in choice.group(1)
    assert client.get(unescape(choice.group(1))).status_code == 200
    for text in ("Schulessen", "Wertstoffhof Hof", "Sensoren im Wald"):
        assert api(client, q=text)["applied_places"] == []


def test_openapi_describes_the_place_filters(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    search = spec["paths"]["/api/v1/search"]["get"]
    names = {p.get("name") or p.get("$ref", "").rsplit("/", 1)[-1] for p in search["parameters"]}
    assert {"municipality", "kreis"} <= names
    assert "applied_places" in str(spec) and "suggested_places" in str(spec)
