"""Under load on gunicorn (4 workers): many readers and hostile search input cause no errors.

Runs on the database of the current pass (SQLite + Whoosh, or PostgreSQL + PostgreSQL search).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
import requests
from sqlalchemy import select

from kb.extensions import db
from kb.models import ModerationState, UseCase
from tests.server_support import ServerInstance

# long scenarios: make test runs them once, in the PostgreSQL pass (directly they run anywhere)
pytestmark = pytest.mark.postgres_pass
READERS = 16
READ_SECONDS = 10


@pytest.fixture(scope="module")
def served(template_instance, tmp_path_factory):
    instance = ServerInstance.create(template_instance, tmp_path_factory.mktemp("load"))
    app = instance.app()
    with app.app_context():
        slugs = list(db.session.scalars(select(UseCase.slug).where(UseCase.moderation == ModerationState.PUBLISHED)))
    try:
        with instance.gunicorn(workers=4) as server:
            yield server, slugs
    finally:
        instance.close()


def _injection_payloads() -> list[str]:
    """400 distinct SQL-injection strings: classic payloads in several wrappings."""
    core = [
        "' OR '1'='1", "' OR 1=1 --", "\" OR \"\"=\"", "1; DROP TABLE use_case; --", "'; DELETE FROM user_account; --",
        "' UNION SELECT email, password_hash FROM user_account --", "1' AND SLEEP(5) --", "'; SELECT pg_sleep(5); --",
        "1) OR (1=1", "admin'--", "' OR ''='", "%' OR 1=1 --", "'||(SELECT version())||'",
        "1 AND 1=CAST(version() AS int)",
        "'; COPY (SELECT '') TO PROGRAM 'id'; --", "$$; DROP TABLE search_document; $$", "\\'; DROP TABLE topic; --",
        "' AND extractvalue(1, concat(0x7e, version())) --", "1 OR 1=1 LIMIT 1 OFFSET 1", "'/**/OR/**/1=1--",
        "x' AND 1=(SELECT COUNT(*) FROM tabname); --", "' OR EXISTS(SELECT * FROM alembic_version) --",
        "'; ATTACH DATABASE '/tmp/x.db' AS x; --", "'; PRAGMA writable_schema=1; --", "1'; WAITFOR DELAY '0:0:5'--",
        "kunstlich_intelligenz:* & !'", "'a' <-> 'b' | !!c", "Chatbot' & 'x':*", "\x00' OR 1=1", "' OR 'x' LIKE '%",
        "'; INSERT INTO use_case (slug) VALUES ('x'); --", "%27%20OR%201%3D1", "&#39; OR 1=1", "‘ OR 1=1 --",
        "1 UNION ALL SELECT NULL,NULL,NULL--", "ORDER BY 99--", "' GROUP BY id HAVING 1=1 --",
        "'; SET search_path TO pg_catalog; --", "Straße' OR 'ß'='ß", "Bürger'); TRUNCATE adoption; --",
    ]
    wrappers = ["{}", "Chatbot {}", "{} Radweg", "\"{}\"", "({})", "{}{}", "Digitalisierung {} Leipzig",
                "{} " + "x" * 300, "  {}  ", "{}\n--"]
    payloads = [w.format(p, p) if w == "{}{}" else w.format(p) for w, p in itertools.product(wrappers, core)]
    assert len(set(payloads)) == 400
    return payloads


def test_400_sql_injection_payloads_in_search_cause_no_error(served):
    server, _slugs = served
    payloads = _injection_payloads()
    statuses: Counter[tuple[str, int]] = Counter()

    def probe(i_payload: tuple[int, str]) -> None:
        i, payload = i_payload
        q = quote(payload, safe="")
        web = f"/search?q={q}" + ("&topic=" + q if i % 3 == 0 else "") + ("&state=" + q if i % 5 == 0 else "")
        api = f"/api/v1/search?q={q}" + ("&status=" + q if i % 4 == 0 else "")
        for kind, path in (("web", web), ("api", api)):
            response = requests.get(server.url + path, timeout=60)
            statuses[(kind, response.status_code)] += 1
            if kind == "api" and response.status_code == 200:
                assert "error" not in response.json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(probe, enumerate(payloads)))
    assert sum(statuses.values()) == 800
    assert all(status < 500 for _kind, status in statuses), statuses
    # the catalogue is untouched and still searchable
    response = requests.get(server.url + "/api/v1/search?q=Chatbot", timeout=60).json()
    assert response["total"] >= 1
    assert requests.get(server.url + "/healthz", timeout=60).status_code == 200


def test_sixteen_readers_for_ten_seconds_see_no_error(served):
    server, slugs = served
    paths = itertools.cycle(
        ["/", "/search?q=Chatbot", "/search?q=Bürgerbeteiligung&topic=Bürgerbeteiligung", "/api/v1/search?q=Radweg",
         "/api/v1/cases?per_page=20", "/search?q=Digitalisierng", "/municipalities/14713000", "/daten",
         "/api/v1/search?q=KI&state=Sachsen", "/search?q=Projekte+in+Sachsen&sort=adoption"]
        + [f"/cases/{slug}" for slug in slugs[:20]] + [f"/api/v1/cases/{slug}" for slug in slugs[:10]]
    )
    lock = threading.Lock()
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    deadline = time.monotonic() + READ_SECONDS

    def reader() -> None:
        session = requests.Session()
        while time.monotonic() < deadline:
            with lock:
                path = next(paths)
            try:
                status = session.get(server.url + path, timeout=60).status_code
            except requests.RequestException as exc:
                status = 0
                failures.append(f"{path}: {exc!r}")
            with lock:
                statuses[status] += 1
                if status >= 500 or status == 0:
                    failures.append(f"{path}: {status}")

    threads = [threading.Thread(target=reader) for _ in range(READERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = sum(statuses.values())
    print(f"\n{READERS} Leser, {READ_SECONDS} s: {total} Anfragen ({total / READ_SECONDS:.0f}/s), {dict(statuses)}")
    assert not failures, failures[:10]
    assert statuses[200] == total and total >= READERS * 5
