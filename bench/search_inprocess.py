"""In-process search micro-benchmark for the Whoosh backend.

Synthesises N (default 50,000) varied German use-case documents — sentences
recombined from the eval corpus, towns/Kreise/Länder from the Destatis
registry, topics from ``seed_data/topics.txt``, plus long-tail vocabulary from
the decompounding lexicon — times ``rebuild`` and then runs 300 distinct
queries (with facets and highlights, some with filters/paging), printing
p50/p95 latency and a one-line summary.

    .venv/bin/python bench/search_inprocess.py [--docs 50000] [--queries 300]
        [--index-dir DIR] [--keep] [--profile]

Targets: rebuild 50k ≤ 120 s, search p95 ≤ 25 ms (2 cores).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import random
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kb.search.engine import SearchDocument, SearchQuery, create_backend  # noqa: E402

EVAL = ROOT / "tests" / "search_eval"
STATUSES = ("planung", "pilot", "in_betrieb", "eingestellt")


def _cpu() -> float:
    """CPU seconds of this process and its (finished) children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip()) > 20]


class Synth:
    def __init__(self, seed: int = 42) -> None:
        self.rng = random.Random(seed)
        corpus = [json.loads(line) for line in (EVAL / "corpus.jsonl").open(encoding="utf-8")]
        self.titles = [c["title"] for c in corpus]
        self.summaries = [c["summary"] for c in corpus]
        self.sentences = [s for c in corpus for s in _sentences(c["body"])]
        self.tags = sorted({t for c in corpus for t in c["tags"]})
        self.topics = [
            line.split("|")[0].strip()
            for line in (ROOT / "seed_data" / "topics.txt").open(encoding="utf-8")
            if line.strip() and not line.startswith("#")
        ]
        self.towns: list[tuple[str, str, str]] = []
        registry = ROOT / "seed_data" / "registry" / "gemeinden_destatis_gv_20201231.csv"
        with registry.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                self.towns.append((row["name"].split(",")[0], row["bundesland"], row["kreis_name"].split(",")[0]))
        lex = ROOT / "seed_data" / "search" / "lexicon_nouns.txt.gz"
        with gzip.open(lex, "rt", encoding="utf-8") as fh:
            words = [w for w in fh.read().split() if w.isalpha() and 6 <= len(w) <= 18]
        self.rng.shuffle(words)
        self.longtail = [w.capitalize() for w in words[:40_000]]
        self.verbs = [
            "verbessert", "unterstützt", "beschleunigt", "vereinfacht", "ermöglicht", "digitalisiert", "ersetzt",
        ]

    def doc(self, i: int) -> SearchDocument:
        r = self.rng
        town, land, kreis = r.choice(self.towns)
        title = r.choice(self.titles)
        if r.random() < 0.5:
            title = f"{title} in {town}"
        body_parts = r.sample(self.sentences, r.randint(4, 9))
        extra = " ".join(
            f"Die {r.choice(self.longtail)} {r.choice(self.verbs)} die {r.choice(self.longtail)} in {town}."
            for _ in range(r.randint(1, 4))
        )
        body = " ".join(body_parts) + " " + extra
        adopters = [r.choice(self.towns) for _ in range(r.randint(0, 3))]
        places = [kreis] + [a[0] for a in adopters] + sorted({a[1] for a in adopters})
        return SearchDocument(
            id=i,
            slug=f"fall-{i}",
            version=f"2024-01-01T00:00:{i % 60:02d}",
            title=title,
            summary=r.choice(self.summaries),
            body=body,
            tags=r.sample(self.tags, r.randint(1, 4)),
            topics=r.sample(self.topics, r.randint(1, 2)),
            status=r.choice(STATUSES),
            municipality=town,
            state=land,
            places=places,
            published=datetime(2018, 1, 1) + timedelta(days=r.randint(0, 2500)),
            adopter_count=len(adopters),
        )

    def queries(self, n: int) -> list[SearchQuery]:
        r = self.rng
        texts: list[str] = []
        for name in ("queries.jsonl", "queries_holdout.jsonl"):
            texts += [json.loads(line)["query"] for line in (EVAL / name).open(encoding="utf-8")]
        words = sorted({w for t in self.titles for w in re.findall(r"[A-Za-zÄÖÜäöüß]{5,}", t)})
        lands = sorted({t[1] for t in self.towns})
        seen = set(texts)
        while len(texts) < n:
            kind = r.random()
            if kind < 0.35:
                q = r.choice(words)
            elif kind < 0.6:
                q = f"{r.choice(words)} {r.choice(words)}"
            elif kind < 0.7:
                q = f"Projekte in {r.choice(lands)}"
            elif kind < 0.8:
                q = f"{r.choice(words)} {r.choice(self.towns)[0]}"
            elif kind < 0.9:  # typo
                w = r.choice(words)
                j = r.randrange(1, len(w) - 1)
                q = w[:j] + w[j + 1 :]
            else:
                q = r.choice(self.longtail)
            if q not in seen:
                seen.add(q)
                texts.append(q)
        out = []
        for t in texts[:n]:
            q = SearchQuery(text=t)
            x = r.random()
            if x < 0.15:
                q.topics = [r.choice(self.topics)]
            elif x < 0.25:
                q.states = r.sample(lands, 2)
            elif x < 0.3:
                q.page = 2
            out.append(q)
        return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=50_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--index-dir", type=Path)
    ap.add_argument("--keep", action="store_true", help="keep the index (with --index-dir: reuse it)")
    ap.add_argument("--profile", action="store_true", help="cProfile the query loop")
    args = ap.parse_args()

    synth = Synth()
    tmp = None
    index_dir = args.index_dir
    if index_dir is None:
        tmp = tempfile.mkdtemp(prefix="kb-bench-")
        index_dir = Path(tmp)
    backend = create_backend("whoosh", index_dir=index_dir)
    reuse = args.keep and args.index_dir is not None and backend.doc_count() == args.docs
    rebuild_s = 0.0
    rebuild_cpu = 0.0
    if not reuse:
        t0 = time.perf_counter()
        with click.progressbar(range(args.docs), label="synthesise", file=sys.stderr) as bar:
            docs = [synth.doc(i + 1) for i in bar]
        print(f"synthesised {len(docs)} documents in {time.perf_counter() - t0:.1f} s")
        with click.progressbar(length=args.docs, label="rebuild", file=sys.stderr) as bar:
            t0 = time.perf_counter()
            c0 = _cpu()
            n = backend.rebuild(docs, progress=bar.update)
            rebuild_s = time.perf_counter() - t0
            rebuild_cpu = _cpu() - c0
        print(
            f"rebuild: {n} docs in {rebuild_s:.1f} s wall ({n / rebuild_s:.0f} docs/s), "
            f"{rebuild_cpu:.1f} s CPU incl. analysis workers, load average now {os.getloadavg()[0]:.1f}"
        )
    else:
        for i in range(args.docs):  # keep the RNG sequence identical
            synth.doc(i + 1)
    size_mb = sum(p.stat().st_size for p in Path(index_dir).iterdir() if p.is_file()) / 1e6
    print(f"index size: {size_mb:.1f} MB")

    queries = synth.queries(args.queries)
    t0 = time.perf_counter()
    backend.warm_up()  # what a web worker does at start: reader, analysis data, spelling vocabulary
    print(f"warm-up (open reader, load analysis data and term table): {(time.perf_counter() - t0) * 1000:.0f} ms")

    prof = None
    if args.profile:
        import cProfile

        prof = cProfile.Profile()
    times: list[float] = []
    cpu_times: list[float] = []
    slow: list[tuple[float, str]] = []
    with click.progressbar(queries, label="queries", file=sys.stderr) as bar:
        for q in bar:
            if prof:
                prof.enable()
            t = time.perf_counter()
            c = time.process_time()
            res = backend.search(q)
            dc = (time.process_time() - c) * 1000
            dt = (time.perf_counter() - t) * 1000
            if prof:
                prof.disable()
            times.append(dt)
            cpu_times.append(dc)
            slow.append((dt, f"{q.text!r} total={res.total}"))
    times.sort()
    cpu_times.sort()
    p50 = statistics.median(times)
    p95 = times[int(len(times) * 0.95) - 1]
    cpu95 = cpu_times[int(len(cpu_times) * 0.95) - 1]
    print(
        f"queries: {len(times)}  p50 {p50:.1f} ms  p95 {p95:.1f} ms  max {times[-1]:.1f} ms (wall); "
        f"CPU p50 {statistics.median(cpu_times):.1f} ms  p95 {cpu95:.1f} ms; load average {os.getloadavg()[0]:.1f}"
    )
    print("slowest:", "; ".join(f"{d:.0f} ms {s}" for d, s in sorted(slow, reverse=True)[:5]))
    ok = (rebuild_s <= 120 or reuse) and p95 <= 25
    print(
        f"SUMMARY docs={args.docs} rebuild={rebuild_s:.1f}s p50={p50:.1f}ms p95={p95:.1f}ms cpu_p95={cpu95:.1f}ms "
        f"index={size_mb:.0f}MB targets(rebuild<=120s,p95<=25ms)={'OK' if ok else 'MISSED'}"
    )
    if prof:
        import pstats

        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    backend.close()
    if tmp and not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
