"""The /daten page, the full downloads and the human-readable API documentation."""

import csv
import io
import json
import re

from kb.services.community.addresses import public_record
from tests.helpers import record, write_jsonl


def test_open_data_page_offers_downloads_licence_credit_feeds_and_api(client):
    response = client.get("/daten")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("<h1") == 1
    for href in ("/daten/praxisatlas-faelle.jsonl", "/daten/praxisatlas-faelle.csv",
                 "/daten/praxisatlas-software.publiccode.yml", "/feeds/cases.atom", "/daten/api",
                 "/api/v1/openapi.json", "https://creativecommons.org/licenses/by/4.0/deed.de",
                 "/daten/dcat.ttl", "/daten/dcat.jsonld", "/api/v1/changes?since=2025-01-01T00:00:00Z"):
        assert f'href="{href}' in page, href
    assert "DCAT-AP.de" in page and "GovData" in page
    assert "CC BY 4.0" in page and "Statistisches Bundesamt (Destatis)" in page and "dl-de/by-2-0" in page
    assert 'href="/feeds/cases.atom?topic=geodaten"' in page
    assert "style=" not in page and "<script>" not in page
    assert 'href="/daten"' in client.get("/").get_data(as_text=True)  # linked from the footer


def test_jsonl_download_is_the_published_catalogue_in_import_format(client, runner, tmp_path):
    path = write_jsonl(tmp_path / "dl.jsonl", [record("download-fall", title="Fall mit „Umlauten“")])
    assert runner.invoke(args=["import-cases", str(path)]).exit_code == 0
    response = client.get("/daten/praxisatlas-faelle.jsonl")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    records = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert len(records) == client.get("/api/v1/cases").get_json()["total"]
    mine = next(r for r in records if r["slug"] == "download-fall")
    assert mine["title"] == "Fall mit „Umlauten“" and mine["municipality"] == "14713000"
    # the same as the operator's export – except that no contact's e-mail address leaves the site
    cli = [json.loads(line) for line in runner.invoke(args=["export-cases", "--format", "jsonl"]).stdout.splitlines()]
    assert any("email" in (r.get("contact") or {}) for r in cli)
    assert sorted(map(json.dumps, map(public_record, cli))) == sorted(map(json.dumps, records))
    assert not re.search(r"[\w.+-]+@[\w-]+\.\w+", response.get_data(as_text=True))


def test_csv_download_has_a_header_and_one_row_per_case(client):
    response = client.get("/daten/praxisatlas-faelle.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == client.get("/api/v1/cases").get_json()["total"]
    assert rows[0]["slug"] and rows[0]["municipality"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_api_documentation_page_is_rendered_from_the_spec(client):
    page = client.get("/daten/api").get_data(as_text=True)
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in spec["paths"]:
        assert path in page
    for op in ("listCases", "getCase", "search", "submitCase", "declareAdoption"):
        assert f'id="{op}"' in page
    assert "429" in page and "Bearer" in page and page.count("<h1") == 1
    assert "cdn" not in page.lower() and "swagger" not in page.lower()
