"""Several writer processes on one database and one index; processes killed mid-way (SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kb.extensions import db
from kb.models import SearchOutbox, UseCase
from tests.helpers import case_count, record, write_jsonl

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
TOWNS = ["Stadt Leipzig", "Dresden", "Chemnitz", "09162000", "Landkreis Havelland", "Stadt Ulm"]


def driver(app, *args: str, kill_at: str | None = None) -> subprocess.Popen:
    """Start tests/search_sync_driver.py against the test app's database and index."""
    cmd = [sys.executable, "-m", "tests.search_sync_driver", app.config["KB_DATA_DIR"],
           app.config["SQLALCHEMY_DATABASE_URI"], *args]
    if kill_at:
        cmd += ["--kill-at", kill_at]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "KB_ENV": "testing"})


def finish(process: subprocess.Popen) -> int:
    out, err = process.communicate(timeout=180)
    if process.returncode not in (0, -signal.SIGKILL):
        pytest.fail(f"writer failed ({process.returncode}):\n{out}\n{err[-3000:]}")
    return process.returncode


def cases(prefix: str, n: int, **fields) -> list[dict]:
    return [record(f"{prefix}-{i}", title=f"{prefix.capitalize()} Lösung {i}", municipality=TOWNS[i % len(TOWNS)],
                   adopters=[TOWNS[(i + 1) % len(TOWNS)]], **fields) for i in range(n)]


def check(runner):
    return runner.invoke(args=["check-index"])


def search(client, query: str) -> dict:
    return client.get("/api/v1/search", query_string={"q": query, "per_page": 100}).get_json()


def test_concurrent_imports_and_declarations_leave_index_and_database_in_step(app, runner, client, tmp_path):
    words = {"anton": "Quittengelee", "berta": "Kirschkuchen", "caesar": "Pflaumenmus"}
    files = []
    for name, word in words.items():
        records = cases(name, 25)
        records.append(record("gemeinsamer-fall", title=f"Streitobjekt {word}"))
        files.append(write_jsonl(tmp_path / f"{name}.jsonl", records))
    with app.app_context():
        seed = list(db.session.scalars(select(UseCase.slug).order_by(UseCase.id).limit(12)))
    writers = [driver(app, "import", str(path)) for path in files]
    writers += [driver(app, "declare", "05315000", *seed[:6]), driver(app, "declare", "08111000", *seed[6:])]
    assert [finish(w) for w in writers] == [0] * len(writers)

    assert case_count(app) == 41 + 3 * 25 + 1
    result = check(runner)
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0
        winner = db.session.scalar(select(UseCase.title).where(UseCase.slug == "gemeinsamer-fall")).split()[-1]
    for name in ("anton", "berta", "caesar"):
        assert search(client, f"{name} Lösung")["total"] >= 25
    # the last committed version of the shared case is the indexed one, no lost update
    for word in words.values():
        hits = [h["slug"] for h in search(client, word)["results"]]
        assert ("gemeinsamer-fall" in hits) is (word == winner), (word, winner, hits)


def test_killed_before_commit_leaves_database_and_index_unchanged(app, runner, tmp_path):
    path = write_jsonl(tmp_path / "abbruch.jsonl", cases("abbruch", 30))
    assert finish(driver(app, "import", str(path), kill_at="before-commit")) == -signal.SIGKILL
    assert case_count(app) == 41
    result = check(runner)
    assert result.exit_code == 0, result.output
    # the database is writable again: the next import goes through
    assert finish(driver(app, "import", str(path))) == 0
    assert case_count(app) == 71 and check(runner).exit_code == 0


@pytest.mark.parametrize("kill_at", ["after-commit", "in-index-write"])
def test_killed_between_commit_and_index_is_reported_and_healed(app, runner, client, tmp_path, kill_at):
    path = write_jsonl(tmp_path / "halb.jsonl", cases("halbfertig", 30))
    assert finish(driver(app, "import", str(path), kill_at=kill_at)) == -signal.SIGKILL
    assert case_count(app) == 71  # committed
    result = check(runner)
    assert result.exit_code == 1
    assert "fehlt im Index: halbfertig-0" in result.output and "vorgemerkt" in result.output
    assert search(client, "Halbfertig Lösung")["total"] == 0  # the index never ran ahead ... and still opens
    # the next write of any process finishes the queued work
    assert finish(driver(app, "declare", "05315000", "halbfertig-1")) == 0
    assert check(runner).exit_code == 0
    assert search(client, "Halbfertig Lösung")["total"] == 30
