"""Where the server's CPU goes under ``make load-test``: py-spy samples every gunicorn worker.

Runs the load test's mixed traffic (bench/load_test.py: throwaway instance, gunicorn as configured)
while ``py-spy record`` samples all workers, then prints the share of the busy samples per view (a
function in ``kb/views/``; "außerhalb der Views" is gunicorn, Flask, session, log, cache lookups) and
the functions with the largest inclusive share. Idle samples (waiting for a connection) are left out.

    .venv/bin/python bench/profile_server.py [--duration 40] [--database-url URL --search postgres]
        [--focus "search (kb/views/catalog/search_views.py"] [--raw FILE]

``--focus`` restricts the function table to the samples whose stack holds that frame.
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load_test  # noqa: E402

IDLE = ("select (selectors", "accept (socket", "close_graceful", "wait (gunicorn", "sleep (gunicorn")
_LINE = re.compile(r":\d+\)")


def record(args) -> Path:
    """Run the load test while py-spy records every worker; the path of the raw samples."""
    spy = shutil.which("py-spy", path=str(load_test.BIN)) or shutil.which("py-spy")
    if spy is None:
        sys.exit("py-spy fehlt: .venv/bin/pip install -r requirements-dev.txt")
    raw = Path(args.raw or tempfile.mktemp(prefix="kb-spy-", suffix=".txt"))
    with load_test.serve(args) as (base, accounts, token):
        sampler = subprocess.Popen([spy, "record", "-p", str(args.server_pid), "--subprocesses", "-r", "100",
                                    "-f", "raw", "-o", str(raw), "-d", str(args.duration - 2), "--nonblocking"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stats = load_test.run_load(base, accounts, token, args)
        sampler.wait()
    print(load_test.report(stats, args.duration), file=sys.stderr)
    return raw


def busy_stacks(raw: Path):
    """(frames without line numbers, count) of every busy sample of a worker."""
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit() or "init_process" not in stack or "asyncio" in stack:
            continue
        frames = [_LINE.sub(")", frame) for frame in stack.split(";")]
        if any(idle in frame for frame in frames[-3:] for idle in IDLE):
            continue
        yield frames, int(count)


def shares(raw: Path, focus: str | None, top: int) -> str:
    views: collections.Counter = collections.Counter()
    inclusive: collections.Counter = collections.Counter()
    total = focused = 0
    for frames, count in busy_stacks(raw):
        total += count
        view = next((f for f in frames if "kb/views/" in f and "template_helpers" not in f), "außerhalb der Views")
        views[view] += count
        if focus and not any(focus in f for f in frames):
            continue
        focused += count
        for frame in set(frames):
            inclusive[frame] += count
    lines = [f"{total} Stichproben (beschäftigt) – Anteil je View:"]
    lines += [f"{100 * n / total:6.1f} %  {name}" for name, n in views.most_common(15)]
    lines.append(f"Funktionen mit dem größten Anteil{' in ' + focus if focus else ''} ({focused} Stichproben):")
    lines += [f"{100 * n / max(focused, 1):6.1f} %  {name}" for name, n in inclusive.most_common(top + 40)
              if not name.startswith("process ") and n < focused][:top]  # frames of every sample say nothing
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="CPU der Worker unter gemischtem Verkehr, je View")
    ap.add_argument("--duration", type=int, default=40)
    ap.add_argument("--readers", type=int, default=16)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--worker-class", default="sync")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--database-url")
    ap.add_argument("--search", default="whoosh", choices=["whoosh", "postgres"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--focus", help="nur Stacks mit diesem Rahmen, z. B. 'declare (kb/views/adoption/views.py'")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--raw", help="Stichproben hierhin schreiben (oder mit --analyse nur auswerten)")
    ap.add_argument("--analyse", action="store_true", help="nur eine vorhandene --raw-Datei auswerten")
    args = ap.parse_args(argv)
    raw = Path(args.raw) if args.analyse else record(args)
    print(shares(raw, args.focus, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
