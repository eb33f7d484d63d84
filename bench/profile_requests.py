"""Where the time of a request goes: each main route profiled in-process at 50,000 cases.

The instance comes from ``bench/search_speed.py`` (synthetic cases through ``import-cases``; with
``--dir`` and ``--reuse`` an instance imported before). The app runs in this process with the
production settings of the speed bench; each route is requested ``--requests`` times (after a few
warm-up requests that are not counted) through Flask's test client, as an anonymous visitor.
Measured per request, all times as CPU time of the request's thread (``time.thread_time``: other
load on the machine does not inflate them, as it does wall-clock times):

* CPU ms: the whole request (routing, views, SQL, templates, search, the access log line);
* SQL: statements and their time (SQLAlchemy cursor events; SQLite runs in this thread);
  "im Template" counts the statements run while a template renders — lazy loads, the usual
  source of N+1 queries;
* template ms: rendering (Flask's template signals) without the SQL run inside it;
* search ms: inside the search backend (``search``), without loading the hits from the database.

    .venv/bin/python bench/profile_requests.py [--cases 50000] [--requests 30] [--dir DIR] [--reuse]
        [--budget SECONDS] [--route NAME …] [--statements] [--pyinstrument DIR] [--cold] [--json FILE]

``--statements`` lists each route's most frequent SQL statements (to find an N+1), ``--pyinstrument``
writes a call-tree profile of every route into DIR (text and HTML; its overhead is then in the
figures). ``--cold`` empties the per-process caches before every request: what a request costs
right after a data change (with members writing, most requests are such). No targets are checked
here: this script shows where the time goes; ``search_speed.py`` and ``load_test.py`` measure the
targets.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

import click

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from search_inprocess import Synth  # noqa: E402
from search_speed import _machine, build_instance  # noqa: E402

WARM_UP = 3
BASE_URL = "http://127.0.0.1"  # the bench instance's KB_BASE_URL: the only host it accepts
_LITERALS = re.compile(r"\b\d+\b|'[^']*'|\(\s*\?(?:\s*,\s*\?)*\s*\)|\(__\[POSTCOMPILE_\w+\]\)")


@dataclass
class Sample:
    """What one request cost."""

    cpu_ms: float
    wall_ms: float
    sql_count: int
    sql_ms: float
    sql_in_template: int
    template_ms: float
    search_ms: float
    status: int
    size: int


@dataclass
class RouteFigures:
    """Means over the counted requests of one route."""

    route: str
    requests: int
    cpu_ms: float
    cpu_p95_ms: float
    wall_ms: float
    sql_count: float
    sql_count_max: int
    sql_ms: float
    sql_in_template: float
    template_ms: float
    search_ms: float
    kb: float
    statements: list[tuple[int, float, str]] = field(default_factory=list)  # count, ms in all, text


class Probe:
    """Counts SQL statements and times templates and the search backend for the current request."""

    def __init__(self) -> None:
        self.reset()
        self.record_statements = False
        self.cold = False  # empty the per-process caches before each request (as after a data change)
        self.statements: Counter[str] = Counter()
        self.statement_ms: Counter[str] = Counter()

    def reset(self) -> None:
        self.sql_count = self.sql_in_template = 0
        self.sql_ms = self.template_ms = self.search_ms = 0.0
        self._sql_started = 0.0
        self._template_started: list[tuple[float, float]] = []

    # SQLAlchemy cursor events
    def before_sql(self, _conn, _cursor, statement, _params, _context, _many) -> None:
        self._sql_started = time.thread_time()

    def after_sql(self, _conn, _cursor, statement, _params, _context, _many) -> None:
        elapsed = (time.thread_time() - self._sql_started) * 1000
        self.sql_ms += elapsed
        self.sql_count += 1
        if self._template_started:
            self.sql_in_template += 1
        if self.record_statements:
            text = _LITERALS.sub("?", " ".join(statement.split()))[:160]
            self.statements[text] += 1
            self.statement_ms[text] += elapsed

    # Flask template signals (rendering time without the SQL it runs)
    def before_render(self, _app, **_kw) -> None:
        self._template_started.append((time.thread_time(), self.sql_ms))

    def after_render(self, _app, **_kw) -> None:
        started, sql_before = self._template_started.pop()
        elapsed = (time.thread_time() - started) * 1000 - (self.sql_ms - sql_before)
        if not self._template_started:  # nested renders count once, in the outermost one
            self.template_ms += elapsed

    def timed(self, method: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            started = time.thread_time()
            try:
                return method(*args, **kwargs)
            finally:
                self.search_ms += (time.thread_time() - started) * 1000

        return wrapper


def _searcher(app):
    """The app's warmed-up search backend."""
    from kb.search.backend import get_searcher

    with app.app_context():
        return get_searcher(app)


