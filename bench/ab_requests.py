"""Two revisions side by side: CPU time and instructions per request of the same requests, in-process.

For a before/after comparison of a restructuring (issue 17: "make bench p95 is not worse"). The
script runs against any checkout of Praxisatlas (``--tree``; it imports that tree's ``kb`` only
through ``create_app`` and Flask's test client, so it works on revisions older than itself) and an
instance imported by that tree's own code (``--data-dir``). The requests come from a file written
once (``--write-paths``) so both sides get exactly the same search queries and case pages.

Per request it measures the CPU time of the request's thread (``time.thread_time``: load from other
processes inflates it far less than wall-clock time, though shared cores and caches still add up to
half under heavy load – so the sides alternate and the load average is printed). With
``--callgrind`` the counted requests run between two callgrind client requests
(``CALLGRIND_TOGGLE_COLLECT`` in a two-line C helper compiled on the fly with ``cc`` and valgrind's
``callgrind.h``), so ``valgrind --tool=callgrind --collect-atstart=no`` counts the instructions of
exactly those requests (``totals:`` in its output file): a deterministic figure, independent of the
machine's load.

``--warm-up`` first prepares the app as gunicorn's ``post_worker_init`` does (``prepare_worker`` of
the tree, then ``gc.collect()`` and ``gc.freeze()``): the state the HTTP bench's workers answer in.
``--dump FILE`` writes every counted response body (path → text) to FILE: two trees' dumps must be
byte for byte the same when a change should only make things faster (``cmp``).

    .venv/bin/python bench/ab_requests.py --write-paths PATHS.json --data-dir DIR [--n 300]
    .venv/bin/python bench/ab_requests.py --tree TREE --data-dir DIR --paths PATHS.json [--route search]
        [--n 300] [--json OUT]
    valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file=OUT \\
        .venv/bin/python bench/ab_requests.py --tree TREE --data-dir DIR --paths PATHS.json \\
        --route search --n 50 --callgrind
    .venv/bin/python bench/ab_requests.py --tree TREE --data-dir DIR --paths PATHS.json --warm-up --dump OUT.json
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

BASE_URL = "http://127.0.0.1"
WARM_UP = 10


def _env(data_dir: Path) -> None:
    os.environ.update({"KB_DATA_DIR": str(data_dir), "KB_ENV": "production", "KB_SECRET_KEY": "bench-only",
                       "KB_API_RATE_LIMIT": "1000000/minute", "KB_SEARCH_BACKEND": "whoosh",
                       "KB_BASE_URL": BASE_URL})
    os.environ.pop("KB_DATABASE_URL", None)


def write_paths(out: Path, data_dirs: list[Path], n: int) -> None:
    """Search requests of bench/search_speed.py's mix and case pages present in every instance."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from search_inprocess import Synth

    search = []
    for q in Synth(seed=7).queries(n + WARM_UP):
        params = [("q", q.text)] + [("topic", t) for t in q.topics] + [("state", s) for s in q.states]
        params += [("status", s) for s in q.statuses]
        if q.page > 1:
            params.append(("page", str(q.page)))
        search.append("/api/v1/search?" + urlencode(params))
    slug_sets = []
    for data_dir in data_dirs:
        db = sqlite3.connect(data_dir / "kb.sqlite3")
        slug_sets.append({r[0] for r in db.execute("SELECT slug FROM use_case WHERE moderation = 'published'")})
        db.close()
    common = sorted(set.intersection(*slug_sets))
    cases = ["/cases/" + quote(s) for s in random.Random(3).sample(common, n + WARM_UP)]
    out.write_text(json.dumps({"search": search, "case": cases}, indent=1, ensure_ascii=False))


def _collector() -> ctypes.CDLL:
    """``kb_collect_toggle()`` switches callgrind's collection on and off (a no-op without valgrind)."""
    build = Path(tempfile.mkdtemp(prefix="kb-ab-"))
    (build / "run.c").write_text("#include <valgrind/callgrind.h>\n"
                                 "void kb_collect_toggle(void) { CALLGRIND_TOGGLE_COLLECT; }\n")
    subprocess.run(["cc", "-O0", "-shared", "-fPIC", "-o", str(build / "run.so"), str(build / "run.c")], check=True)
    return ctypes.CDLL(str(build / "run.so"))


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(len(ordered) * p)) - 1)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", type=Path, help="checkout whose kb package is measured")
    ap.add_argument("--data-dir", type=Path, action="append", required=True,
                    help="instance directory (KB_DATA_DIR); with --write-paths: every instance compared")
    ap.add_argument("--paths", type=Path, help="request file written by --write-paths")
    ap.add_argument("--write-paths", type=Path, metavar="FILE")
    ap.add_argument("--route", choices=("search", "case", "both"), default="both")
    ap.add_argument("--n", type=int, default=300, help="counted requests per route")
    ap.add_argument("--callgrind", action="store_true", help="collect instructions of the counted requests only")
    ap.add_argument("--warm-up", action="store_true", help="warm the app as gunicorn's post_worker_init does")
    ap.add_argument("--dump", type=Path, metavar="FILE", help="write the counted responses' bodies (path → text)")
    ap.add_argument("--label", default="")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if args.write_paths:
        write_paths(args.write_paths, args.data_dir, args.n)
        return 0

    tree = args.tree.resolve()
    _env(args.data_dir[0].resolve())
    sys.path.insert(0, str(tree))
    os.chdir(tree)
    from kb import create_app

    app = create_app()
    if args.warm_up:
        from kb.web.worker_start import prepare_worker

        prepare_worker(app)
        gc.collect()
        gc.freeze()
    client = app.test_client()
    paths = json.loads(args.paths.read_text())
    routes = ["search", "case"] if args.route == "both" else [args.route]
    bodies: dict[str, str] = {}

    def get(path: str) -> float:
        cpu = time.thread_time()
        response = client.get(path, base_url=BASE_URL)
        body = response.get_data()
        cpu = (time.thread_time() - cpu) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{path} → HTTP {response.status_code}")
        bodies[path] = body.decode()
        return cpu

    for route in routes:  # warm-up: the last WARM_UP paths of each route, never counted
        for path in paths[route][-WARM_UP:]:
            get(path)
    times: dict[str, list[float]] = {route: [] for route in routes}

    def run_all() -> None:
        for route in routes:
            for path in paths[route][: args.n]:
                times[route].append(get(path))

    load = os.getloadavg()[0]
    if args.callgrind:
        collect = _collector()
        collect.kb_collect_toggle()
        run_all()
        collect.kb_collect_toggle()
    else:
        run_all()
    result = {"tree": str(tree), "label": args.label, "load": [load, os.getloadavg()[0]]}
    for route, values in times.items():
        result[route] = {"n": len(values), "p50": statistics.median(values), "p95": _percentile(values, 0.95),
                         "mean": statistics.fmean(values), "values": values}
        print(f"{args.label or tree.name:12} {route:6} n={len(values)} CPU ms p50={statistics.median(values):.2f} "
              f"p95={_percentile(values, 0.95):.2f} mean={statistics.fmean(values):.2f} "
              f"load={load:.2f}→{os.getloadavg()[0]:.2f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(result))
    if args.dump:
        counted = [path for route in routes for path in paths[route][: args.n]]
        args.dump.write_text(json.dumps({path: bodies[path] for path in counted}, ensure_ascii=False, indent=0))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
