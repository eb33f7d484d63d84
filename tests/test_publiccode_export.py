"""publiccode.yml export: CLI stream and directory, the per-case download, round trip."""

from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from kb.extensions import db
from kb.models import UseCase
from tests.helpers import record, write_jsonl

MANDATORY = ("publiccodeYmlVersion", "name", "url", "platforms", "categories", "developmentStatus",
             "softwareType", "description", "legal", "maintenance", "localisation")
GERMAN = Path(__file__).parent / "data" / "publiccode-de" / "maengelmelder.publiccode.yml"


@pytest.fixture
def software(runner, tmp_path):
    """A software case with a repository and two adopters, and one case without repository."""
    path = write_jsonl(tmp_path / "sw.jsonl", [
        record("ulm-ratsinfo", title="Ratsinformationssystem <Ulm> & Co", municipality="08421000",
               repository="https://github.com/example/ratsinfo", license="EUPL-1.2", status="pilot",
               topics=["Verwaltungsdigitalisierung", "Bürgerbeteiligung"], tags=["Gremien", "Sitzungen"],
               adopters=["Stadt Leipzig", {"municipality": "Jena", "status": "pilot"}, "Verein Offene Kommune"],
               contact={"name": "Digitalisierungsteam", "email": "digital@ulm.example"}),
        record("leipzig-ohne-code", municipality="Leipzig"),
    ])
    result = runner.invoke(args=["import-cases", str(path)])
    assert result.exit_code == 0, result.output


def assert_mandatory(document: dict) -> None:
    for key in MANDATORY:
        assert document.get(key), key
    assert document["publiccodeYmlVersion"] >= "0.4"
    assert document["legal"]["license"]
    assert document["maintenance"]["type"] in ("internal", "contract", "community", "none")
    assert isinstance(document["localisation"]["localisationReady"], bool)
    assert document["localisation"]["availableLanguages"]
    text = document["description"]["de"]
    assert text["shortDescription"] and len(text["shortDescription"]) <= 150
    assert 150 <= len(text["longDescription"]) <= 10_000 and text["features"]


def test_export_stream_has_one_valid_document_per_software_case(runner, software, app):
    result = runner.invoke(args=["export-cases", "--format", "publiccode"])
    assert result.exit_code == 0, result.output
    documents = list(yaml.safe_load_all(result.stdout))
    with app.app_context():
        expected = db.session.scalar(select(func.count()).where(UseCase.repository.is_not(None),
                                                                UseCase.moderation == "published"))
    assert len(documents) == expected >= 1
    ulm = next(d for d in documents if d["url"] == "https://github.com/example/ratsinfo")
    assert_mandatory(ulm)
    assert ulm["name"] == "Ratsinformationssystem <Ulm> & Co"
    assert ulm["developmentStatus"] == "beta"
    assert set(ulm["usedBy"]) == {"Leipzig", "Jena", "Verein Offene Kommune"}
    assert ulm["legal"] == {"license": "EUPL-1.2", "mainCopyrightOwner": "Ulm"}
    assert ulm["maintenance"]["contacts"][0]["name"] == "Digitalisierungsteam"
    assert "business-process-management" in ulm["categories"]
    assert not any(d["url"] is None for d in documents)


def test_export_into_a_directory_writes_one_file_per_case(runner, software, tmp_path):
    folder = tmp_path / "pc"
    folder.mkdir()
    result = runner.invoke(args=["export-cases", "--format", "publiccode", "-o", str(folder)])
    assert result.exit_code == 0, result.output
    document = yaml.safe_load((folder / "ulm-ratsinfo.publiccode.yml").read_text(encoding="utf-8"))
    assert_mandatory(document)
    assert not (folder / "leipzig-ohne-code.publiccode.yml").exists()


def test_round_trip_export_then_reimport_finds_the_same_case(runner, software, app, tmp_path):
    out = tmp_path / "ulm.publiccode.yml"
    assert runner.invoke(args=["export-cases", "--format", "publiccode", "-o", str(tmp_path)]).exit_code == 0
    (tmp_path / "ulm-ratsinfo.publiccode.yml").rename(out)
    with app.app_context():
        before = db.session.scalar(select(func.count(UseCase.id)))
    result = runner.invoke(args=["import-cases", str(out)])
    assert result.exit_code == 0, result.output
    assert "0 angelegt" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(UseCase.id))) == before
        case = db.session.scalar(select(UseCase).where(UseCase.slug == "ulm-ratsinfo"))
        assert case.owner.key == "08421000"
        assert {a.organisation.name for a in case.adoptions} >= {"Leipzig", "Jena", "Verein Offene Kommune"}


def test_case_page_offers_publiccode_only_for_software(client, software):
    page = client.get("/cases/ulm-ratsinfo").get_data(as_text=True)
    assert 'href="/cases/ulm-ratsinfo/publiccode.yml"' in page
    other = client.get("/cases/leipzig-ohne-code").get_data(as_text=True)
    assert "publiccode.yml" not in other
    assert client.get("/cases/leipzig-ohne-code/publiccode.yml").status_code == 404
    assert client.get("/cases/gibt-es-nicht/publiccode.yml").status_code == 404


def test_download_is_valid_yaml_with_landing_page_and_etag(client, software):
    response = client.get("/cases/ulm-ratsinfo/publiccode.yml")
    assert response.status_code == 200
    assert response.mimetype == "application/yaml"
    document = yaml.safe_load(response.get_data(as_text=True))
    assert_mandatory(document)
    assert document["landingURL"].endswith("/cases/ulm-ratsinfo")
    again = client.get("/cases/ulm-ratsinfo/publiccode.yml", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_imported_publiccode_file_exports_its_adopters_as_used_by(runner, client):
    assert runner.invoke(args=["import-cases", str(GERMAN)]).exit_code == 0
    document = yaml.safe_load(client.get("/cases/maerkischer-maengelmelder-stadt-bad-belzig/publiccode.yml").data)
    assert len(document["usedBy"]) == 34 and "Frankfurt (Oder)" in document["usedBy"]
    assert document["url"] == "https://gitlab.example.org/bad-belzig/maengelmelder.git"
