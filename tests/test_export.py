"""export-cases and the round trip export → import into an empty instance."""

import csv
import io
import json

from kb import create_app
from kb.extensions import db
from kb.services import setup
from tests.dbprovision import dispose, settings


def test_export_jsonl_lists_every_published_case(runner, app, tmp_path):
    out = tmp_path / "export.jsonl"
    result = runner.invoke(args=["export-cases", "--format", "jsonl", "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    api_total = app.test_client().get("/api/v1/cases").get_json()["total"]
    assert len(lines) == api_total > 0
    first = json.loads(lines[0])
    assert {"slug", "title", "summary", "description", "topics", "status"} <= set(first)


def test_export_csv_has_header_and_one_row_per_case(runner, app):
    result = runner.invoke(args=["export-cases", "--format", "csv"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == app.test_client().get("/api/v1/cases").get_json()["total"]
    assert rows[0]["slug"] and rows[0]["municipality"]


def test_round_trip_into_empty_instance_reproduces_catalogue(runner, tmp_path):
    exported = tmp_path / "catalogue.jsonl"
    assert runner.invoke(args=["export-cases", "-o", str(exported)]).exit_code == 0
    empty_dir = tmp_path / "empty"
    other = create_app(settings(empty_dir, f"sqlite:///{empty_dir / 'kb.sqlite3'}"))
    with other.app_context():
        from flask_migrate import upgrade

        upgrade()
        setup.load_reference_data(db.session)
    other_runner = other.test_cli_runner()
    result = other_runner.invoke(args=["import-cases", str(exported)])
    assert result.exit_code == 0, result.output
    again = tmp_path / "again.jsonl"
    assert other_runner.invoke(args=["export-cases", "-o", str(again)]).exit_code == 0
    dispose(other)
    original = sorted(exported.read_text(encoding="utf-8").splitlines())
    reproduced = sorted(again.read_text(encoding="utf-8").splitlines())
    assert reproduced == original


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(runner, app, client, tmp_path):
    """Issue 19, item 10 (OWASP CSV injection): = + - @ tab and CR at the start get a leading apostrophe."""
    from tests.helpers import record, write_jsonl

    path = write_jsonl(tmp_path / "formeln.jsonl", [record(
        "formel-fall", title="=HYPERLINK(\"https://evil.example\",\"Klick\")", summary="+SUM(A1:A9)",
        adopters=[{"organisation": {"name": "@Gemeinde Formel"}}, "Dresden"], tags=["-1+2", "Tab"],
        contact={"name": "-Wagenrücklauf"}, costs="12.000 €")])
    assert runner.invoke(args=["import-cases", str(path)]).exit_code == 0
    exported = runner.invoke(args=["export-cases", "--format", "csv"]).stdout
    downloaded = client.get("/daten/praxisatlas-faelle.csv").get_data(as_text=True).lstrip("\ufeff")
    for text in (exported, downloaded):
        row = next(r for r in csv.DictReader(io.StringIO(text)) if r["slug"] == "formel-fall")
        assert row["title"] == "'=HYPERLINK(\"https://evil.example\",\"Klick\")"
        assert row["summary"] == "'+SUM(A1:A9)"
        assert row["adopters"] == "'@Gemeinde Formel; Dresden"
        assert row["tags"] == "'-1+2; Tab"
        assert row["contact_name"] == "'-Wagenrücklauf"
        assert row["costs"] == "12.000 €" and row["adopter_count"] == "2" and row["slug"] == "formel-fall"


def test_neutralise_covers_every_formula_start_and_leaves_other_cells():
    from kb.services.interchange.exporting import neutralise

    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(start + "1+1") == "'" + start + "1+1"
    assert [neutralise(v) for v in ("Ulm", "", 7, " =1", "a=b")] == ["Ulm", "", 7, " =1", "a=b"]
