"""CPU per request of the load test's mixed traffic, in-process: where the milliseconds of ``make load-test`` go.

The same throwaway instance as ``load_test.py --serve`` (seed data, contributor accounts, an API
token), the app in this process with the same settings, driven through Flask's test client in the
load test's proportions: 16 readers (search page, API search, case page, municipality page, start
page), 4 signed-in members (submission form and submit, "Wir nutzen das auch" form and declare) and
1 API client submitting cases. Measured per kind of request as CPU time of this thread
(``time.thread_time``), so other load on the machine does not inflate the figures as it inflates
the load test's wall-clock times. Throughput on ``C`` free cores is at most about
``C / (CPU seconds per request of server and load generator)``.

    .venv/bin/python bench/profile_mix.py [--requests 3000] [--cprofile FILE] [--top 40]

``--cprofile`` writes a cProfile dump of the whole run (``python -m pstats FILE``) and prints the
functions with the most cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from load_test import MUNICIPALITIES, QUERIES, SUBMISSION, TOPICS  # noqa: E402

BIN = Path(sys.executable).parent
_CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
#: share of all requests per kind, as counted in a 60 s run of ``make load-test`` (16 readers, 4 members, 1 API client)
WRITER_SHARE = 0.18  # the members' four requests of a round together
API_SHARE = 0.02


def setup(data_dir: Path, writers: int, database_url: str | None = None,
          search: str = "whoosh") -> tuple[dict, list[tuple[str, str]], str]:
    """A seeded instance like load_test.py's, its environment, member accounts and an API token."""
    env = {**os.environ, "KB_DATA_DIR": str(data_dir), "KB_ENV": "development", "KB_SECRET_KEY": "lasttest",
           "KB_SEARCH_BACKEND": search, "KB_API_RATE_LIMIT": "1000000/minute",
           "KB_LOGIN_MAX_FAILURES_PER_ADDRESS": "100000"}
    env.pop("KB_DATABASE_URL", None)
    if database_url:
        env["KB_DATABASE_URL"] = database_url

    def run(*cmd: str) -> str:
        return subprocess.run([str(BIN / "flask"), "--app", "wsgi", *cmd], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True).stdout

    run("init-db")
    run("seed")
    run("reindex")
    accounts = [(f"last{i}@example.org", "lasttest-passwort-1") for i in range(writers)]
    for (email, password), key in zip(accounts, MUNICIPALITIES * 10, strict=False):
        run("create-user", "--email", email, "--password", password, "--role", "contributor", "--municipality", key)
    token = run("create-token", "--organisation", "08421000", "--name", "Lasttest").strip().split()[-1]
    return env, accounts, token


class Mix:
    """The load test's requests, one at a time, each timed in CPU of this thread."""

    def __init__(self, app, accounts, token, slugs, rng: random.Random) -> None:
        self.app, self.token, self.slugs, self.rng = app, token, slugs, rng
        self.cpu: dict[str, list[float]] = defaultdict(list)
        self.statements: dict[str, int] = defaultdict(int)
        self.executed = 0  # statements sent to the database (counted by a listener)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.readers = [app.test_client() for _ in range(16)]
        self.writers = []
        for email, password in accounts:
            client = app.test_client()
            token_ = self._csrf(client, "Anmelden", "/login")
            self._call(client, "Anmelden", "POST", "/login",
                       data={"email": email, "password": password, "csrf_token": token_})
            self.writers.append([client, 0])
        self.api = app.test_client()
        self.api_n = 0

    def _call(self, client, kind, method, path, headers: dict | None = None, **kwargs):
        started, executed = time.thread_time(), self.executed
        headers = {"Accept-Language": "de-DE,de;q=0.9", **(headers or {})}
        response = client.open(path, method=method, headers=headers, **kwargs)
        body = response.get_data()
        self.cpu[kind].append((time.thread_time() - started) * 1000)
        self.statements[kind] += self.executed - executed
        self.statuses[kind][response.status_code] += 1
        return body

    def _csrf(self, client, kind, path) -> str | None:
        match = _CSRF.search(self._call(client, kind, "GET", path))
        return (match.group(1) or match.group(2)).decode() if match else None

    def step(self) -> None:
        roll = self.rng.random()
        if roll < API_SHARE:
            self.api_n += 1
            self._call(self.api, "API-Einreichung", "POST", "/api/v1/cases",
                       headers={"Authorization": f"Bearer {self.token}"},
                       json={"slug": f"profil-api-{self.api_n}", "title": f"API-Lasttest {self.api_n}",
                             "summary": "Über die API.", "description": "Eingereicht vom Lasttest.",
                             "topics": ["Datenplattform"], "status": "pilot"})
        elif roll < API_SHARE + WRITER_SHARE / 4:
            self._member_round()
        else:
            self._read(self.rng.choice(self.readers))

    def _member_round(self) -> None:
        entry = self.rng.choice(self.writers)
        client, entry[1] = entry[0], entry[1] + 1
        n = entry[1]
        token = self._csrf(client, "Einreichen (Formular)", "/cases/new")
        self._call(client, "Einreichen", "POST", "/cases/new", data={
            **SUBMISSION, "csrf_token": token, "title": f"Lasttest {id(client) % 1000} {n}",
            "municipality": self.rng.choice(MUNICIPALITIES), "topics": self.rng.choice(TOPICS)})
        slug = self.rng.choice(self.slugs)
        token = self._csrf(client, "Nachnutzen (Formular)", f"/cases/{slug}/adopt")
        self._call(client, "Nachnutzen", "POST", f"/cases/{slug}/adopt",
                   data={"csrf_token": token, "status": self.rng.choice(["pilot", "in_betrieb"]), "note": f"Lauf {n}"})

    def _read(self, client) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.30:
            params = {"q": rng.choice(QUERIES)}
            if rng.random() < 0.3:
                params["topic"] = rng.choice(TOPICS)
            self._call(client, "Suche (Seite)", "GET", "/search?" + urlencode(params))
        elif roll < 0.50:
            self._call(client, "Suche (API)", "GET", "/api/v1/search?" + urlencode({"q": rng.choice(QUERIES),
                                                                                  "per_page": 10}))
        elif roll < 0.80:
            self._call(client, "Fallseite", "GET", f"/cases/{rng.choice(self.slugs)}")
        elif roll < 0.90:
            self._call(client, "Kommune", "GET", f"/municipalities/{rng.choice(MUNICIPALITIES)}")
        else:
            self._call(client, "Startseite", "GET", "/")


