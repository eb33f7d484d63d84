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
