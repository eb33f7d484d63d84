"""Search quality harness: nDCG@10 and recall@10 per query kind.

Indexes ``corpus.jsonl`` into
  (a) the Whoosh backend (``kb.search.engine``),
  (b) SQLite FTS5 (``unicode61 remove_diacritics 2``, bm25 with column
      weights, query words OR-ed — a reasonable baseline configuration),
  (c) tantivy (default tokenizer and query parser, same field boosts), if
      the ``tantivy`` package is installed (``requirements-eval.txt``),
  (d) the PostgreSQL backend (``kb.search.engine``, ``--backend postgres``), on scratch
      tables in the database given by ``--database-url`` (or ``KB_TEST_DATABASE_URL``),
and prints a table per query file (``queries.jsonl``, ``queries_holdout.jsonl``).

False confidence: ``queries_noanswer.jsonl`` holds everyday administrative queries
that no document of the corpus answers (Hundesteuer, Standesamt, …). An engine
misleads on such a query when it offers a spelling correction or shows any hit
above its relevance floor (engines without a floor: any hit). The rate of misled
queries is printed below the tables.

Run::

    .venv/bin/python -m tests.search_eval.run_eval [--engines whoosh,fts5,tantivy]
        [--queries tests/search_eval/queries.jsonl ...] [--show-misses]
    .venv/bin/python -m tests.search_eval.run_eval --backend postgres \
        --database-url postgresql+psycopg://user@host/db   # compares with whoosh
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sqlite3
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kb.search.engine import SearchDocument, SearchQuery, create_backend  # noqa: E402

CORPUS = HERE / "corpus.jsonl"
QUERY_FILES = [HERE / "queries.jsonl", HERE / "queries_holdout.jsonl"]
NO_ANSWER_FILE = HERE / "queries_noanswer.jsonl"
KINDS = ("exact", "inflection", "compound", "umlaut", "typo", "synonym", "multiword", "place")
FIELDS = ("title", "tags", "topics", "summary", "municipality", "state", "places", "body")
# the same field weights for every engine (title > tags/topics > summary > places > body)
BOOSTS = {
    "title": 5.0, "tags": 3.0, "topics": 2.5, "summary": 2.0,
    "municipality": 2.0, "state": 1.6, "places": 1.3, "body": 1.0,
}
K = 10

Searcher = Callable[[str], list[str]]  # query -> ranked slugs


@dataclass
class Outcome:
    """What an engine answers: slugs in rank order, how many of them lead above the
    relevance floor, and the spelling correction it offers (if any)."""

    ranked: list[str]
    strong: int
    suggestion: str | None = None

    @classmethod
    def unfloored(cls, ranked: list[str]) -> Outcome:
        """An engine without a relevance floor: every hit counts as confident."""
        return cls(ranked, len(ranked))


def load_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip() and not line.startswith("//")]


def load_corpus(path: Path = CORPUS) -> list[dict]:
    return load_jsonl(path)


def to_document(i: int, rec: dict) -> SearchDocument:
    published = datetime.fromisoformat(rec["published"]) if rec.get("published") else None
    return SearchDocument(
        id=i,
        slug=rec["slug"],
        version=rec.get("published") or "",
        title=rec["title"],
        summary=rec["summary"],
        body=rec["body"],
        tags=list(rec.get("tags", [])),
        topics=list(rec.get("topics", [])),
        status=rec.get("status", "in_betrieb"),
        municipality=rec.get("municipality", ""),
        state=rec.get("state"),
        places=list(rec.get("places", [])),
        published=published,
        adopter_count=int(rec.get("adopter_count", 0)),
    )


# ------------------------------------------------------------------ metrics


def ndcg_at_k(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    dcg = sum((2 ** relevant.get(s, 0) - 1) / math.log2(i + 2) for i, s in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at_k(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    rel = {s for s, g in relevant.items() if g > 0}
    return len(rel & set(ranked[:k])) / len(rel) if rel else 0.0


# ------------------------------------------------------------------ engines


class _BackendEngine:
    """One of the project's search backends, loaded with the corpus, answering with slugs."""

    backend = None

    def _load(self, corpus: list[dict]) -> None:
        docs = [to_document(i + 1, r) for i, r in enumerate(corpus)]
        self.backend.rebuild(docs)
        self.slugs = {d.id: d.slug for d in docs}

    def __call__(self, query: str) -> list[str]:
        return self.run(query).ranked

    def run(self, query: str) -> Outcome:
        res = self.backend.search(SearchQuery(text=query, per_page=K))
        ranked = [self.slugs[h.id] for h in res.hits]
        strong = sum(1 for h in res.hits if not getattr(h, "weaker", False))
        return Outcome(ranked, strong, res.suggestion)


