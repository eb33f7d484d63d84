"""Nothing lost: an import killed with SIGKILL leaves the database as it was, and a process
killed between commit and index write leaves an index that ``check-index --repair`` fixes.

Runs on the database of the current pass (SQLite + Whoosh, or PostgreSQL + PostgreSQL search).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from kb.models import UseCase
from tests.helpers import record, write_jsonl
from tests.server_support import FLASK, ROOT, ServerInstance

# long scenarios: make test runs them once, in the PostgreSQL pass (directly they run anywhere)
pytestmark = pytest.mark.postgres_pass
BIG_IMPORT = 20_000


def _records(n: int, prefix: str) -> list[dict]:
    topics = ["Bürgerservice", "Mobilität", "Geodaten", "Klima und Umwelt", "Datenplattform"]
    places = ["Stadt Leipzig", "Ulm", "09162000", "Stadt Jena", "05315000", "Kaiserslautern"]
    return [record(f"{prefix}-{i}", title=f"Massenimport {i}: Terminbuchung und Sensorik",
                   summary=f"Fall {i} eines großen Imports mit Radwegen, Chatbots und Hochwasserwarnung.",
                   municipality=places[i % len(places)], topics=[topics[i % len(topics)]],
                   adopters=[places[(i + 1) % len(places)]])
            for i in range(n)]


def _count(url: str, prefix: str | None = None) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            query = select(func.count(UseCase.id))
            if prefix:
                query = query.where(UseCase.slug.like(f"{prefix}-%"))
            return conn.scalar(query)
    finally:
        engine.dispose()


def _writing(url: str) -> bool:
    """True while another process holds an open write transaction on the cases."""
    engine = create_engine(url, connect_args={"timeout": 0} if url.startswith("sqlite") else {})
    try:
        with engine.connect() as conn:
            if url.startswith("sqlite"):
                try:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    conn.exec_driver_sql("ROLLBACK")
                    return False
                except Exception:  # noqa: BLE001  (database is locked: the importer writes)
                    return True
            return bool(conn.scalar(text(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.relation = 'use_case'::regclass AND l.mode = 'RowExclusiveLock' "
                "AND a.pid <> pg_backend_pid()")))
    finally:
        engine.dispose()


def _start_import(instance: ServerInstance, path: Path) -> subprocess.Popen:
    return subprocess.Popen([str(FLASK), "--app", "wsgi", "import-cases", str(path)], cwd=ROOT, env=instance.env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _wait_for(condition, process: subprocess.Popen, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, "the import ended before it could be killed"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_sigkill_in_the_middle_of_a_20000_case_import_changes_nothing(instance, tmp_path):
    url = instance.database_url
    before = _count(url)
    path = write_jsonl(tmp_path / "gross.jsonl", _records(BIG_IMPORT, "massenimport"))
    process = _start_import(instance, path)
    _wait_for(lambda: _writing(url), process)
    if url.startswith("sqlite"):  # rows are being written: uncommitted pages spill into the WAL file
        wal = Path(url.removeprefix("sqlite:///") + "-wal")
        _wait_for(lambda: wal.exists() and wal.stat().st_size > 4_000_000, process)
    else:
        time.sleep(1.0)  # well inside the write phase
    assert process.poll() is None
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)

    assert _count(url) == before
    assert _count(url, "massenimport") == 0
    check = instance.flask("check-index")
    assert check.returncode == 0, check.stdout + check.stderr
    # the instance works normally afterwards: a smaller import goes through and is indexed
    small = write_jsonl(tmp_path / "klein.jsonl", _records(20, "nachimport"))
    result = instance.flask("import-cases", str(small))
    assert result.returncode == 0, result.stderr[-2000:]
    assert _count(url) == before + 20
    assert instance.flask("check-index").returncode == 0


def test_process_killed_after_commit_keeps_the_cases_and_the_index_is_repaired(instance, tmp_path):
    url = instance.database_url
    before = _count(url)
    n = 3000
    path = write_jsonl(tmp_path / "mittel.jsonl", _records(n, "nachcommit"))
    process = _start_import(instance, path)
    _wait_for(lambda: _count(url, "nachcommit") == n, process)  # committed; the index write follows
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)

    assert _count(url) == before + n  # the database change stands
    repair = instance.flask("check-index", "--repair")
    assert repair.returncode == 0, repair.stdout + repair.stderr
    check = instance.flask("check-index")
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"({before + n} Fälle)" in check.stdout or "stimmen überein" in check.stdout
    app = instance.app()
    hits = app.test_client().get("/api/v1/search?q=Massenimport+2999").get_json()
    assert hits["results"][0]["slug"] == "nachcommit-2999"