def report(mix: Mix) -> str:
    lines = [f"{'Anfrage':<18} {'Anzahl':>7} {'CPU ms Mittel':>14} {'p50':>7} {'p95':>7} {'Anteil CPU':>10} "
             f"{'SQL je Anfr.':>12}  Status"]
    total = sum(sum(v) for v in mix.cpu.values())
    count = sum(len(v) for v in mix.cpu.values())
    for kind in sorted(mix.cpu):
        values = sorted(mix.cpu[kind])
        lines.append(f"{kind:<18} {len(values):>7} {statistics.fmean(values):>14.2f} {values[len(values) // 2]:>7.2f} "
                     f"{values[int(0.95 * (len(values) - 1))]:>7.2f} {100 * sum(values) / total:>9.0f} % "
                     f"{mix.statements[kind] / len(values):>12.1f}  {dict(mix.statuses[kind])}")
    lines.append(f"{'gesamt':<18} {count:>7} {total / count:>14.2f} {'':>7} {'':>7} {'':>11} "
                 f"{sum(mix.statements.values()) / count:>12.1f}")
    lines.append(f"Server-CPU je Anfrage {total / count:.2f} ms → höchstens {2000 / (total / count):.0f} Anfragen/s "
                 f"auf 2 freien Kernen (ohne Lastgenerator); Load {os.getloadavg()[0]:.1f}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=3000, help="requests to time (after 200 not counted)")
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cprofile", type=Path, help="write a cProfile dump of the timed requests")
    ap.add_argument("--top", type=int, default=40, help="with --cprofile: print this many functions")
    ap.add_argument("--database-url", help="an empty database (default: SQLite in the throwaway directory)")
    ap.add_argument("--search", default="whoosh", choices=["whoosh", "postgres"])
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="kb-mix-"))
    env, accounts, token = setup(work, args.writers, args.database_url, args.search)
    os.environ.update({k: v for k, v in env.items() if k.startswith("KB_")})
    from sqlalchemy import event

    from kb import create_app
    from kb.extensions import db

    app = create_app()
    with app.app_context():
        slugs = [row[0] for row in db.session.execute(db.text(
            "SELECT slug FROM use_case WHERE moderation = 'published' ORDER BY id LIMIT 100"))]
        postmaster = _postmaster(db) if db.engine.dialect.name == "postgresql" else None
        engine = db.engine
    mix = Mix(app, accounts, token, slugs, random.Random(args.seed))

    def count(*_args) -> None:
        mix.executed += 1

    event.listen(engine, "before_cursor_execute", count)
    for _ in range(200):
        mix.step()
    mix.cpu.clear()
    mix.statuses.clear()
    mix.statements.clear()
    database_cpu = _process_tree_cpu(postmaster) if postmaster else None
    profiler = cProfile.Profile() if args.cprofile else None
    if profiler:
        profiler.enable()
    while sum(len(v) for v in mix.cpu.values()) < args.requests:
        mix.step()
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.cprofile)
        pstats.Stats(str(args.cprofile)).sort_stats("cumulative").print_stats(args.top)
    print(report(mix))
    if postmaster:
        spent = _process_tree_cpu(postmaster) - database_cpu
        print(f"PostgreSQL-CPU je Anfrage {spent * 1000 / sum(len(v) for v in mix.cpu.values()):.2f} ms")
    return 0


def _postmaster(db) -> int | None:
    """The PostgreSQL server's process id, if it runs on this machine and we may read its data directory."""
    directory = db.session.execute(db.text("SHOW data_directory")).scalar()
    db.session.rollback()
    try:
        return int((Path(directory) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _process_tree_cpu(pid: int) -> float:
    """CPU seconds of a process, its children and the children it has reaped."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for p in [str(pid), *children]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        reaped = int(fields[13]) + int(fields[14]) if p == str(pid) else 0
        total += (int(fields[11]) + int(fields[12]) + reaped) / tick
    return total


if __name__ == "__main__":
    raise SystemExit(main())
