"""The read API: /api/v1/cases, /api/v1/cases/<slug>, /api/v1/municipalities/<key>."""

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.models import ModerationState, UseCase
from tests.helpers import record, write_jsonl


@pytest.fixture
def imported(runner, tmp_path):
    """Two known cases: one in Sachsen with adopters, one in Thüringen."""
    path = write_jsonl(tmp_path / "api.jsonl", [
        record("api-sachsen", title="KI-Chatbot für das Bürgeramt", topics=["Künstliche Intelligenz"],
               adopters=[{"municipality": "08421000", "status": "pilot", "note": "seit 2024"}, "Wien"],
               published="2030-01-02T10:00:00+00:00"),
        record("api-thueringen", municipality="Jena", status="pilot", topics=["Datenplattform"],
               published="2030-01-01T10:00:00+00:00"),
    ])
    result = runner.invoke(args=["import-cases", str(path)])
    assert result.exit_code == 0, result.output


def test_cases_are_listed_newest_first_with_documented_fields(client, imported):
    body = client.get("/api/v1/cases?per_page=2").get_json()
    assert [r["slug"] for r in body["results"]] == ["api-sachsen", "api-thueringen"]
    assert body["page"] == 1 and body["per_page"] == 2 and body["total"] >= 2
    first = body["results"][0]
    for key in ("slug", "title", "summary", "municipality", "topics", "status", "adopter_count", "updated"):
        assert key in first
    assert first["municipality"] == "Leipzig" and first["adopter_count"] == 2


def test_filters_by_topic_state_and_status(client, imported):
    by_state = client.get("/api/v1/cases?state=Thüringen&per_page=100").get_json()
    assert "api-thueringen" in {r["slug"] for r in by_state["results"]}
    assert all(r["state"] == "Thüringen" for r in by_state["results"])
    by_status = client.get("/api/v1/cases?status=pilot&topic=Datenplattform").get_json()
    assert {r["slug"] for r in by_status["results"]} >= {"api-thueringen"}
    assert all(r["status"] == "pilot" and "Datenplattform" in r["topics"] for r in by_status["results"])


@pytest.mark.parametrize("query, field", [
    ("per_page=101", "per_page"), ("per_page=0", "per_page"), ("page=abc", "page"), ("page=0", "page"),
])
def test_bad_paging_is_a_json_400(client, query, field):
    response = client.get(f"/api/v1/cases?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter" and field in error["message"]


def test_unknown_filter_value_is_a_json_400(client):
    response = client.get("/api/v1/cases?topic=Raumfahrt")
    assert response.status_code == 400
    assert "Raumfahrt" in response.get_json()["error"]["message"]


def test_case_detail_has_all_fields_and_adopters(client, imported):
    body = client.get("/api/v1/cases/api-sachsen").get_json()
    assert body["title"] == "KI-Chatbot für das Bürgeramt"
    assert body["description"].startswith("## Lösung")
    assert body["owner"]["key"] == "14713000" and body["owner"]["state"] == "Sachsen"
    adopters = {a["name"]: a for a in body["adopters"]}
    assert adopters["Ulm"] == adopters["Ulm"] | {"key": "08421000", "status": "pilot", "verified": False,
                                                 "note": "seit 2024"}
    assert adopters["Wien"]["key"] is None


def test_unknown_case_is_a_json_404(client):
    response = client.get("/api/v1/cases/gibt-es-nicht")
    assert response.status_code == 404
    assert response.is_json and response.get_json()["error"]["code"] == "not_found"


def test_unpublished_case_is_not_in_the_api(app, client, imported):
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == "api-thueringen"))
        case.moderation = ModerationState.SUBMITTED
        db.session.commit()
    assert client.get("/api/v1/cases/api-thueringen").status_code == 404
    slugs = {r["slug"] for r in client.get("/api/v1/cases?per_page=100").get_json()["results"]}
    assert "api-thueringen" not in slugs


def test_municipality_leipzig(client, imported):
    body = client.get("/api/v1/municipalities/14713000").get_json()
    assert body["name"] == "Leipzig" and body["official_name"] == "Leipzig, Stadt"
    assert body["state"] == "Sachsen" and body["population"] > 500_000
    assert "api-sachsen" in {c["slug"] for c in body["runs"]}


def test_municipality_shows_adopted_cases(client, imported):
    body = client.get("/api/v1/municipalities/08421000").get_json()
    assert body["name"] == "Ulm"
    adopted = {c["slug"]: c for c in body["adopted"]}
    assert adopted["api-sachsen"]["adoption"]["status"] == "pilot"


def test_kreis_key_is_a_municipality_record_too(client):
    body = client.get("/api/v1/municipalities/12063").get_json()
    assert body["kind"] == "kreis" and body["name"] == "Landkreis Havelland"


@pytest.mark.parametrize("key", ["99999999", "abc", "1471300"])
def test_unknown_municipality_is_a_json_404(client, key):
    response = client.get(f"/api/v1/municipalities/{key}")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_unknown_api_route_is_json(client):
    response = client.get("/api/v1/nichts")
    assert response.status_code == 404 and response.is_json
