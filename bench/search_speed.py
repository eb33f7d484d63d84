"""Speed harness: 50,000 cases through ``flask import-cases``, then HTTP latency under gunicorn.

1. synthesise N valid import records (``bench/case_synth.py``: real municipalities, topics from
   the vocabulary, varied German text);
2. a fresh instance: ``init-db``, ``seed``, then ``import-cases`` of the N records, timed
   (wall clock and CPU seconds of the command and its analysis workers, search index included);
3. ``check-index`` must be clean;
4. gunicorn with 2 workers (``gunicorn.conf.py``) on a free port; after a few warm-up requests,
   300 distinct queries against ``/api/v1/search`` (single words, compounds, typos, umlaut-free
   spellings, several words, place queries, some with filters or page 2) and 300 case pages
   ``/cases/<slug>``, one request at a time, p50/p95 latency measured by the client;
5. SQLite FTS5 (``unicode61 remove_diacritics 2``, BM25 with the same field weights) on the same
   documents and the same query texts, timed in-process (top 10 and total; no HTTP, no facets,
   no highlights — a lower bound for an FTS5-based endpoint);
6. a table and a one-line summary (``--json FILE`` writes the figures for the README).

    .venv/bin/python bench/search_speed.py [--cases 50000] [--queries 300] [--pages 300]
        [--workers 2] [--dir DIR] [--reuse] [--json FILE]

Targets (2 cores): import ≤ 180 s, search p95 ≤ 50 ms, case page p95 ≤ 50 ms over HTTP (the exit
code). The rollout bar is printed beside them: search p95 ≤ 10 ms and not above FTS5's p95, import ≤ 30 s.
Other load on the machine inflates wall-clock figures: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

import click

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from case_synth import write_jsonl  # noqa: E402
from search_inprocess import Synth  # noqa: E402

BIN = Path(sys.executable).parent
TARGETS = {"import_s": 180.0, "search_p95_ms": 50.0, "case_p95_ms": 50.0}
#: the bar for a national rollout: search p95 and import, and search not slower than FTS5 (p95)
ROLLOUT_TARGETS = {"import_s": 30.0, "search_p95_ms": 10.0}
FTS_FIELDS = ("title", "tags", "topics", "summary", "municipality", "state", "places", "body")
FTS_BOOSTS = (5.0, 3.0, 2.5, 2.0, 2.0, 1.6, 1.3, 1.0)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _load() -> float:
    return os.getloadavg()[0]


def _flask(env: dict, *args: str, timeout: float = 3600) -> tuple[float, float, str]:
    """Run ``flask --app wsgi ARGS``; return (wall s, CPU s incl. its children, output)."""
    wall, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    wall, cpu = time.perf_counter() - wall, _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-4000:]}")
    return wall, cpu, done.stdout.strip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str) -> tuple[int, bytes, float]:
    """One GET on a fresh connection (gunicorn's sync workers close after each response)."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body, (time.perf_counter() - started) * 1000


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p95 = ordered[max(0, int(round(len(ordered) * 0.95)) - 1)]
    return statistics.median(ordered), p95, ordered[-1]


def _queries(n: int) -> list[tuple[str, str]]:
    """``n`` distinct search requests of mixed kinds (see bench/search_inprocess.py): (path, text)."""
    out = []
    for q in Synth(seed=7).queries(n):
        params = [("q", q.text)] + [("topic", t) for t in q.topics] + [("state", s) for s in q.states]
        params += [("status", s) for s in q.statuses]
        if q.page > 1:
            params.append(("page", str(q.page)))
        out.append(("/api/v1/search?" + urlencode(params), q.text))
    return out


class Gunicorn:
    """gunicorn serving the instance on a free port (context manager)."""

    def __init__(self, env: dict, workers: int) -> None:
        self.port = _free_port()
        self.cmd = [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "-w", str(workers),
                    "-b", f"127.0.0.1:{self.port}", "--timeout", "120", "wsgi:app"]
        self.env = env
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if _get(self.port, "/api/v1/search?q=warm")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.3)
        self.log.seek(0)
        raise SystemExit("gunicorn did not start:\n" + self.log.read().decode()[-4000:])

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(30)


