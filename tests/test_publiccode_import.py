"""publiccode.yml import: real files, usedBy resolution, re-import, refusals naming file and reason."""

from pathlib import Path

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.models import AdoptionStatus, CaseStatus, ModerationState, UseCase
from tests.helpers import case_count

REAL = Path(__file__).parent / "data" / "publiccode"
GERMAN = Path(__file__).parent / "data" / "publiccode-de" / "maengelmelder.publiccode.yml"
REAL_FILES = sorted(REAL.glob("*.publiccode.yml"))


def load_case(app, slug: str) -> UseCase:
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == slug))
        assert case is not None, slug
        _ = case.topics, [a.organisation.municipality for a in case.adoptions], case.owner.land
        db.session.expunge_all()
        return case


def import_files(runner, *paths):
    return runner.invoke(args=["import-cases", *map(str, paths)])


def test_the_four_real_files_import_as_published_cases(runner, app):
    assert len(REAL_FILES) == 4
    before = case_count(app)
    result = import_files(runner, *REAL_FILES)
    assert result.exit_code == 0, result.output
    assert case_count(app) == before + 4
    signalen = load_case(app, "signalen-frontend")
    assert signalen.title == "Signalen frontend"
    assert signalen.summary.startswith("Signalen is an open source process")  # no German: English
    assert "## Funktionen" in signalen.description and "- Notification routing" in signalen.description
    assert signalen.repository == "https://github.com/Amsterdam/signals-frontend"
    assert {"title": "Projektseite", "url": "https://signalen.org/"} in signalen.links
    assert signalen.license == "MPL-2.0" and signalen.status is CaseStatus.IN_BETRIEB
    assert signalen.moderation is ModerationState.PUBLISHED
    assert {a.organisation.name for a in signalen.adoptions} == {"Gemeente Amsterdam", "Gemeente 's-Hertogenbosch"}
    assert all(a.organisation.key is None for a in signalen.adoptions)
    assert [t.name for t in signalen.topics] and all(t.name for t in signalen.topics)


def test_italian_file_uses_italian_text_and_maps_categories_to_topics(runner, app):
    assert import_files(runner, REAL / "CSTSistemiSUD__GeoCity.publiccode.yml").exit_code == 0
    geocity = load_case(app, "geocity-cst-sistemi-sud-s-r-l")
    assert "Sito istituzionale" in geocity.summary
    assert "Geodaten" in {t.name for t in geocity.topics}
    assert "Italienisch" in geocity.description
    assert geocity.owner.name == "CST Sistemi Sud S.r.l." and geocity.owner.kind.value == "ausland"
    assert len(geocity.adoptions) == 7  # the owner itself is not its own adopter


def test_german_file_with_34_towns_yields_34_adopters_mostly_from_the_registry(runner, app):
    result = import_files(runner, GERMAN)
    assert result.exit_code == 0, result.output
    case = load_case(app, "maerkischer-maengelmelder-stadt-bad-belzig")
    assert case.owner.key == "12069020"  # "Stadt Bad Belzig" resolved to the registry
    adopters = {a.organisation.name: a.organisation.key for a in case.adoptions}
    assert len(case.adoptions) == 34
    matched = [key for key in adopters.values() if key]
    assert len(matched) >= 28
    assert adopters["Frankfurt (Oder)"] == "12053000"
    assert adopters["Storkow (Mark)"] == "12067481"
    assert adopters["Landkreis Havelland"] == "12063"
    assert adopters["Hamburg"] == "02000000" and adopters["Landkreis Leipzig"] == "14729"
    assert adopters["Amt Beetzsee"] is None  # kept as a named organisation, not dropped
    assert all(a.status is AdoptionStatus.IN_BETRIEB for a in case.adoptions)
    assert "Amt Beetzsee" in result.output  # the warning names the unmatched entry
    assert case.summary.startswith("Bürgerinnen und Bürger melden")  # German preferred over English
    assert case.started == "2023-09-14" and "Version 2.3.1" in case.description
    assert {t.name for t in case.topics} >= {"Bürgerbeteiligung"}


def test_reimport_changes_nothing(runner, app):
    files = [*REAL_FILES, GERMAN]
    assert import_files(runner, *files).exit_code == 0
    count = case_count(app)
    with app.app_context():
        versions = dict(db.session.execute(select(UseCase.slug, UseCase.lock_version)).all())
    again = import_files(runner, *files)
    assert again.exit_code == 0, again.output
    assert "0 angelegt, 0 aktualisiert, 5 unverändert" in again.output
    assert case_count(app) == count
    with app.app_context():
        assert dict(db.session.execute(select(UseCase.slug, UseCase.lock_version)).all()) == versions