def instrument(app, probe: Probe) -> None:
    from flask import before_render_template, template_rendered
    from sqlalchemy import event

    from kb.extensions import db

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", probe.before_sql)
    event.listen(engine, "after_cursor_execute", probe.after_sql)
    before_render_template.connect(probe.before_render, app)
    template_rendered.connect(probe.after_render, app)
    backend = _searcher(app)
    backend.search = probe.timed(backend.search)


def route_paths(data_dir: Path, n: int) -> dict[str, list[str]]:
    """The URLs requested per route: distinct queries, cases and municipalities where they vary."""
    rng = random.Random(5)
    database = sqlite3.connect(data_dir / "kb.sqlite3")
    slugs = [row[0] for row in database.execute("SELECT slug FROM use_case WHERE moderation = 'published' "
                                                "ORDER BY id")]
    owners = [row[0] for row in database.execute(
        "SELECT DISTINCT o.municipality_ags FROM organisation o JOIN use_case c ON c.owner_id = o.id "
        "WHERE c.moderation = 'published' AND o.municipality_ags IS NOT NULL ORDER BY 1")]
    topics = [row[0] for row in database.execute("SELECT name FROM topic ORDER BY name")]
    database.close()
    queries = Synth(seed=7).queries(n + WARM_UP)
    searches = []
    for q in queries:
        params = [("q", q.text)] + [("topic", t) for t in q.topics] + [("state", s) for s in q.states]
        if q.page > 1:
            params.append(("page", str(q.page)))
        searches.append(urlencode(params))
    count = n + WARM_UP
    cases = rng.sample(slugs, min(count, len(slugs)))
    return {
        "Startseite": ["/"] * count,
        "Suche (Seite)": ["/search?" + s for s in searches],
        "Suche (API)": ["/api/v1/search?" + s for s in searches],
        "Fallseite": ["/cases/" + quote(s) for s in cases],
        "Fall (API)": ["/api/v1/cases/" + quote(s) for s in cases],
        "Kommune": ["/municipalities/" + k for k in rng.sample(owners, min(count, len(owners)))],
        "Liste": ["/cases"] + [f"/cases?page={rng.randint(2, 50)}" for _ in range(count - 1)],
        "Statistik": ["/statistik"] * count,
        "Feed": ["/feeds/cases.atom"] + ["/feeds/cases.atom?" + urlencode({"topic": rng.choice(topics)})
                                         for _ in range(count - 1)],
    }


