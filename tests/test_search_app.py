"""Search through the app: German behaviours over HTTP, facets, paging, page and API contract."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.models import Land, ModerationState, Organisation, UseCase
from tests.helpers import record, write_jsonl


def api(client, **params):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def slugs(data) -> list[str]:
    return [hit["slug"] for hit in data["results"]]


def strong(data) -> list[str]:
    """The hits above the relevance floor (the weaker ones follow them)."""
    return [hit["slug"] for hit in data["results"] if not hit["weaker"]]


# ------------------------------------------------------------ German behaviours


@pytest.mark.parametrize(("query", "expected", "top"), [
    ("Chatbots", {"leipzig-ki-chatbot-buergerservice", "behoerdennummer-115-ki-chatbot"}, 2),  # plural
    ("Radweg", {"dortmund-geodaten-radwegeplanung-solarpotenzial"}, 1),  # part of "Radwegeplanung"
    ("Hochwasser Warnung", {"langgoens-hochwasser-fruehwarnsystem"}, 1),  # "Frühwarnsystem"
    ("Sehbehinderung", {"kaiserslautern-lotsensystem-sehbehinderung"}, 1),
    ("KI", {"leipzig-ki-fuchs-wissensmanagement"}, 5),  # abbreviation of "Künstliche Intelligenz"
])
def test_german_queries_find_the_right_cases(client, query, expected, top):
    data = api(client, q=query)
    assert expected <= set(slugs(data)[:top]), slugs(data)
    assert data["query"] == query and data["total"] >= len(expected)


def test_umlaut_free_spelling_finds_the_same_cases(client):
    for folded, written in (("Buergerbeteiligung", "Bürgerbeteiligung"), ("OEPNV", "ÖPNV")):
        assert slugs(api(client, q=folded, per_page=20)) == slugs(api(client, q=written, per_page=20))
        assert api(client, q=folded)["total"] > 0


def test_public_transport_abbreviation_finds_transport_cases(client):
    found = set(slugs(api(client, q="ÖPNV", per_page=20)))
    assert {"kelheim-kelride-autonome-shuttles", "st-wendel-flitsaar-rufbus"} <= found


def test_typo_gets_a_suggestion_and_still_finds_cases(client):
    data = api(client, q="Digitalisierng")
    assert data["suggestion"] == "Digitalisierung"
    assert data["total"] > 0
    assert api(client, q="Digitalisierung")["suggestion"] is None


def test_place_query_finds_the_cases_of_that_land(client, app):
    with app.app_context():
        saxon = set(db.session.scalars(
            select(UseCase.slug).join(Organisation, UseCase.owner_id == Organisation.id)
            .join(Land, Land.code == Organisation.land_code)
            .where(Land.name == "Sachsen", UseCase.moderation == ModerationState.PUBLISHED)))
    data = api(client, q="Projekte in Sachsen", per_page=50)
    assert saxon and saxon <= set(slugs(data))
    assert set(slugs(data)[: len(saxon)]) == saxon  # the Land's own cases first


# ------------------------------------------------------------ facets and paging


def test_facet_counts_are_disjunctive(client):
    unfiltered = api(client, q="Daten")
    topic, count = next(iter(unfiltered["facets"]["topic"].items()))
    filtered = api(client, q="Daten", topic=topic, per_page=50)
    assert filtered["total"] == count
    # the topic facet still offers the other topics with their unfiltered counts ...
    assert filtered["facets"]["topic"] == unfiltered["facets"]["topic"]
    # ... while the other facets count only within the chosen topic
    assert sum(filtered["facets"]["status"].values()) == count
    assert sum(filtered["facets"]["status"].values()) < sum(unfiltered["facets"]["status"].values())


def test_filters_are_or_within_and_and_across_facets(client):
    both = api(client, status=["pilot", "eingestellt"], per_page=100)
    pilot = api(client, status="pilot")["total"]
    ended = api(client, status="eingestellt")["total"]
    assert both["total"] == pilot + ended
    state = next(iter(both["facets"]["state"]))
    narrowed = api(client, status=["pilot", "eingestellt"], state=state, per_page=100)
    assert 0 < narrowed["total"] <= both["total"]
    assert narrowed["total"] == both["facets"]["state"][state]


def test_filters_accept_slugs_codes_and_any_case(client):
    by_name = api(client, q="Daten", topic="Geodaten", state="Sachsen", per_page=50)
    assert by_name["total"] > 0
    for variant in ({"topic": "geodaten", "state": "14"}, {"topic": "GEODATEN", "state": "sachsen"}):
        other = api(client, q="Daten", per_page=50, **variant)
        assert slugs(other) == slugs(by_name) and other["total"] == by_name["total"]


def test_paging_walks_through_all_hits_in_rank_order(client):
    everything = api(client, q="Daten", per_page=100)
    pages = [api(client, q="Daten", per_page=5, page=n) for n in (1, 2, 3)]
    assert [p["page"] for p in pages] == [1, 2, 3] and {p["total"] for p in pages} == {everything["total"]}
    assert sum((slugs(p) for p in pages), []) == slugs(everything)[:15]
    scores = [hit["score"] for hit in everything["results"]]
    assert scores == sorted(scores, reverse=True)
    beyond = api(client, q="Daten", per_page=5, page=99)
    assert beyond["results"] == [] and beyond["total"] == everything["total"]


def test_sort_by_adoption_and_newest(client, app):
    by_adoption = api(client, q="Daten", sort="adoption", per_page=100)["results"]
    with app.app_context():
        cases = {c.slug: c for c in db.session.scalars(select(UseCase))}
        counts = [len(cases[h["slug"]].user_adoptions) for h in by_adoption]
        assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
        newest = [cases[h["slug"]].published_at for h in api(client, q="Daten", sort="newest", per_page=100)["results"]]
        assert newest == sorted(newest, reverse=True)


def test_api_result_shape_and_sanitised_highlights(client):
    data = api(client, q="Chatbot")
    assert set(data) >= {"query", "total", "page", "per_page", "results", "facets", "suggestion"}
    assert set(data["facets"]) == {"topic", "state", "status", "size"}
    hit = data["results"][0]
    assert set(hit) >= {"slug", "title", "summary", "municipality", "score", "highlights"}
    marked = " ".join(hit["highlights"].values())
    assert "<mark>" in marked
    assert not re.search(r"<(?!/?mark>)", marked)  # nothing but <mark> survives


@pytest.mark.parametrize("params", [
    {"page": "zwei"}, {"page": "0"}, {"per_page": "1000"}, {"sort": "beliebt"}, {"topic": "Raumfahrt"},
    {"q": "x" * 201},
])
def test_api_rejects_bad_parameters_with_json(client, params):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] and error["message"]


# ------------------------------------------------------------ the search page


def test_search_page_shows_hits_facets_highlights_and_suggestion(client):
    html = client.get("/search", query_string={"q": "Chatbots"}).get_data(as_text=True)
    assert "Suche nach „Chatbots“" in html and "Lösungen gefunden" in html
    assert "<mark>" in html
    assert 'name="topic" value="Künstliche Intelligenz"' in html  # facet checkbox
    assert html.count("<h1") == 1
    typo = client.get("/search", query_string={"q": "Digitalisierng"}).get_data(as_text=True)
    assert "Ergebnisse für „Digitalisierung“" in typo and "correct=0" in typo


def test_active_filter_is_visible_and_removable(client):
    html = client.get("/search", query_string={"q": "Daten", "topic": "Geodaten", "status": "pilot"}).get_data(
        as_text=True)
    assert "Aktive Filter" in html
    chips = re.findall(r'<a class="chip" href="([^"]+)"', html)
    assert len(chips) == 2
    without_topic = next(c for c in chips if "topic=" not in c)
    assert "status=pilot" in without_topic and "q=Daten" in without_topic
    assert client.get(without_topic.replace("&amp;", "&")).status_code == 200


def test_search_page_sort_control_changes_the_order(client):
    html = client.get("/search", query_string={"q": "Daten", "sort": "adoption"}).get_data(as_text=True)
    assert '<option value="adoption" selected>' in html
    relevance = client.get("/search", query_string={"q": "Daten"}).get_data(as_text=True)
    titles = re.compile(r'case-card__title"><a class="kern-link kern-link--stretched" href="/cases/([^"]+)"')
    assert titles.findall(html) != titles.findall(relevance)


@pytest.mark.parametrize(("params", "message"), [
    ({"page": "abc"}, "ganze Zahl"), ({"per_page": "0"}, "zwischen"), ({"sort": "zufall"}, "Sortierung"),
    ({"status": "fertig"}, "Unbekannter Filterwert"),
])
def test_search_page_bad_parameters_are_a_400_with_message(client, params, message):
    response = client.get("/search", query_string=params)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "Die Suche konnte nicht ausgeführt werden" in html


def test_empty_result_explains_what_to_do(client):
    response = client.get("/search", query_string={"q": "Quxzwieback"})
    assert response.status_code == 200
    assert "Keine passende Lösung gefunden" in response.get_data(as_text=True)


def test_header_and_start_page_search_land_on_the_search_page(client):
    for page in ("/", "/cases"):
        html = client.get(page).get_data(as_text=True)
        assert re.search(r'<form[^>]+role="search"[^>]+action="/search"', html), page


# ------------------------------------------------------------ the index follows the database


def test_imported_case_is_found_at_once_and_updates_on_reimport(client, runner, tmp_path):
    path = write_jsonl(tmp_path / "neu.jsonl", [record(
        "zwiebelturm-sensorik", title="Zwiebelturmsensorik im Glockenstuhl",
        summary="Messwerte aus dem Kirchturm.", municipality="Stadt Ulm")])
    assert runner.invoke(args=["import-cases", str(path)]).exit_code == 0
    assert strong(api(client, q="Zwiebelturm")) == ["zwiebelturm-sensorik"]
    write_jsonl(path, [record("zwiebelturm-sensorik", title="Kirchturmsensorik im Glockenstuhl",
                              summary="Messwerte aus dem Kirchturm.", municipality="Stadt Ulm")])
    assert runner.invoke(args=["import-cases", str(path)]).exit_code == 0
    assert api(client, q="Zwiebelturm")["strong_total"] == 0
    assert slugs(api(client, q="Kirchturmsensorik"))[0] == "zwiebelturm-sensorik"


def test_search_page_has_one_search_box_and_other_pages_keep_the_header_one(client):
    html = client.get("/search", query_string={"q": "Chatbot"}).get_data(as_text=True)
    assert len(re.findall(r'<form[^>]+role="search"', html)) == 1
    assert 'id="site-search-q"' not in html and 'value="Chatbot"' in html
    for page in ("/cases", "/statistik", "/bedarfe"):
        assert 'id="site-search-q"' in client.get(page).get_data(as_text=True), page