class WhooshEngine(_BackendEngine):
    name = "whoosh"

    def __init__(self, corpus: list[dict]) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="kb-eval-")
        self.backend = create_backend("whoosh", index_dir=self._tmp.name)
        self._load(corpus)

    def close(self) -> None:
        self.backend.close()
        self._tmp.cleanup()


class Fts5Engine:
    """SQLite FTS5 as a careful user would configure it out of the box."""

    name = "fts5"

    def __init__(self, corpus: list[dict]) -> None:
        self.db = sqlite3.connect(":memory:")
        cols = ", ".join(FIELDS)
        self.db.execute(
            f"CREATE VIRTUAL TABLE docs USING fts5(slug UNINDEXED, {cols}, "
            "tokenize=\"unicode61 remove_diacritics 2\")"
        )
        rows = []
        for r in corpus:
            rows.append(
                (
                    r["slug"],
                    r["title"],
                    " ; ".join(r.get("tags", [])),
                    " ; ".join(r.get("topics", [])),
                    r["summary"],
                    r.get("municipality", ""),
                    r.get("state") or "",
                    " ; ".join(r.get("places", [])),
                    r["body"],
                )
            )
        self.db.executemany(f"INSERT INTO docs(slug, {cols}) VALUES (?,?,?,?,?,?,?,?,?)", rows)
        self.weights = ", ".join(str(BOOSTS[f]) for f in FIELDS)

    def __call__(self, query: str) -> list[str]:
        words = re.findall(r"\w+", query)
        if not words:
            return []
        match = " OR ".join('"' + w.replace('"', "") + '"' for w in words)
        cur = self.db.execute(
            f"SELECT slug FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0, {self.weights}) LIMIT {K}",
            (match,),
        )
        return [row[0] for row in cur]

    def run(self, query: str) -> Outcome:
        return Outcome.unfloored(self(query))

    def close(self) -> None:
        self.db.close()


class TantivyEngine:
    """tantivy with its default tokenizer and query parser (OR by default)."""

    name = "tantivy"

    def __init__(self, corpus: list[dict]) -> None:
        import tantivy

        sb = tantivy.SchemaBuilder()
        sb.add_text_field("slug", stored=True, tokenizer_name="raw")
        for f in FIELDS:
            sb.add_text_field(f, stored=False)
        self.schema = sb.build()
        self.index = tantivy.Index(self.schema)
        w = self.index.writer(heap_size=50_000_000, num_threads=1)
        for r in corpus:
            doc = tantivy.Document()
            doc.add_text("slug", r["slug"])
            doc.add_text("title", r["title"])
            doc.add_text("tags", " ; ".join(r.get("tags", [])))
            doc.add_text("topics", " ; ".join(r.get("topics", [])))
            doc.add_text("summary", r["summary"])
            doc.add_text("municipality", r.get("municipality", ""))
            doc.add_text("state", r.get("state") or "")
            doc.add_text("places", " ; ".join(r.get("places", [])))
            doc.add_text("body", r["body"])
            w.add_document(doc)
        w.commit()
        w.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def __call__(self, query: str) -> list[str]:
        text = " ".join(re.findall(r"\w+", query))  # no query-language syntax errors
        if not text:
            return []
        q = self.index.parse_query(text, list(FIELDS), field_boosts=dict(BOOSTS))
        res = self.searcher.search(q, K)
        return [self.searcher.doc(addr)["slug"][0] for _score, addr in res.hits]

    def run(self, query: str) -> Outcome:
        return Outcome.unfloored(self(query))

    def close(self) -> None:
        pass