def _http_latencies(port: int, paths: list[str], label: str, check) -> list[float]:
    times = []
    with click.progressbar(paths, label=label, file=sys.stderr) as bar:
        for path in bar:
            status, body, ms = _get(port, path)
            if status != 200:
                raise SystemExit(f"{path} → HTTP {status}: {body[:300]!r}")
            check(body)
            times.append(ms)
    return times


def _check_search(body: bytes) -> None:
    data = json.loads(body)
    assert {"total", "results", "facets", "suggestion"} <= data.keys(), data.keys()


def _check_case(body: bytes) -> None:
    assert b"<h1" in body


def _fts5_baseline(env: dict, texts: list[str]) -> dict:
    """Build FTS5 over the instance's search documents and time the same query texts in-process."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("KB_")})
    from kb import create_app
    from kb.extensions import db
    from kb.search.documents import all_documents

    app = create_app()
    fts = sqlite3.connect(":memory:")
    fts.execute(f"CREATE VIRTUAL TABLE docs USING fts5(slug UNINDEXED, {', '.join(FTS_FIELDS)}, "
                "tokenize=\"unicode61 remove_diacritics 2\")")
    started = time.perf_counter()
    with app.app_context():
        rows = ((d.slug, d.title, " ; ".join(d.tags), " ; ".join(d.topics), d.summary, d.municipality,
                 d.state or "", " ; ".join(d.places), d.body) for d in all_documents(db.session))
        fts.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?)", rows)
    build = time.perf_counter() - started
    weights = ", ".join(map(str, FTS_BOOSTS))
    times = []
    for text in texts:
        words = re.findall(r"\w+", text)
        match = " OR ".join('"' + w + '"' for w in words) or '""'
        started = time.perf_counter()
        top = fts.execute(f"SELECT slug FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0, {weights}) LIMIT 10",
                          (match,)).fetchall()
        total = fts.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[0]
        times.append((time.perf_counter() - started) * 1000)
        assert total >= len(top)
    return {"build_s": build, "times": times}


def bench_env(data_dir: Path) -> dict:
    """The environment of a bench instance in ``data_dir`` (SQLite + Whoosh, production settings)."""
    env = {**os.environ, "KB_DATA_DIR": str(data_dir), "KB_ENV": "production", "KB_SECRET_KEY": "bench-only",
           "KB_API_RATE_LIMIT": "1000000/minute", "KB_SEARCH_BACKEND": "whoosh",
           "KB_BASE_URL": "http://127.0.0.1"}  # production needs it; only this host is accepted
    env.pop("KB_DATABASE_URL", None)
    return env


def build_instance(work: Path, cases: int, reuse: bool = False, figures: dict | None = None) -> dict:
    """A fresh instance under ``work/instance`` with ``cases`` synthetic cases imported (timed into
    ``figures``), or the one imported before (``reuse``); ``check-index`` must be clean. Return its env."""
    figures = {} if figures is None else figures
    work.mkdir(parents=True, exist_ok=True)
    data_dir = work / "instance"
    env = bench_env(data_dir)
    if not (reuse and (data_dir / "kb.sqlite3").exists()):
        shutil.rmtree(data_dir, ignore_errors=True)
        records = work / "cases.jsonl"
        started = time.perf_counter()
        write_jsonl(records, cases)
        print(f"{cases} Datensätze erzeugt ({records.stat().st_size / 1e6:.0f} MB) – "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        _flask(env, "init-db")
        _flask(env, "seed")
        load_before = _load()
        wall, cpu, output = _flask(env, "import-cases", str(records))
        figures.update(import_s=wall, import_cpu_s=cpu, import_load=(load_before, _load()))
        print(f"import-cases: {wall:.1f} s Wanduhr, {cpu:.1f} s CPU (mit Analyseprozessen); "
              f"Load {load_before:.1f} → {_load():.1f}\n  {output.splitlines()[-1]}", flush=True)
    wall, _cpu, output = _flask(env, "check-index")
    print(f"check-index: {output.splitlines()[-1]} – {wall:.1f} s", flush=True)
    return env


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=50_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--dir", type=Path, help="instance directory (default: a temporary one, removed afterwards)")
    ap.add_argument("--reuse", action="store_true", help="with --dir: keep an instance imported before")
    ap.add_argument("--json", type=Path, help="write the figures to this file")
    args = ap.parse_args()

    work = args.dir or Path(tempfile.mkdtemp(prefix="kb-speed-"))
    figures: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "cases": args.cases,
                     "cpus": os.cpu_count(), "machine": _machine()}
    env = build_instance(work, args.cases, args.reuse, figures)
    data_dir = work / "instance"

    queries = _queries(args.queries + 20)  # the last 20 only warm the workers up
    search_paths = [path for path, _text in queries[: args.queries]]
    slugs = [row[0] for row in sqlite3.connect(data_dir / "kb.sqlite3").execute(
        "SELECT slug FROM use_case WHERE moderation = 'published'")]
    case_paths = ["/cases/" + quote(s) for s in random.Random(3).sample(slugs, min(args.pages, len(slugs)))]
    with Gunicorn(env, args.workers) as server:
        for path in [p for p, _t in queries[args.queries :]] + case_paths[:10]:  # warm-up, not counted
            _get(server.port, path)
        load_before = _load()
        search_ms = _http_latencies(server.port, search_paths, "Suche (HTTP)", _check_search)
        case_ms = _http_latencies(server.port, case_paths, "Fallseiten (HTTP)", _check_case)
        figures["http_load"] = (load_before, _load())
    fts = _fts5_baseline(env, [text for _path, text in queries[: args.queries]])

    _report(figures, search_ms, case_ms, fts)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    if args.dir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if figures["targets_met"] else 1


def _machine() -> str:
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        model = "unbekannte CPU"
    return f"{os.cpu_count()} × {model}"


def _report(figures: dict, search_ms: list[float], case_ms: list[float], fts: dict) -> None:
    s50, s95, smax = _percentiles(search_ms)
    c50, c95, cmax = _percentiles(case_ms)
    f50, f95, fmax = _percentiles(fts["times"])
    figures.update(search_p50_ms=s50, search_p95_ms=s95, case_p50_ms=c50, case_p95_ms=c95,
                   fts5_p50_ms=f50, fts5_p95_ms=f95, fts5_build_s=fts["build_s"])
    print(f"\n{'':28}{'p50':>9}{'p95':>9}{'max':>9}")
    print(f"{'Suche /api/v1/search (HTTP)':28}{s50:9.1f}{s95:9.1f}{smax:9.1f}  ms, {len(search_ms)} Anfragen")
    print(f"{'Fallseite /cases/… (HTTP)':28}{c50:9.1f}{c95:9.1f}{cmax:9.1f}  ms, {len(case_ms)} Anfragen")
    print(f"{'SQLite FTS5 (im Prozess)':28}{f50:9.1f}{f95:9.1f}{fmax:9.1f}  ms, Aufbau {fts['build_s']:.1f} s")
    met = (figures.get("import_s", 0) <= TARGETS["import_s"] and s95 <= TARGETS["search_p95_ms"]
           and c95 <= TARGETS["case_p95_ms"])
    figures["targets_met"] = met
    imported = (f"import={figures['import_s']:.0f}s/cpu={figures['import_cpu_s']:.0f}s "
                if "import_s" in figures else "import=(wiederverwendet) ")
    print(f"\nSUMMARY cases={figures['cases']} {imported}search_p50={s50:.1f}ms search_p95={s95:.1f}ms "
          f"case_p50={c50:.1f}ms case_p95={c95:.1f}ms fts5_p95={f95:.1f}ms load={_load():.1f} "
          f"targets(import<=180s,p95<=50ms)={'OK' if met else 'MISSED'}")
    rollout = {
        "search_p95<=10ms": s95 <= ROLLOUT_TARGETS["search_p95_ms"],
        "search_p95<=fts5_p95": s95 <= f95,
        "import<=30s": figures["import_s"] <= ROLLOUT_TARGETS["import_s"] if "import_s" in figures else None,
    }
    figures["rollout_targets"] = rollout
    print("ROLLOUT " + " ".join(f"{name}={'-' if ok is None else 'OK' if ok else 'MISSED'}"
                                for name, ok in rollout.items()))


if __name__ == "__main__":
    raise SystemExit(main())