def test_renamed_project_updates_the_case_of_the_same_repository(runner, app, tmp_path):
    assert import_files(runner, REAL / "comunedibari__lamiacitta.publiccode.yml").exit_code == 0
    count = case_count(app)
    renamed = tmp_path / "publiccode.yml"
    text = (REAL / "comunedibari__lamiacitta.publiccode.yml").read_text(encoding="utf-8")
    renamed.write_text(text.replace("name: La Mia Città", "name: La Mia Città Sociale"), encoding="utf-8")
    result = import_files(runner, renamed)
    assert result.exit_code == 0, result.output
    assert case_count(app) == count
    assert load_case(app, "la-mia-citta-italienische-verwaltung-ipa-code-c-a662").title == "La Mia Città Sociale"


def broken_copy(tmp_path, name: str, old: str, new: str) -> Path:
    text = (REAL / name).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("name, old, new, expected", [
    ("Amsterdam__signals-frontend.publiccode.yml", "platforms:\n  - web", "platforms:\n\t- web", "Tabulator"),
    ("Amsterdam__signals-frontend.publiccode.yml", "name: Signalen frontend", "name: 'Signalen frontend",
     "Kein gültiges YAML"),
    ("Azienda-USL-di-Bologna__babel.publiccode.yml", "  license: EUPL-1.2\n", "", "legal.license"),
    ("CSTSistemiSUD__GeoCity.publiccode.yml", "developmentStatus: stable", "developmentStatus: done",
     "developmentStatus"),
    ("comunedibari__lamiacitta.publiccode.yml", "localisation:\n  localisationReady: no\n  availableLanguages:\n"
     "    - it\n", "", "localisation"),
    ("comunedibari__lamiacitta.publiccode.yml", 'publiccodeYmlVersion: "0.2"', 'publiccodeYmlVersion: "0.1"',
     "nicht unterstützt"),
    ("Amsterdam__signals-frontend.publiccode.yml", "releaseDate: '2021-05-20'\n", "", "releaseDate"),
    ("Amsterdam__signals-frontend.publiccode.yml", "  contacts:\n    - name: Amy van Someren\n", "  people:\n"
     "    - name: Amy van Someren\n", "maintenance.contacts"),
    ("Amsterdam__signals-frontend.publiccode.yml", "landingURL:", "name: Doppelt\nlandingURL:", "doppelt"),
])
def test_malformed_real_files_are_refused_whole_with_name_and_reason(runner, app, tmp_path, name, old, new, expected):
    broken = broken_copy(tmp_path, name, old, new)
    good = REAL / "comunedibari__lamiacitta.publiccode.yml"
    before = case_count(app)
    result = import_files(runner, good, broken)
    assert result.exit_code != 0
    assert str(broken) in result.output and expected in result.output
    assert case_count(app) == before  # all or nothing: the good file is not written either


def test_tab_and_syntax_errors_name_the_line(runner, tmp_path):
    broken = broken_copy(tmp_path, "Amsterdam__signals-frontend.publiccode.yml", "platforms:\n  - web",
                         "platforms:\n\t- web")
    result = import_files(runner, broken)
    assert f"{broken}, Zeile 8" in result.output


def test_missing_description_parts_are_named(runner, tmp_path):
    path = tmp_path / "kaputt.publiccode.yml"
    path.write_text(
        "publiccodeYmlVersion: '0.4'\nname: X\nurl: https://example.org/x.git\nplatforms: [web]\n"
        "categories: [survey]\ndevelopmentStatus: beta\nsoftwareType: library\n"
        "description:\n  de:\n    shortDescription: Kurz.\n"
        "legal:\n  license: MIT\nmaintenance:\n  type: none\n"
        "localisation:\n  localisationReady: false\n  availableLanguages: [de]\n",
        encoding="utf-8")
    result = import_files(runner, path)
    assert result.exit_code != 0
    assert "longDescription" in result.output and "features" in result.output
    assert "kaputt.publiccode.yml, Zeile 9" in result.output


@pytest.mark.parametrize("text, expected", [
    ("", "leer"),
    ("- a\n- b\n", "Zuordnung"),
    ("a: 1\n---\nb: 2\n", "mehrere YAML-Dokumente"),
    ("name: nur ein Name\n", "publiccodeYmlVersion"),
])
def test_files_that_are_not_publiccode_are_refused(runner, tmp_path, text, expected):
    path = tmp_path / "publiccode.yml"
    path.write_text(text, encoding="utf-8")
    result = import_files(runner, path)
    assert result.exit_code != 0
    assert str(path) in result.output and expected in result.output


def test_dry_run_of_publiccode_writes_nothing(runner, app):
    before = case_count(app)
    result = runner.invoke(args=["import-cases", "--dry-run", str(GERMAN)])
    assert result.exit_code == 0, result.output
    assert "Probelauf" in result.output and case_count(app) == before
