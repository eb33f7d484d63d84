"""``backup DIR`` / ``restore DIR``: a restored instance serves exactly the same catalogue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb import create_app
from kb.extensions import db
from kb.models import Role
from tests import dbprovision
from tests.helpers import case_count, record, write_jsonl


@pytest.fixture
def empty_instance(tmp_path, request):
    """A new, empty instance (no tables yet); ``sqlite=True`` forces SQLite in the PostgreSQL run."""
    made = []

    def make(sqlite: bool = False):
        data_dir = tmp_path / f"empty{len(made)}"
        data_dir.mkdir()
        url = dbprovision.empty_database(data_dir, request.node.name, sqlite=sqlite)
        config = dbprovision.settings(data_dir, url)
        if url.startswith("sqlite"):
            config["KB_SEARCH_BACKEND"] = "whoosh"
        app = create_app(config)
        made.append((app, url))
        return app

    yield make
    for app, url in made:
        dbprovision.dispose(app)
        dbprovision.drop_database(url)


def _catalogue(app) -> dict:
    """Everything the public API says about the catalogue."""
    client = app.test_client()
    listing = client.get("/api/v1/cases?per_page=100").get_json()
    cases = {c["slug"]: client.get(f"/api/v1/cases/{c['slug']}").get_json() for c in listing["results"]}
    searches = {q: client.get(f"/api/v1/search?q={q}&per_page=20").get_json()
                for q in ("Chatbot", "Bürgerbeteiligung", "Radweg", "Sachsen", "Datenplattform")}
    municipality = client.get("/api/v1/municipalities/14713000").get_json()
    return {"listing": listing, "cases": cases, "searches": searches, "municipality": municipality}


def _round_scores(catalogue: dict) -> None:
    for result in catalogue["searches"].values():
        for hit in result["results"]:
            hit["score"] = round(hit["score"], 3)


def _prepare(app, make_user, tmp_path) -> None:
    """Add what a running instance has beyond the seed: an import, an account, an adoption, a file."""
    runner = app.test_cli_runner()
    path = write_jsonl(tmp_path / "extra.jsonl", [record("gesicherter-fall", title="Gesicherter Chatbot",
                                                         adopters=["Stadt Ulm"])])
    assert runner.invoke(args=["import-cases", str(path)]).exit_code == 0
    make_user("contributor", email="autorin@example.org", municipality="08421000")
    uploads = Path(app.config["KB_DATA_DIR"]) / "uploads"
    (uploads / "logos").mkdir(parents=True, exist_ok=True)
    (uploads / "logos" / "ulm.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")


def _targets():
    return ["same-database", "sqlite"] if dbprovision.SERVER_URL else ["same-database"]


@pytest.mark.parametrize("target", _targets())
def test_backup_then_restore_into_empty_instance_gives_identical_catalogue(app, make_user, tmp_path,
                                                                           empty_instance, target):
    _prepare(app, make_user, tmp_path)
    before = _catalogue(app)
    backup_dir = tmp_path / "sicherung"
    result = app.test_cli_runner().invoke(args=["backup", str(backup_dir)])
    assert result.exit_code == 0, result.output
    assert "Sicherung in" in result.output and "Fälle" in result.output
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["counts"]["use_case"] == case_count(app)
    assert manifest["counts"]["user_account"] == 1 and manifest["counts"]["uploads"] == 1

    restored = empty_instance(sqlite=target == "sqlite")
    result = restored.test_cli_runner().invoke(args=["restore", str(backup_dir)])
    assert result.exit_code == 0, result.output
    assert "Suchindex mit" in result.output

    after = _catalogue(restored)
    if restored.config["KB_SEARCH_BACKEND"] != app.config["KB_SEARCH_BACKEND"]:
        _round_scores(before), _round_scores(after)  # float32 (Whoosh) and float64 (PostgreSQL) scores
    assert after == before
    assert restored.test_cli_runner().invoke(args=["check-index"]).exit_code == 0
    upload = Path(restored.config["KB_DATA_DIR"]) / "uploads" / "logos" / "ulm.svg"
    assert upload.read_text(encoding="utf-8").startswith("<svg")
    client = restored.test_client()
    response = client.post("/login", data={"email": "autorin@example.org", "password": "geheim-passwort-1"})
    assert response.status_code in (302, 303)


def test_restore_refuses_a_non_empty_instance_without_force(app, make_user, tmp_path):
    _prepare(app, make_user, tmp_path)
    backup_dir = tmp_path / "sicherung"
    assert app.test_cli_runner().invoke(args=["backup", str(backup_dir)]).exit_code == 0
    path = write_jsonl(tmp_path / "later.jsonl", [record("spaeter-importiert")])
    assert app.test_cli_runner().invoke(args=["import-cases", str(path)]).exit_code == 0
    count = case_count(app)

    result = app.test_cli_runner().invoke(args=["restore", str(backup_dir)])
    assert result.exit_code == 1
    assert "nicht leer" in result.output and "--force" in result.output
    assert case_count(app) == count

    result = app.test_cli_runner().invoke(args=["restore", "--force", str(backup_dir)])
    assert result.exit_code == 0, result.output
    assert case_count(app) == count - 1
    assert app.test_client().get("/api/v1/cases/spaeter-importiert").status_code == 404


def test_damaged_backup_is_refused_before_anything_changes(app, make_user, tmp_path, empty_instance):
    _prepare(app, make_user, tmp_path)
    backup_dir = tmp_path / "sicherung"
    assert app.test_cli_runner().invoke(args=["backup", str(backup_dir)]).exit_code == 0
    victim = next(p for p in sorted(backup_dir.rglob("*")) if p.is_file() and p.name != "manifest.json"
                  and p.stat().st_size > 100)
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))

    restored = empty_instance()
    result = restored.test_cli_runner().invoke(args=["restore", str(backup_dir)])
    assert result.exit_code == 1
    assert "beschädigt" in result.output and victim.name in result.output
    with restored.app_context():
        assert not db.inspect(db.engine).has_table("use_case")


def test_backup_refuses_a_used_directory_and_an_outdated_schema(app, tmp_path):
    used = tmp_path / "belegt"
    used.mkdir()
    (used / "alt.txt").write_text("x")
    result = app.test_cli_runner().invoke(args=["backup", str(used)])
    assert result.exit_code == 1 and "nicht leer" in result.output
    assert sorted(p.name for p in used.iterdir()) == ["alt.txt"]

    with app.app_context():
        db.session.execute(db.text("UPDATE alembic_version SET version_num = '0001'"))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "neu")])
    assert result.exit_code == 1 and "init-db" in result.output
    assert not (tmp_path / "neu").exists()


def test_restored_accounts_keep_their_roles(app, make_user, tmp_path, empty_instance):
    make_user("moderator", email="moderation@example.org")
    backup_dir = tmp_path / "sicherung"
    assert app.test_cli_runner().invoke(args=["backup", str(backup_dir)]).exit_code == 0
    restored = empty_instance()
    assert restored.test_cli_runner().invoke(args=["restore", str(backup_dir)]).exit_code == 0
    from kb.models import User

    with restored.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "moderation@example.org"))
        assert user.role is Role.MODERATOR
        # new rows continue after the restored ids (PostgreSQL sequences were reset)
        new = make_user_in(restored, "neu@example.org")
        assert new > user.id


def make_user_in(app, email: str) -> int:
    from kb.services.accounts import users as accounts

    with app.app_context():
        user = accounts.create_user(db.session, email=email, password="geheim-passwort-1", role=Role.READER,
                                    confirmed=True)
        return user.id
