"""import-cases: validation that names file, line and field; all-or-nothing; upsert; dry run."""

import json

from sqlalchemy import select

from kb.extensions import db
from kb.models import AdoptionSource, ModerationState, OrganisationKind, UseCase
from tests.helpers import case_count, record, write_jsonl


def _import(runner, *paths, dry_run=False):
    args = ["import-cases", *map(str, paths)] + (["--dry-run"] if dry_run else [])
    return runner.invoke(args=args)


def test_valid_file_is_imported_and_published(app, runner, tmp_path):
    path = write_jsonl(tmp_path / "cases.jsonl", [
        record("chatbot-test", adopters=["Dresden", {"municipality": "Landkreis Havelland", "status": "pilot",
                                                     "note": "Test im Bürgerbüro"}]),
    ])
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert "1 angelegt" in result.output
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == "chatbot-test"))
        assert case.moderation is ModerationState.PUBLISHED and case.published_at is not None
        assert case.owner.key == "14713000"
        adopters = {a.organisation.key: a for a in case.adoptions}
        assert set(adopters) == {"14612000", "12063"}
        assert adopters["12063"].status.value == "pilot"
        assert adopters["12063"].source is AdoptionSource.IMPORTED and not adopters["12063"].verified


def test_invalid_status_on_line_two_names_line_and_field_and_writes_nothing(app, runner, tmp_path):
    before = case_count(app)
    path = write_jsonl(tmp_path / "bad.jsonl", [record("gut-eins"), record("schlecht", status="fertig"),
                                                record("gut-zwei")])
    result = _import(runner, path)
    assert result.exit_code != 0
    assert "bad.jsonl, Zeile 2" in result.output
    assert "Feld „status“" in result.output and "fertig" in result.output
    assert case_count(app) == before


def test_unknown_key_is_an_error_naming_key_and_line(runner, tmp_path):
    path = write_jsonl(tmp_path / "k.jsonl", [record("a-b", budget="100 €")])
    result = _import(runner, path)
    assert result.exit_code != 0
    assert "Zeile 1" in result.output and "budget" in result.output


def test_unknown_topic_is_refused(runner, tmp_path):
    path = write_jsonl(tmp_path / "t.jsonl", [record("a-b", topics=["Raumfahrt"])])
    result = _import(runner, path)
    assert result.exit_code != 0
    assert "Feld „topics“" in result.output and "Raumfahrt" in result.output


def test_all_problems_are_reported_at_once(runner, tmp_path):
    path = write_jsonl(tmp_path / "many.jsonl", [record("Groß Buchstaben"), record("ok-1", title=""),
                                                 record("ok-2", started="Frühjahr 2020")])
    result = _import(runner, path)
    assert result.exit_code != 0
    for expected in ("Zeile 1, Feld „slug“", "Zeile 2, Feld „title“", "Zeile 3, Feld „started“"):
        assert expected in result.output


def test_ambiguous_municipality_lists_candidates_and_state_resolves_it(app, runner, tmp_path):
    ambiguous = write_jsonl(tmp_path / "a.jsonl", [record("neustadt-fall", municipality="Neustadt")])
    result = _import(runner, ambiguous)
    assert result.exit_code != 0
    assert "mehrdeutig" in result.output and "Neustadt an der Weinstraße" in result.output
    resolved = write_jsonl(tmp_path / "b.jsonl", [record("neustadt-fall", municipality="Neustadt an der Weinstraße",
                                                         state="Rheinland-Pfalz")])
    result = _import(runner, resolved)
    assert result.exit_code == 0, result.output
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == "neustadt-fall"))
        assert case.owner.key == "07316000"


def test_unmatched_adopter_is_kept_as_named_organisation(app, runner, tmp_path):
    path = write_jsonl(tmp_path / "w.jsonl", [record("wien-fall", adopters=["Wien", "Jena"])])
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert "Wien" in result.output  # a visible hint, not silence
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == "wien-fall"))
        names = {a.organisation.name: a.organisation for a in case.adoptions}
        assert names["Wien"].key is None and names["Wien"].kind is OrganisationKind.SONSTIGE
        assert names["Jena"].key == "16053000"


def test_organisation_owner_outside_registry(app, runner, tmp_path):
    data = record("civitas-test", municipality=None,
                  organisation={"name": "Civitas Connect e.V.", "uri": "https://civitasconnect.digital",
                                "kind": "verband"})
    result = _import(runner, write_jsonl(tmp_path / "o.jsonl", [data]))
    assert result.exit_code == 0, result.output
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == "civitas-test"))
        assert case.owner.kind is OrganisationKind.VERBAND and case.owner.key is None


def test_reimport_updates_by_slug_and_unchanged_is_reported(app, runner, tmp_path):
    path = write_jsonl(tmp_path / "u.jsonl", [record("upsert-fall", adopters=["Dresden"])])
    assert _import(runner, path).exit_code == 0
    again = _import(runner, path)
    assert "1 unverändert" in again.output
    write_jsonl(path, [record("upsert-fall", title="Neuer Titel", adopters=["Jena"])])
    changed = _import(runner, path)
    assert "1 aktualisiert" in changed.output, changed.output
    with app.app_context():
        cases = db.session.scalars(select(UseCase).where(UseCase.slug == "upsert-fall")).all()
        assert len(cases) == 1 and cases[0].title == "Neuer Titel"
        assert [a.organisation.name for a in cases[0].adoptions] == ["Jena"]


def test_dry_run_validates_but_writes_nothing(app, runner, tmp_path):
    before = case_count(app)
    result = _import(runner, write_jsonl(tmp_path / "d.jsonl", [record("trocken")]), dry_run=True)
    assert result.exit_code == 0 and "Probelauf" in result.output
    assert case_count(app) == before


def test_json_list_errors_name_the_line_of_the_element(runner, tmp_path):
    path = tmp_path / "list.json"
    path.write_text(json.dumps([record("eins"), record("zwei", status="kaputt")], indent=2), encoding="utf-8")
    result = _import(runner, path)
    assert result.exit_code != 0
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if '"slug": "zwei"' in text) - 1
    assert f"list.json, Zeile {line}, Feld „status“" in result.output


def test_malformed_json_line_is_named(runner, tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text(json.dumps(record("ok")) + "\n{kein json\n", encoding="utf-8")
    result = _import(runner, path)
    assert result.exit_code != 0 and "broken.jsonl, Zeile 2" in result.output


def test_duplicate_slug_in_one_import_is_refused(runner, tmp_path):
    result = _import(runner, write_jsonl(tmp_path / "dup.jsonl", [record("gleich"), record("gleich")]))
    assert result.exit_code != 0 and "mehrfach" in result.output


def test_missing_file_and_unknown_format_are_named(runner, tmp_path):
    result = _import(runner, tmp_path / "fehlt.jsonl")
    assert result.exit_code != 0 and "fehlt.jsonl" in result.output
    other = tmp_path / "cases.xml"
    other.write_text("<x/>")
    result = _import(runner, other)
    assert result.exit_code != 0 and "cases.xml" in result.output


def test_owner_listed_as_adopter_is_skipped(app, runner, tmp_path):
    result = _import(runner, write_jsonl(tmp_path / "s.jsonl", [record("selbst", adopters=["Leipzig"])]))
    assert result.exit_code == 0
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == "selbst"))
        assert case.adoptions == []
