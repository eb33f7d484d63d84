"""Structured re-use facts (reuse_path, operator, hosting, costs, funding, effort): import, export,
API, form; bad numbers are refused with a field error; files without the facts still import."""

from __future__ import annotations

import json
import re

from kb.extensions import db
from kb.models import UseCase
from kb.services.catalog import listing as catalog
from kb.services.interchange import exporting
from tests.helpers import case_count, record, write_jsonl

FACTS = {
    "reuse_path": [{"kind": "open_source", "note": "EUPL-1.2, Code auf Open CoDE", "link": "https://example.org/code"},
                   {"kind": "inhouse"}],
    "operator": {"kind": "it_service_provider", "name": "Lecos GmbH"},
    "hosting": "it_service_provider",
    "costs_once_eur": 0,
    "costs_yearly_eur": 12000,
    "funding": "Modellprojekte Smart Cities (BMWSB)",
    "effort_person_days": 20,
}


def test_import_export_round_trip_keeps_every_fact(app, runner, tmp_path):
    data = record("fakten-rundreise", **FACTS, adopters=[
        {"municipality": "Stadt Ulm", "status": "pilot", "since": "2024-05", "confirmed": "2025-09"}])
    result = runner.invoke(args=["import-cases", str(write_jsonl(tmp_path / "in.jsonl", [data]))])
    assert result.exit_code == 0, result.output
    out = tmp_path / "out.jsonl"
    assert runner.invoke(args=["export-cases", "--format", "jsonl", "-o", str(out)]).exit_code == 0
    exported = next(r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())
                    if r["slug"] == "fakten-rundreise")
    assert {key: exported[key] for key in FACTS} == FACTS  # 0 € is a fact, not a gap
    assert exported["adopters"] == [{"municipality": "08421000", "status": "pilot", "since": "2024-05",
                                     "confirmed": "2025-09-01"}]
    again = runner.invoke(args=["import-cases", str(write_jsonl(tmp_path / "again.jsonl", [exported]))])
    assert again.exit_code == 0 and "1 unverändert" in again.output, again.output


def test_old_records_without_facts_still_import(app, client, runner, tmp_path):
    data = record("ohne-fakten")
    assert runner.invoke(args=["import-cases", str(write_jsonl(tmp_path / "alt.jsonl", [data]))]).exit_code == 0
    assert client.get("/cases/ohne-fakten").status_code == 200
    detail = client.get("/api/v1/cases/ohne-fakten").get_json()
    assert detail["reuse_path"] == [] and detail["costs_once_eur"] is None and detail["operator"] is None


def test_bad_facts_refuse_the_whole_import_naming_file_line_and_field(app, runner, tmp_path):
    before = case_count(app)
    good = record("gute-fakten", **FACTS)
    bad = record("schlechte-fakten", costs_once_eur=-1, costs_yearly_eur=10**12, effort_person_days=2.5,
                 hosting="mond", reuse_path=["teleport", {"kind": "efa", "link": "javascript:alert(1)"}],
                 operator={"kind": "zauberer"})
    path = write_jsonl(tmp_path / "mix.jsonl", [good, bad])
    result = runner.invoke(args=["import-cases", str(path)])
    assert result.exit_code != 0
    for field, words in [("costs_once_eur", "nicht negativ"), ("costs_yearly_eur", "Unplausibel hoch"),
                         ("effort_person_days", "ganze Zahl"), ("hosting", "on_premise"),
                         ("reuse_path[1].kind", "open_source"), ("reuse_path[2].link", "http(s)"),
                         ("operator.kind", "it_service_provider")]:
        assert f"mix.jsonl, Zeile 2, Feld „{field}“" in result.output and words in result.output, (field, result.output)
    assert case_count(app) == before


def test_api_refuses_negative_costs_with_the_field(client, runner):
    from tests.test_api_write import auth, make_token, submission

    token = make_token(runner, "Stadt Jena")
    response = client.post("/api/v1/cases", json=submission(costs_yearly_eur=-500), headers=auth(token))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == "costs_yearly_eur" and "negativ" in error["message"]
    ok = client.post("/api/v1/cases", json=submission(**FACTS), headers=auth(token))
    assert ok.status_code == 202, ok.get_json()