def measure(client, probe: Probe, path: str) -> Sample:
    probe.reset()
    if probe.cold:
        from kb.services.generation import cache

        cache.clear()
    wall, cpu = time.perf_counter(), time.thread_time()
    response = client.get(path, base_url=BASE_URL)
    body = response.get_data()
    cpu, wall = (time.thread_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{path} → HTTP {response.status_code}: {body[:300]!r}")
    return Sample(cpu, wall, probe.sql_count, probe.sql_ms, probe.sql_in_template, probe.template_ms,
                  probe.search_ms, response.status_code, len(body))


def profile_route(client, probe: Probe, name: str, paths: list[str], profiler_dir: Path | None,
                  statements: bool, budget: float) -> RouteFigures:
    """Request the route's paths (warm-up first); stop early after ``budget`` seconds (3 requests at least)."""
    started = time.monotonic()
    for path in paths[:WARM_UP]:
        measure(client, probe, path)
        if time.monotonic() - started > budget / 10:  # a slow route: one warm-up request is enough
            break
    probe.statements.clear()
    probe.statement_ms.clear()
    probe.record_statements = statements
    profiler = None
    if profiler_dir is not None:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    samples = []
    deadline = time.monotonic() + budget
    with click.progressbar(paths[WARM_UP:], label=f"{name:<14}", file=sys.stderr) as bar:
        for path in bar:
            samples.append(measure(client, probe, path))
            if len(samples) >= 3 and time.monotonic() > deadline:
                break
    if profiler is not None:
        profiler.stop()
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        (profiler_dir / f"{slug}.txt").write_text(profiler.output_text(unicode=True, show_all=False))
        (profiler_dir / f"{slug}.html").write_text(profiler.output_html())
    probe.record_statements = False
    n = len(samples)
    cpu = sorted(s.cpu_ms for s in samples)
    return RouteFigures(
        route=name, requests=n,
        cpu_ms=statistics.fmean(cpu), cpu_p95_ms=cpu[max(0, round(n * 0.95) - 1)],
        wall_ms=statistics.fmean(s.wall_ms for s in samples),
        sql_count=statistics.fmean(s.sql_count for s in samples), sql_count_max=max(s.sql_count for s in samples),
        sql_ms=statistics.fmean(s.sql_ms for s in samples),
        sql_in_template=statistics.fmean(s.sql_in_template for s in samples),
        template_ms=statistics.fmean(s.template_ms for s in samples),
        search_ms=statistics.fmean(s.search_ms for s in samples),
        kb=statistics.fmean(s.size for s in samples) / 1024,
        statements=[(count, probe.statement_ms[text], text) for text, count in probe.statements.most_common(8)],
    )


def table(rows: list[RouteFigures]) -> str:
    """The figures as a Markdown table (the README shows it as it is printed)."""
    lines = ["| Route | Anfragen | CPU ms (Mittel / p95) | SQL Anweisungen (Mittel / max) | davon im Template | "
             "SQL ms | Template ms | Suche ms | KB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r.route} | {r.requests} | {r.cpu_ms:.1f} / {r.cpu_p95_ms:.1f} | "
                     f"{r.sql_count:.1f} / {r.sql_count_max} | {r.sql_in_template:.1f} | {r.sql_ms:.1f} | "
                     f"{r.template_ms:.1f} | {r.search_ms:.1f} | {r.kb:.0f} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=50_000)
    ap.add_argument("--requests", type=int, default=30, help="counted requests per route")
    ap.add_argument("--budget", type=float, default=60.0,
                    help="seconds per route; a slower route stops early (after 3 requests at least)")
    ap.add_argument("--dir", type=Path, help="instance directory (default: a temporary one, removed afterwards)")
    ap.add_argument("--reuse", action="store_true", help="with --dir: keep an instance imported before")
    ap.add_argument("--route", action="append", default=[], help="only these routes (name as in the table)")
    ap.add_argument("--statements", action="store_true", help="list the most frequent SQL statements per route")
    ap.add_argument("--pyinstrument", type=Path, metavar="DIR", help="write a call-tree profile per route")
    ap.add_argument("--cold", action="store_true",
                    help="empty the per-process caches before every request (each request comes after a data change)")
    ap.add_argument("--json", type=Path, help="write the figures to this file")
    args = ap.parse_args()

    work = args.dir or Path(tempfile.mkdtemp(prefix="kb-profile-"))
    env = build_instance(work, args.cases, args.reuse)
    os.environ.update({k: v for k, v in env.items() if k.startswith("KB_")})
    os.environ.pop("KB_DATABASE_URL", None)
    if args.pyinstrument:
        args.pyinstrument.mkdir(parents=True, exist_ok=True)

    from kb import create_app

    app = create_app()
    probe = Probe()
    probe.cold = args.cold
    instrument(app, probe)
    client = app.test_client()
    paths = route_paths(work / "instance", args.requests)
    unknown = set(args.route) - set(paths)
    if unknown:
        ap.error(f"unbekannte Route(n): {', '.join(sorted(unknown))}; bekannt: {', '.join(paths)}")
    load_before = os.getloadavg()[0]
    rows = [profile_route(client, probe, name, route, args.pyinstrument, args.statements, args.budget)
            for name, route in paths.items() if not args.route or name in args.route]
    load_after = os.getloadavg()[0]

    caches = "Zwischenspeicher vor jeder Anfrage geleert" if args.cold else "Zwischenspeicher warm"
    print(f"\n{args.cases} Fälle, {args.requests} Anfragen je Route (anonym, im Prozess, {caches}), "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {_machine()}, Load {load_before:.1f} → {load_after:.1f}\n")
    print(table(rows))
    if args.statements:
        for r in rows:
            print(f"\n{r.route}: häufigste SQL-Anweisungen ({r.requests} Anfragen; Anzahl, ms zusammen)")
            for count, ms, text in r.statements:
                print(f"  {count:6d} × {ms:8.1f} ms  {text}")
    total_cpu = statistics.fmean(r.cpu_ms for r in rows)
    print(f"\nSUMMARY routes={len(rows)} cpu_mean={total_cpu:.1f}ms "
          + " ".join(f"{re.sub(r'[^a-z]', '', r.route.lower())}={r.cpu_ms:.1f}ms/{r.sql_count:.0f}sql" for r in rows)
          + f" load={load_after:.1f}")
    if args.json:
        args.json.write_text(json.dumps({"date": datetime.now(UTC).isoformat(timespec="seconds"),
                                         "cases": args.cases, "machine": _machine(), "load": [load_before, load_after],
                                         "cold": args.cold,
                                         "routes": [asdict(r) for r in rows]}, indent=2, ensure_ascii=False) + "\n")
    if args.dir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
