"""No caching of signed-in pages; private files and directories (issue 19, item 12)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kb import create_app
from kb.extensions import db
from tests import dbprovision


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_signed_in_responses_and_auth_pages_are_not_stored(client, make_user, login):
    anonymous = client.get("/cases/chatbot-leipzig")
    assert "no-store" not in anonymous.headers.get("Cache-Control", ""), "public pages stay cacheable"
    for path in ("/login", "/register", "/passwort-vergessen", "/konto/bestaetigung", "/passwort-neu/kaputt"):
        assert "no-store" in client.get(path).headers.get("Cache-Control", ""), path
    _id, email, password = make_user("contributor")
    signed_in = login(email, password)
    assert "no-store" in signed_in.headers.get("Cache-Control", "")
    for path in ("/", "/konto", "/cases/chatbot-leipzig", "/feeds/cases.atom", "/api/v1/cases", "/nirgendwo"):
        response = client.get(path)
        assert response.headers.get("Cache-Control") == "no-store", (path, response.headers.get("Cache-Control"))


def test_a_new_instance_keeps_its_files_private(tmp_path):
    data_dir = tmp_path / "fresh"
    app = create_app({"TESTING": True, "KB_DATA_DIR": str(data_dir), "KB_SEARCH_BACKEND": "whoosh",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data_dir / 'kb.sqlite3'}"})  # the single-server setup
    try:
        with app.app_context():
            db.session.execute(db.text("SELECT 1"))
            from kb.search.backend import get_backend
            from kb.services.mail import send_mail

            get_backend()
            outbox_file = send_mail("a@example.org", "Betreff", "Link: http://127.0.0.1:5000/passwort-neu/x")
        for directory in (data_dir, data_dir / "outbox", data_dir / "uploads", data_dir / "index"):
            assert mode(directory) == 0o700, directory
        for private in (data_dir / "secret_key", data_dir / "kb.sqlite3", outbox_file):
            assert mode(private) == 0o600, private
    finally:
        dbprovision.dispose(app)


def test_an_existing_instance_is_tightened_on_start(tmp_path):
    data_dir = tmp_path / "old"
    (data_dir / "outbox").mkdir(parents=True)
    os.chmod(data_dir, 0o755)
    os.chmod(data_dir / "outbox", 0o755)
    (data_dir / "kb.sqlite3").touch(mode=0o644)
    os.chmod(data_dir / "kb.sqlite3", 0o644)
    app = create_app({"TESTING": True, "KB_DATA_DIR": str(data_dir), "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data_dir / 'kb.sqlite3'}"})
    dbprovision.dispose(app)
    assert (mode(data_dir), mode(data_dir / "outbox"), mode(data_dir / "kb.sqlite3")) == (0o700, 0o700, 0o600)


def test_backups_are_private(app, runner, tmp_path):
    target = tmp_path / "sicherung"
    (Path(app.config["KB_DATA_DIR"]) / "uploads" / "logo.png").write_bytes(b"x")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    entries = [target, *target.rglob("*")]
    assert len(entries) > 3
    for entry in entries:
        assert mode(entry) == (0o700 if entry.is_dir() else 0o600), entry