def test_api_detail_shows_the_facts(app, client, runner, tmp_path):
    data = record("fakten-seite", **FACTS, license="EUPL-1.2", contact={"name": "Amt für Digitales"})
    assert runner.invoke(args=["import-cases", str(write_jsonl(tmp_path / "f.jsonl", [data]))]).exit_code == 0
    detail = client.get("/api/v1/cases/fakten-seite").get_json()
    assert {key: detail[key] for key in FACTS} == FACTS
    with app.app_context():
        case = catalog.get_published(db.session, "fakten-seite")
        assert exporting.case_record(case)["reuse_path"][1] == {"kind": "inhouse"}
        assert exporting.csv_row(case)["reuse_path"] == "open_source; inhouse"


def test_the_form_saves_and_shows_the_facts_again(app, client, make_user, login):
    from tests.test_submissions import COMPLETE

    _user_id, email, password = make_user("contributor", municipality="08421000")
    login(email, password)
    form = COMPLETE | {"action": "save", "operator_kind": "it_service_provider", "operator_name": "Lecos GmbH",
                       "hosting": "cloud", "costs_once_eur": "25.000", "costs_yearly_eur": "0",
                       "effort_person_days": "20", "funding": "Modellprojekte Smart Cities",
                       "reuse_open_source": "y", "reuse_open_source_link": "https://example.org/code",
                       "reuse_inhouse": "y", "reuse_inhouse_note": "über den Zweckverband"}
    assert client.post("/cases/new", data=form).status_code == 303
    with app.app_context():
        case = db.session.scalar(db.select(UseCase).where(UseCase.title == COMPLETE["title"]))
        assert {key: exporting.case_record(case).get(key) for key in FACTS} == {
            "reuse_path": [{"kind": "open_source", "link": "https://example.org/code"},
                           {"kind": "inhouse", "note": "über den Zweckverband"}],
            "operator": {"kind": "it_service_provider", "name": "Lecos GmbH"}, "hosting": "cloud",
            "costs_once_eur": 25000, "costs_yearly_eur": 0, "funding": "Modellprojekte Smart Cities",
            "effort_person_days": 20}
        slug = case.slug
    html = client.get(f"/cases/{slug}/edit").get_data(as_text=True)
    for name, value in (("costs_once_eur", "25000"), ("costs_yearly_eur", "0"), ("reuse_inhouse_note",
                                                                                 "über den Zweckverband")):
        assert re.search(rf'name="{name}"[^>]*value="{value}"', html), name
    assert re.search(r'<input checked[^>]*name="reuse_open_source"', html)
    assert re.search(r'<option selected value="cloud">|<option value="cloud" selected', html)


def test_imported_adoptions_date_from_their_data_and_are_not_confirmed_by_the_import(app, client, runner, tmp_path):
    data = record("alte-nutzung", adopters=[
        {"municipality": "Stadt Ulm", "since": "2019-03"},
        {"municipality": "Stadt Jena", "since": "2019-03", "confirmed": "2099-01"},
        {"municipality": "Stadt Halle (Saale)"}], published="2020-06-01")
    assert runner.invoke(args=["import-cases", str(write_jsonl(tmp_path / "a.jsonl", [data]))]).exit_code == 0
    adopters = {a["name"]: a for a in client.get("/api/v1/cases/alte-nutzung").get_json()["adopters"]}
    assert adopters["Ulm"]["stale"] is True
    assert adopters["Jena"]["stale"] is False
    assert adopters["Halle (Saale)"]["stale"] is True  # dated by the record's publication, not the import run
    with app.app_context():
        case = catalog.get_published(db.session, "alte-nutzung")
        dates = {a.organisation.name: a.created_at.date().isoformat() for a in case.adoptions}
    assert dates == {"Ulm": "2019-03-01", "Jena": "2019-03-01", "Halle (Saale)": "2020-06-01"}
