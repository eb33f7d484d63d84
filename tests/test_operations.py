"""Operations: /healthz for load balancers and the structured request log."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from kb.extensions import db


def test_healthz_reports_database_and_index(client, app):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    from kb.services.health import expected_revision

    with app.app_context():
        assert body["checks"]["database"]["revision"] == expected_revision()
    assert body["checks"]["search"]["documents"] == 41
    assert body["checks"]["search"]["backend"] == app.config["KB_SEARCH_BACKEND"]
    text = response.get_data(as_text=True)
    for secret in (app.config["SECRET_KEY"], app.config["SQLALCHEMY_DATABASE_URI"], app.config["KB_DATA_DIR"]):
        assert secret not in text


def test_healthz_is_503_when_the_index_cannot_be_read(client, monkeypatch):
    from kb.services import health

    def broken():
        raise OSError("/geheim/pfad/index kaputt")

    monkeypatch.setattr(health, "get_backend", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["checks"]["search"] == {"status": "error", "error": "OSError", "ms": body["checks"]["search"]["ms"]}
    assert body["checks"]["database"]["status"] == "ok"
    assert "geheim" not in response.get_data(as_text=True)


def test_healthz_is_503_when_the_schema_is_behind_the_code(client, app):
    with app.app_context():
        db.session.execute(db.text("UPDATE alembic_version SET version_num = '0001'"))
        db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 503
    check = response.get_json()["checks"]["database"]
    assert check["error"] == "schema_outdated" and check["revision"] == "0001"


def test_healthz_is_503_when_the_database_is_unreachable(app, monkeypatch):
    from kb.services import health

    def unreachable(_session):
        raise ConnectionError("postgresql://kb:passwort@db/kb refused")

    monkeypatch.setattr(health, "_database", unreachable)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"]["error"] == "ConnectionError"
    assert "passwort" not in response.get_data(as_text=True)


def _access_lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "kb.access"]


def test_request_log_is_one_json_line_without_personal_details(client, caplog):
    caplog.set_level(logging.INFO, logger="kb.access")
    client.get("/search?q=Meine+private+Suche", environ_base={"REMOTE_ADDR": "203.0.113.77"},
               headers={"X-Request-ID": "abc-123"})
    client.get("/konto/bestaetigen/geheimes-token-xyz")
    client.get("/static/css/app.css")
    first, second = _access_lines(caplog)
    assert first["method"] == "GET" and first["path"] == "/search" and first["status"] == 200
    assert first["route"] == "/search" and first["request_id"] == "abc-123"
    assert isinstance(first["ms"], float) and first["ts"].endswith("+00:00")
    assert first["remote"] == "203.0.113.0/24"
    assert "private" not in json.dumps(first)
    assert second["path"] == "/konto/bestaetigen/***"
    assert "geheimes" not in json.dumps(second)


def test_full_addresses_only_when_configured(app, caplog):
    app.config["KB_LOG_FULL_IP"] = True
    caplog.set_level(logging.INFO, logger="kb.access")
    from kb.web import request_log as logging_setup

    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "2001:db8::1"}):
        assert logging_setup.shortened_address("2001:db8:1234:5678::1") == "2001:db8:1234::/48"
        record = logging_setup.request_record(app.response_class("x"), 0.0, full_ip=True)
        assert record["remote"] == "2001:db8::1"


def test_behind_one_proxy_the_client_address_and_https_come_from_its_headers(app):
    from kb import create_app
    from tests import dbprovision

    settings = dbprovision.settings(Path(app.config["KB_DATA_DIR"]),
                                    app.config["SQLALCHEMY_DATABASE_URI"])
    proxied = create_app({**settings, "KB_PROXY_HOPS": 1, "KB_BASE_URL": "https://praxisatlas.example"})
    seen = {}

    @proxied.get("/_probe")
    def probe():
        from flask import request, url_for

        seen.update(addr=request.remote_addr, url=url_for("catalog.index", _external=True))
        return "ok"

    proxied.test_client().get("/_probe", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                              headers={"X-Forwarded-For": "198.51.100.9", "X-Forwarded-Proto": "https",
                                       "X-Forwarded-Host": "praxisatlas.example"})
    assert seen == {"addr": "198.51.100.9", "url": "https://praxisatlas.example/"}
    app.test_client().get("/", headers={"X-Forwarded-For": "198.51.100.9"})
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                  headers={"X-Forwarded-For": "198.51.100.9"}):
        from flask import request

        assert request.remote_addr == "127.0.0.1"  # without KB_PROXY_HOPS the header is ignored
    dbprovision.dispose(proxied)
