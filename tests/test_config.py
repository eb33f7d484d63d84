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


def test_production_hashes_passwords_with_the_full_scrypt_work_factor(tmp_path, monkeypatch):
    from kb.services.accounts.users import hash_password

    monkeypatch.setenv("KB_ENV", "production")
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KB_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("KB_BASE_URL", "https://praxisatlas.example.de")
    with create_app().app_context():
        assert hash_password("geheim-passwort-1").startswith("scrypt:32768:8:1$")  # not the tests' cheap one


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


def test_harvest_and_dcat_settings_come_from_the_environment(tmp_path):
    settings = build_config({
        "KB_DATA_DIR": str(tmp_path), "KB_HARVEST_TIMEOUT": "2.5", "KB_HARVEST_DEADLINE": "20",
        "KB_HARVEST_MAX_BYTES": "200000", "KB_HARVEST_MAX_REDIRECTS": "2",
        "KB_HARVEST_USER_AGENT": "Ernte der Stadt Jena (it@jena.example)",
        "KB_DCAT_PUBLISHER": "Stadt Jena", "KB_DCAT_PUBLISHER_URI": "https://www.jena.de/",
        "KB_DCAT_CONTACT_EMAIL": "opendata@jena.example", "KB_DCAT_CONTRIBUTOR_ID": "praxisatlas",
    })
    assert (settings["KB_HARVEST_TIMEOUT"], settings["KB_HARVEST_DEADLINE"], settings["KB_HARVEST_MAX_BYTES"],
            settings["KB_HARVEST_MAX_REDIRECTS"]) == (2.5, 20.0, 200_000, 2)
    assert settings["KB_HARVEST_USER_AGENT"] == "Ernte der Stadt Jena (it@jena.example)"
    assert (settings["KB_DCAT_PUBLISHER"], settings["KB_DCAT_PUBLISHER_URI"], settings["KB_DCAT_CONTACT_EMAIL"]) == (
        "Stadt Jena", "https://www.jena.de/", "opendata@jena.example")
    assert settings["KB_DCAT_CONTRIBUTOR_ID"] == "http://dcat-ap.de/def/contributors/praxisatlas"
    defaults = build_config({"KB_DATA_DIR": str(tmp_path)})
    assert (defaults["KB_HARVEST_MAX_BYTES"], defaults["KB_HARVEST_USER_AGENT"], defaults["KB_DCAT_PUBLISHER"]) == (
        1_000_000, None, None)


@pytest.mark.parametrize("name, value, words", [
    ("KB_HARVEST_MAX_BYTES", "viel", "KB_HARVEST_MAX_BYTES='viel' ist ungültig"),
    ("KB_HARVEST_MAX_BYTES", "0", "ganze Zahl von 1024 bis"),
    ("KB_HARVEST_TIMEOUT", "-1", "KB_HARVEST_TIMEOUT='-1' ist ungültig"),
    ("KB_HARVEST_TIMEOUT", "60", "KB_HARVEST_DEADLINE"),  # longer than the 30 s for the whole request
    ("KB_HARVEST_MAX_REDIRECTS", "2.5", "ganze Zahl"),
    ("KB_HARVEST_USER_AGENT", "Ernte\r\nX-Evil: 1", "druckbaren Zeichen"),
    ("KB_DCAT_PUBLISHER_URI", "jena.de", "keine http(s)-Adresse"),
    ("KB_DCAT_CONTACT_EMAIL", "opendata", "keine E-Mail-Adresse"),
    ("KB_DCAT_CONTRIBUTOR_ID", "https://example.org/ich", "nicht im Vokabular http://dcat-ap.de/def/contributors/"),
    ("KB_DCAT_CONTRIBUTOR_ID", "a b", "keine ID"),
])
def test_bad_harvest_and_dcat_settings_stop_the_start_with_a_message(tmp_path, name, value, words):
    with pytest.raises(RuntimeError) as refused:
        build_config({"KB_DATA_DIR": str(tmp_path), name: value})
    assert words in str(refused.value)
