"""Configuration from KB_* variables and the instance secret key."""

import stat

import pytest

from config import build_config
from kb import create_app


def test_production_refuses_to_start_without_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_ENV", "production")
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KB_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="KB_SECRET_KEY"):
        create_app()


def test_production_uses_secure_cookies(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_ENV", "production")
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KB_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("KB_BASE_URL", "https://praxisatlas.example.de")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_development_generates_secret_key_once(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_ENV", "development")
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KB_SECRET_KEY", raising=False)
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    key_file = tmp_path / "secret_key"
    assert first == second and len(first) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_environment_variables_drive_paths_and_backends(tmp_path):
    settings = build_config({
        "KB_DATA_DIR": str(tmp_path),
        "KB_DATABASE_URL": "postgresql+psycopg://kb@db/kb",
        "KB_SEARCH_BACKEND": "postgres",
        "KB_SECRET_KEY": "abc",
    })
    assert settings["KB_DATA_DIR"] == str(tmp_path.resolve())
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://kb@db/kb"
    assert settings["KB_SEARCH_BACKEND"] == "postgres"
    assert settings["SECRET_KEY"] == "abc"


def test_default_database_is_sqlite_in_data_dir(tmp_path):
    settings = build_config({"KB_DATA_DIR": str(tmp_path)})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path.resolve() / 'kb.sqlite3'}"
    assert settings["KB_SEARCH_BACKEND"] == "whoosh"


def test_unknown_environment_is_refused():
    with pytest.raises(RuntimeError, match="KB_ENV"):
        build_config({"KB_ENV": "staging"})
