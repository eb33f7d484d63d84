"""HTTP behaviour of the API: CORS, conditional GET, rate limiting with 429."""

import logging
from pathlib import Path

from sqlalchemy import text

from kb import create_app
from kb.web import ratelimit
from tests import dbprovision
from tests.helpers import record, write_jsonl


def test_cors_allows_any_origin_for_reading_without_credentials(client):
    response = client.get("/api/v1/cases", headers={"Origin": "https://portal.example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options("/api/v1/search", headers={
        "Origin": "https://portal.example.org", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "POST" not in preflight.headers["Access-Control-Allow-Methods"]


def test_case_record_answers_conditional_requests(client, runner, tmp_path):
    path = write_jsonl(tmp_path / "etag.jsonl", [record("etag-fall")])
    assert runner.invoke(args=["import-cases", str(path)]).exit_code == 0
    first = client.get("/api/v1/cases/etag-fall")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.status_code == 200 and etag and modified
    assert client.get("/api/v1/cases/etag-fall", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/api/v1/cases/etag-fall", headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/api/v1/cases/etag-fall", headers={"If-None-Match": '"alt"'}).status_code == 200
    write_jsonl(path, [record("etag-fall", title="Neuer Titel")])
    assert runner.invoke(args=["import-cases", str(path)]).exit_code == 0
    changed = client.get("/api/v1/cases/etag-fall", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["title"] == "Neuer Titel"


def test_rate_limit_answers_429_json_with_retry_after(app, client):
    app.config["KB_API_RATE_LIMIT"] = "3/minute"
    statuses = [client.get("/api/v1/cases").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    limited = client.get("/api/v1/cases")
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["Access-Control-Allow-Origin"] == "*"
    other = app.test_client()
    other_response = other.get("/api/v1/cases", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other_response.status_code == 200  # counted per client address
    assert client.get("/").status_code == 200  # web pages are not limited


def test_rate_limit_headers_count_down(app, client):
    app.config["KB_API_RATE_LIMIT"] = "10/minute"
    first = client.get("/api/v1/search?q=chatbot")
    second = client.get("/api/v1/search?q=chatbot")
    assert first.headers["X-RateLimit-Limit"] == "10"
    assert int(second.headers["X-RateLimit-Remaining"]) == int(first.headers["X-RateLimit-Remaining"]) - 1


def _second_worker(app):
    """Another app on the same instance: what a second gunicorn worker (or server) is."""
    return create_app(dbprovision.settings(Path(app.config["KB_DATA_DIR"]), app.config["SQLALCHEMY_DATABASE_URI"]))


def test_rate_limit_is_shared_by_all_workers(app, client):
    app.config["KB_API_RATE_LIMIT"] = "3/day"
    other = _second_worker(app)
    other.config["KB_API_RATE_LIMIT"] = "3/day"
    try:
        assert client.get("/api/v1/cases").status_code == 200
        assert other.test_client().get("/api/v1/cases").status_code == 200
        answer = client.get("/api/v1/cases")
        assert answer.status_code == 200 and answer.headers["X-RateLimit-Remaining"] == "0"
        refused = other.test_client().get("/api/v1/cases")
        assert refused.status_code == 429, "the second worker must count the first one's requests"
        assert refused.get_json()["error"]["code"] == "too_many_requests"
    finally:
        dbprovision.dispose(other)


def test_rate_limit_falls_back_to_counting_per_process(app, client, caplog):
    app.config["KB_API_RATE_LIMIT"] = "2/day"
    assert client.get("/api/v1/cases").status_code == 200
    with app.app_context(), ratelimit.counter_engine(app).begin() as conn:
        conn.execute(text("DROP TABLE api_rate_window"))
    with caplog.at_level(logging.WARNING, logger="kb.web.ratelimit"):
        statuses = [client.get("/api/v1/cases").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # no server error; the process still limits on its own
    assert "je Prozess" in caplog.text
