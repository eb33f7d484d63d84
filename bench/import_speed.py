"""Import speed, before and after: ``flask import-cases`` of the same synthetic file, code versions alternating.

    .venv/bin/python bench/import_speed.py [--cases 50000] [--rounds 2] [--before DIR] [--dir DIR]

For each code version (this checkout, and ``--before``: another checkout, e.g. a ``git worktree``
of the commit to compare with) an empty instance is made once (``init-db``, ``seed``, SQLite +
Whoosh, production settings); every round copies it and imports the same ``--cases`` records
(``bench/case_synth.py``), the versions taking turns, then ``check-index`` must be clean.
Printed per run: wall clock, CPU seconds of the command and its worker processes, and the load
average before and after – the machine may be shared, so compare CPU seconds when the load is high.
The last line is a summary (best wall clock and CPU per version); the target of issue 18 is ≤ 30 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from case_synth import write_jsonl  # noqa: E402
from search_speed import bench_env  # noqa: E402

TARGET_S = 30.0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _flask(code: Path, env: dict, *args: str) -> tuple[float, float, str]:
    """``flask import-cases …`` etc. run from checkout ``code``: (wall s, CPU s incl. children, output)."""
    wall, cpu = time.perf_counter(), _cpu()
    done = subprocess.run([str(code / ".venv" / "bin" / "flask"), "--app", "wsgi", *args], cwd=code, env=env,
                          capture_output=True, text=True)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{code}: flask {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return wall, cpu, done.stdout.strip()


def _template(code: Path, work: Path, name: str) -> Path:
    """An empty instance (schema, registry, seed) made by the code in ``code``."""
    data = work / f"template-{name}"
    shutil.rmtree(data, ignore_errors=True)
    env = bench_env(data)
    _flask(code, env, "init-db")
    _flask(code, env, "seed")
    return data


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=50_000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--before", type=Path, help="checkout of the version to compare with (its .venv is used)")
    ap.add_argument("--dir", type=Path, help="work directory (default: a temporary one, removed afterwards)")
    args = ap.parse_args()

    work = args.dir or Path(tempfile.mkdtemp(prefix="kb-import-"))
    work.mkdir(parents=True, exist_ok=True)
    records = work / "cases.jsonl"
    if not records.exists() or sum(1 for _ in records.open()) != args.cases:
        write_jsonl(records, args.cases)
    versions = [("nachher", ROOT)] + ([("vorher", args.before.resolve())] if args.before else [])
    templates = {name: _template(code, work, name) for name, code in versions}
    best: dict[str, tuple[float, float]] = {}
    print(f"{'Stand':10}{'Runde':>6}{'Wanduhr s':>11}{'CPU s':>9}{'Load vorher → nachher':>24}", flush=True)
    for round_ in range(1, args.rounds + 1):
        for name, code in (versions if round_ % 2 else versions[::-1]):
            data = work / f"run-{name}"
            shutil.rmtree(data, ignore_errors=True)
            shutil.copytree(templates[name], data)
            env = bench_env(data)
            load = os.getloadavg()[0]
            wall, cpu, output = _flask(code, env, "import-cases", str(records))
            after = os.getloadavg()[0]
            if f"{args.cases} angelegt" not in output:
                raise SystemExit(f"{name}: unexpected import output:\n{output[-2000:]}")
            check = _flask(code, env, "check-index")[2]
            if "stimmen überein" not in check:
                raise SystemExit(f"{name}: check-index not clean:\n{check[-2000:]}")
            print(f"{name:10}{round_:6}{wall:11.1f}{cpu:9.1f}{load:>14.2f} → {after:.2f}", flush=True)
            old = best.get(name)
            best[name] = (min(wall, old[0]), min(cpu, old[1])) if old else (wall, cpu)
            shutil.rmtree(data, ignore_errors=True)
    summary = " ".join(f"{name}={wall:.1f}s/cpu={cpu:.1f}s" for name, (wall, cpu) in best.items())
    met = best["nachher"][0] <= TARGET_S
    print(f"SUMMARY cases={args.cases} {summary} load={os.getloadavg()[0]:.2f} "
          f"import<={TARGET_S:.0f}s={'OK' if met else 'MISSED'}")
    if args.dir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