class PostgresEngine(_BackendEngine):
    """The PostgreSQL backend on scratch tables (dropped again by ``close``)."""

    name = "postgres"

    def __init__(self, corpus: list[dict], database_url: str | None = None) -> None:
        from tests.dbprovision import drop_tables

        url = database_url or os.environ.get("KB_TEST_DATABASE_URL")
        if not url:
            raise SystemExit("--backend postgres needs --database-url (or KB_TEST_DATABASE_URL)")
        prefix = f"eval_{os.getpid()}_{os.urandom(3).hex()}"
        self.backend = create_backend("postgres", engine=url, table_prefix=prefix, create_tables=True)
        self._drop = drop_tables
        self._load(corpus)

    def close(self) -> None:
        with self.backend.engine.begin() as conn:
            self._drop(conn, self.backend.tables)
        self.backend.close()


ENGINES = {"whoosh": WhooshEngine, "fts5": Fts5Engine, "tantivy": TantivyEngine, "postgres": PostgresEngine}


def available_engines(names: Iterable[str]) -> list[str]:
    out = []
    for n in names:
        if n == "tantivy":
            try:
                import tantivy  # noqa: F401
            except ImportError:
                print("tantivy not installed (pip install -r requirements-eval.txt): skipped", file=sys.stderr)
                continue
        out.append(n)
    return out


# --------------------------------------------------------------- evaluation


def evaluate(search: Searcher, queries: list[dict]) -> dict:
    """``{"kinds": {kind: {"ndcg", "recall", "n"}}, "overall": {...}, "per_query": [...]}``."""
    per_kind: dict[str, list[tuple[float, float]]] = defaultdict(list)
    per_query = []
    for q in queries:
        ranked = search(q["query"])
        n = ndcg_at_k(ranked, q["relevant"])
        r = recall_at_k(ranked, q["relevant"])
        per_kind[q["kind"]].append((n, r))
        per_query.append({"query": q["query"], "kind": q["kind"], "ndcg": n, "recall": r, "ranked": ranked})
    kinds = {
        k: {"ndcg": sum(x for x, _ in v) / len(v), "recall": sum(y for _, y in v) / len(v), "n": len(v)}
        for k, v in per_kind.items()
    }
    alls = [x for v in per_kind.values() for x in v]
    overall = {
        "ndcg": sum(x for x, _ in alls) / len(alls) if alls else 0.0,
        "recall": sum(y for _, y in alls) / len(alls) if alls else 0.0,
        "n": len(alls),
    }
    return {"kinds": kinds, "overall": overall, "per_query": per_query}


def false_confidence(engine, queries: list[dict]) -> dict:
    """``{"n", "rate", "misled": [{"query", "suggestion", "strong", "ranked"}]}`` over no-answer
    queries: misled = a spelling correction offered or a hit shown above the relevance floor."""
    misled = []
    for q in queries:
        out = engine.run(q["query"])
        if out.suggestion or out.strong:
            misled.append({"query": q["query"], "suggestion": out.suggestion, "strong": out.strong,
                           "ranked": out.ranked[: out.strong]})
    return {"n": len(queries), "rate": len(misled) / len(queries) if queries else 0.0, "misled": misled}


def evaluate_whoosh(queries_file: Path = QUERY_FILES[0], corpus_file: Path = CORPUS) -> dict:
    """Convenience for tests: the Whoosh backend on one query file."""
    engine = WhooshEngine(load_corpus(corpus_file))
    try:
        return evaluate(engine, load_jsonl(queries_file))
    finally:
        engine.close()


def evaluate_backends(queries_files: Iterable[Path] = (QUERY_FILES[0],), database_url: str | None = None,
                      corpus_file: Path = CORPUS, engines: Iterable[str] = ("whoosh", "postgres"),
                      no_answer_file: Path | None = NO_ANSWER_FILE) -> dict[str, dict]:
    """The project's backends on the same corpus: ``{engine: {query file name: evaluate(…),
    "false_confidence": false_confidence(…)}}`` (each engine loaded once)."""
    corpus = load_corpus(corpus_file)
    if isinstance(queries_files, Path):
        queries_files = [queries_files]
    makers = {"whoosh": WhooshEngine, "postgres": lambda c: PostgresEngine(c, database_url)}
    out: dict[str, dict] = {}
    for name in engines:
        engine = makers[name](corpus)
        try:
            out[name] = {f.name: evaluate(engine, load_jsonl(f)) for f in queries_files}
            if no_answer_file is not None:
                out[name]["false_confidence"] = false_confidence(engine, load_jsonl(no_answer_file))
        finally:
            engine.close()
    return out


