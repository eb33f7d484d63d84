"""The OpenAPI description matches the code: every route documented, real responses valid,
and a bounded schemathesis run finds no server error and no schema mismatch."""

import re

import jsonschema_rs
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers import record, write_jsonl

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


def spec_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule)


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def validator(spec: dict, name: str):
    """A JSON Schema validator for one component schema (refs resolve inside the spec)."""
    return jsonschema_rs.validator_for({"$ref": f"#/components/schemas/{name}", "components": spec["components"]})


def test_spec_is_openapi_3_and_lists_the_vocabularies(spec):
    assert spec["openapi"].startswith("3.1")
    assert spec["info"]["title"] and spec["servers"][0]["url"].startswith("http")
    topics = spec["components"]["parameters"]["topic"]["schema"]["items"]["enum"]
    assert "Bürgerservice" in topics and "buergerservice" in topics
    assert "Sachsen" in spec["components"]["parameters"]["state"]["schema"]["items"]["enum"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_every_api_route_is_documented_and_nothing_else(app, spec):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((spec_path(rule.rule), method.lower()))
    documented = {(path, method) for path, item in spec["paths"].items() for method in item
                  if method in ("get", "post", "put", "patch", "delete")}
    assert routes, "no API routes found"
    assert routes - documented == set(), "undocumented API routes"
    assert documented - routes == set(), "documented routes that do not exist"


@pytest.fixture
def sample(runner, tmp_path):
    path = write_jsonl(tmp_path / "oa.jsonl", [
        record("oa-fall", title="Digitale Bauakte", municipality="14713000", topics=["Verwaltungsdigitalisierung"],
               adopters=["Jena", {"municipality": "Unbekanntstadt am See", "status": "interessiert"}],
               contact={"name": "Bauamt", "email": "bau@example.org"}, links=["https://example.org/bau"],
               repository="https://github.com/example/bauakte", started="2021-03"),
    ])
    assert runner.invoke(args=["import-cases", str(path)]).exit_code == 0


CASES, CASE, PLACE, SEARCH = "/api/v1/cases", "/api/v1/cases/{slug}", "/api/v1/municipalities/{key}", "/api/v1/search"
CHANGES = "/api/v1/changes"


@pytest.mark.parametrize("url, path, schema", [
    ("/api/v1/cases?per_page=100", CASES, "CaseList"),
    ("/api/v1/cases?topic=Verwaltungsdigitalisierung&state=Sachsen&status=in_betrieb", CASES, "CaseList"),
    ("/api/v1/cases/oa-fall", CASE, "CaseDetail"),
    ("/api/v1/municipalities/14713000", PLACE, "Municipality"),
    ("/api/v1/municipalities/16053000", PLACE, "Municipality"),
    ("/api/v1/municipalities/14729", PLACE, "Municipality"),
    ("/api/v1/search?q=Bauakte", SEARCH, "SearchResponse"),
    ("/api/v1/search?q=chatbot&topic=K%C3%BCnstliche+Intelligenz&per_page=5", SEARCH, "SearchResponse"),
    ("/api/v1/search?q=Chatbott", SEARCH, "SearchResponse"),
    ("/api/v1/cases/gibt-es-nicht", CASE, "Error"),
    ("/api/v1/cases?page=0", CASES, "Error"),
    ("/api/v1/search?topic=Raumfahrt", SEARCH, "Error"),
    ("/api/v1/municipalities/99999999", PLACE, "Error"),
    ("/api/v1/cases?updated_since=2000-01-01T00:00:00Z&per_page=100", CASES, "CaseList"),
    ("/api/v1/cases?updated_since=gestern", CASES, "Error"),
    ("/api/v1/changes?since=2000-01-01", CHANGES, "ChangeList"),
    ("/api/v1/changes?per_page=5&page=2", CHANGES, "ChangeList"),
    ("/api/v1/changes?since=2000-13-01", CHANGES, "Error"),
])
def test_real_responses_match_the_documented_schemas(client, spec, sample, url, path, schema):
    response = client.get(url)
    assert response.is_json
    body = response.get_json()
    errors = [e.message for e in validator(spec, schema).iter_errors(body)]
    assert errors == [], f"{url}: {errors[:3]}"
    assert str(response.status_code) in spec["paths"][path]["get"]["responses"]
    if schema == "CaseDetail":
        assert body["adopters"] and any(a["key"] is None for a in body["adopters"])


def test_search_facets_and_paging_are_described(spec):
    search = spec["components"]["schemas"]["SearchResponse"]
    assert set(search["properties"]["facets"]["required"]) == {"topic", "state", "status", "size"}
    names = {p.get("name") or p["$ref"].split("/")[-1] for p in spec["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert {"q", "page", "per_page", "topic", "state", "status", "size"} <= names


@pytest.mark.slow  # long: runs once, in the SQLite pass of make test
def test_schemathesis_finds_no_server_error_and_no_schema_mismatch(app, sample):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:
        examples = 60 if operation.method.upper() == "GET" else 25

        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(checks=CHECKS)

        check()
