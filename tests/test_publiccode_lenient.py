"""Strict and non-strict publiccode.yml import with real-shaped files (0.2, 0.3, 0.4, an unknown maintenance.type, a
missing releaseDate, the Italian ``it:`` section, foreign and company usedBy): strict refuses naming file, line and
field; --lenient imports the case with warnings at the same places."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.models import CaseStatus, UseCase
from tests.helpers import case_count

FILES = sorted((Path(__file__).parent / "data" / "publiccode-lenient").glob("*.publiccode.yml"))
PLACE = re.compile(r"(?P<file>\S+\.publiccode\.yml)(?:, Zeile (?P<line>\d+))?, Feld „(?P<field>[^“]+)“")


def places(output: str, marker: str) -> set[tuple[str, str | None, str]]:
    found = set()
    for line in output.splitlines():
        match = PLACE.search(line)
        if match and marker in line:
            found.add((Path(match["file"]).name, match["line"], match["field"]))
    return found


def import_files(runner, *args):
    return runner.invoke(args=["import-cases", *map(str, args)])


def load(app, title):
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.title == title))
        _ = case.owner, [a.organisation for a in case.adoptions]
        db.session.expunge_all()
        return case


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name.split(".")[0])
def test_strict_refuses_and_lenient_imports_with_warnings_at_the_same_places(runner, app, path):
    before = case_count(app)
    strict = import_files(runner, path)
    assert strict.exit_code == 1 and "Import abgelehnt" in strict.output
    errors = places(strict.output, "keine gültige publiccode.yml")
    assert errors and {file for file, _line, _field in errors} == {path.name}
    assert case_count(app) == before
    lenient = import_files(runner, "--lenient", path)
    assert lenient.exit_code == 0, lenient.output
    assert places(lenient.output, "Hinweis:") == errors
    assert case_count(app) == before + 1


def test_what_the_non_strict_reading_makes_of_the_deviations(runner, app):
    assert import_files(runner, "--lenient", *FILES).exit_code == 0
    commercial = load(app, "Protocollo Sanitario")  # 0.2, maintenance.type: commercial
    assert commercial.status is CaseStatus.IN_BETRIEB and commercial.started == "2022-03-01"
    undated = load(app, "Ratsinformation Offen")  # 0.3 without releaseDate
    assert undated.started is None and undated.owner.key == "16053000"
    dated = load(app, "Kita-Platzbörse")  # 0.4: "14.09.2023", "Stable", featureList, tags
    assert dated.started == "2023-09-14" and dated.status is CaseStatus.IN_BETRIEB
    assert "- Online-Voranmeldung" in dated.description and "kita" not in dated.tags
    italian = load(app, "Segnalazioni Città")  # it: with keys from before 0.2
    assert italian.owner.name == "Comune di Esempio" and "Italienisch" in italian.description
    foreign = load(app, "Pagamenti Comunali")  # usedBy: object entry, a company, foreign towns
    adopters = {a.organisation.name: a.organisation for a in foreign.adoptions}
    assert set(adopters) == {"Comune di Bari", "Comune di Lecce", "Bremen"}
    assert adopters["Comune di Bari"].kind.value == "ausland" and adopters["Bremen"].key == "04011000"


def test_what_stays_an_error_without_strictness(runner, app, tmp_path):
    text = next(p for p in FILES if p.name.startswith("v02")).read_text(encoding="utf-8")
    for old, new, field in (("name: Protocollo Sanitario\n", "", "name"),
                            ("developmentStatus: stable", "developmentStatus: fertig", "developmentStatus"),
                            ("publiccodeYmlVersion: '0.2'", "publiccodeYmlVersion: '1.0'", "publiccodeYmlVersion")):
        broken = tmp_path / f"{field}.publiccode.yml"
        assert old in text
        broken.write_text(text.replace(old, new, 1), encoding="utf-8")
        result = import_files(runner, "--lenient", broken)
        assert result.exit_code == 1, field
        assert f"Feld „{field}“" in result.output and str(broken) in result.output