def format_false_confidence(results: dict[str, dict]) -> str:
    """One line per engine: the false-confidence rate and the queries that misled."""
    lines = []
    for name, fc in results.items():
        misled = len(fc["misled"])
        lines.append(f"false confidence {name:<8} {fc['rate']:.3f} ({misled} of {fc['n']} no-answer queries)")
        for m in fc["misled"][:8]:
            why = f"correction {m['suggestion']!r}" if m["suggestion"] else f"{m['strong']} hit(s) {m['ranked'][:3]}"
            lines.append(f"    {m['query']!r}: {why}")
    return "\n".join(lines)


def format_table(title: str, results: dict[str, dict]) -> str:
    engines = list(results)
    head = f"{'kind':<11} {'n':>3} " + " ".join(f"{e + ' nDCG':>13} {e + ' R@10':>13}" for e in engines)
    lines = [title, head, "-" * len(head)]
    kinds = [k for k in KINDS if any(k in r["kinds"] for r in results.values())]
    kinds += sorted({k for r in results.values() for k in r["kinds"]} - set(kinds))
    for k in kinds:
        n = next(r["kinds"][k]["n"] for r in results.values() if k in r["kinds"])
        cells = []
        for e in engines:
            v = results[e]["kinds"].get(k, {"ndcg": 0.0, "recall": 0.0})
            cells.append(f"{v['ndcg']:>13.3f} {v['recall']:>13.3f}")
        lines.append(f"{k:<11} {n:>3} " + " ".join(cells))
    lines.append("-" * len(head))
    n = next(iter(results.values()))["overall"]["n"]
    lines.append(
        f"{'overall':<11} {n:>3} "
        + " ".join(f"{results[e]['overall']['ndcg']:>13.3f} {results[e]['overall']['recall']:>13.3f}" for e in engines)
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Search quality evaluation (nDCG@10, recall@10)")
    ap.add_argument("--engines", default="whoosh,fts5,tantivy")
    ap.add_argument("--queries", type=Path, action="append")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--no-answer", type=Path, default=NO_ANSWER_FILE,
                    help="no-answer queries for the false-confidence rate")
    ap.add_argument("--show-misses", action="store_true", help="list whoosh queries with nDCG < 0.7")
    ap.add_argument("--backend", choices=["postgres"],
                    help="also evaluate this kb.search.engine backend (postgres: next to whoosh)")
    ap.add_argument("--database-url", help="PostgreSQL URL for --backend postgres (default: KB_TEST_DATABASE_URL)")
    args = ap.parse_args(argv)
    corpus = load_corpus(args.corpus)
    if args.backend == "postgres":
        args.engines = "whoosh,postgres"
    names = available_engines(x.strip() for x in args.engines.split(",") if x.strip())
    engines = {n: (PostgresEngine(corpus, args.database_url) if n == "postgres" else ENGINES[n](corpus))
               for n in names}
    try:
        for qfile in args.queries or QUERY_FILES:
            queries = load_jsonl(qfile)
            results = {n: evaluate(e, queries) for n, e in engines.items()}
            print(format_table(f"\n{qfile.name} ({len(queries)} queries, {len(corpus)} documents)", results))
            if args.show_misses and "whoosh" in results:
                for pq in results["whoosh"]["per_query"]:
                    if pq["ndcg"] < 0.7:
                        q = next(x for x in queries if x["query"] == pq["query"])
                        print(f"  {pq['ndcg']:.2f} [{pq['kind']}] {pq['query']!r}: got {pq['ranked'][:6]}")
                        print(f"       want {q['relevant']}")
        if args.no_answer and args.no_answer.exists():
            queries = load_jsonl(args.no_answer)
            print(f"\n{args.no_answer.name} ({len(queries)} queries without a relevant document)")
            print(format_false_confidence({n: false_confidence(e, queries) for n, e in engines.items()}))
    finally:
        for e in engines.values():
            e.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
