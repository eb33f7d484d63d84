"""PostgreSQL full-text backend: the same :class:`SearchBackend` on tables in the app's database.

Any number of app servers share it; nothing is kept on local disk. Documents are analysed
with :mod:`kb.search.engine.german` and scored with the BM25F impacts of :mod:`kb.search.engine.ranking`,
exactly like the Whoosh backend, so both rank the same way (tables: :mod:`postgres_schema`,
SQL: :mod:`postgres_query`).

Writes take ``pg_advisory_xact_lock`` locks: one per document (so the vocabulary's document
frequencies stay exact when two servers index the same case) and a shared lock on the index,
which ``rebuild`` takes exclusively. ``rebuild`` replaces everything in one transaction;
searches see the old content until it commits. A writer that waits longer than
``lock_timeout`` seconds raises :class:`IndexBusyError`.
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from kb.search.engine import german, plan, ranking
from kb.search.engine.base import (
    IndexBusyError,
    SearchDocument,
    SearchError,
    SearchHit,
    SearchQuery,
    SearchResult,
    page_ranges,
)
from kb.search.engine.postgres.query import (
    TERM_RE,
    Statement,
    facet_counts,
    score_columns,
    scoring_groups,
    search_statement,
    tsquery_of,
)
from kb.search.engine.postgres.schema import Tables, create_tables
from kb.search.engine.postgres.vocabulary import TermTable

__all__ = ["PostgresBackend"]

log = logging.getLogger(__name__)
WEIGHT_FIELDS = (("A", ("title",)), ("B", ("tags", "topics")), ("C", ("summary",)))
RETRIES = 4
_TRANSIENT = ("40001", "40P01")  # serialization failure, deadlock detected
_LOCK_TIMEOUT = "55P03"
HIGHLIGHTS_KEPT = 5_000  # per process: (document, query terms) -> the texts and their highlights


class PostgresBackend:
    """Search backend on PostgreSQL full-text search.

    ``engine``: a SQLAlchemy engine (or a ``postgresql+psycopg://`` URL); ``table_prefix``
    (default ``search``: tables ``search_document`` and ``search_term``); ``lock_timeout``
    seconds a writer waits for another one (default 120); ``snippet_size`` (default 200);
    ``create_tables``: create missing tables on start (the app's migrations do that);
    ``rebuild_procs``: processes analysing documents in large rebuilds (default: CPU count)."""

    name = "postgres"

    def __init__(self, engine: Engine | str, table_prefix: str = "search", lock_timeout: float = 120.0,
                 snippet_size: int = 200, create_tables: bool = False, rebuild_procs: int | None = None) -> None:
        self._own_engine = isinstance(engine, str)
        self.engine = create_engine(engine, pool_pre_ping=True) if isinstance(engine, str) else engine
        if self.engine.dialect.name != "postgresql":
            raise SearchError(f"the postgres search backend needs PostgreSQL, not {self.engine.dialect.name}")
        self.tables = Tables(table_prefix)
        self.lock_timeout = lock_timeout
        self.snippet_size = snippet_size
        self.rebuild_procs = rebuild_procs if rebuild_procs is not None else (os.cpu_count() or 1)
        self._kept_highlights: dict[tuple, tuple[tuple[str, str, str], dict[str, str]]] = {}
        if create_tables:
            self.create_tables()

    def create_tables(self) -> None:
        with self.engine.begin() as conn:
            create_tables(conn, self.tables)

    # --------------------------------------------------------------- writing

    @contextmanager
    def _writing(self, exclusive: bool = False) -> Iterator[Connection]:
        """A write transaction holding the index lock (shared, or exclusive for rebuild)."""
        with self.engine.begin() as conn:
            conn.execute(text(f"SET LOCAL lock_timeout = '{int(self.lock_timeout * 1000)}ms'"))
            lock = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
            conn.execute(text(f"SELECT {lock}(:c, -1)"), {"c": self.tables.lock_class})
            yield conn

    def _retrying(self, work: Callable[[Connection], None], exclusive: bool = False) -> None:
        """Run ``work`` in a write transaction; retry deadlocks, report lock timeouts."""
        for attempt in range(RETRIES):
            try:
                with self._writing(exclusive) as conn:
                    work(conn)
                return
            except DBAPIError as exc:
                code = getattr(exc.orig, "sqlstate", None)
                if code == _LOCK_TIMEOUT:
                    raise IndexBusyError(f"search index {self.tables.document} is locked by another writer") from exc
                if code not in _TRANSIENT or attempt == RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def index(self, docs: Iterable[SearchDocument]) -> None:
        rows = {d.id: _row(d) for d in docs}  # analyse outside the transaction
        if rows:
            self._retrying(lambda conn: self._replace(conn, rows))

    def remove(self, ids: Iterable[int]) -> None:
        keys = sorted({int(i) for i in ids})
        if keys:
            self._retrying(lambda conn: self._replace(conn, {}, keys))

    def _replace(self, conn: Connection, rows: dict[int, dict], removed: list[int] = ()) -> None:
        """Upsert ``rows`` and delete ``removed``, adjusting document frequencies."""
        ids = sorted({*rows, *removed})
        sql = self.tables.sql
        conn.execute(text("SELECT pg_advisory_xact_lock(:c, k) FROM unnest(CAST(:ids AS int[])) AS k ORDER BY k"),
                     {"c": self.tables.lock_class, "ids": ids})
        old = conn.execute(sql("SELECT tsvector_to_array(tsv) FROM {doc} WHERE id = ANY(:ids)"), {"ids": ids})
        delta: dict[str, int] = {}
        for (terms,) in old:
            for t in terms:
                delta[t] = delta.get(t, 0) - 1
        for row in rows.values():
            for t in row["terms"]:
                delta[t] = delta.get(t, 0) + 1
        if removed:
            conn.execute(sql("DELETE FROM {doc} WHERE id = ANY(:ids)"), {"ids": list(removed)})
        if rows:
            conn.execute(sql(_UPSERT), [_params(r) for r in rows.values()])
        self._apply_delta(conn, {t: d for t, d in delta.items() if d})

    def _apply_delta(self, conn: Connection, delta: dict[str, int]) -> None:
        if not delta:
            return
        terms = sorted(delta)
        sql = self.tables.sql
        conn.execute(sql(_ADD_DF), {"terms": terms, "deltas": [delta[t] for t in terms]})
        gone = [t for t in terms if delta[t] < 0]
        if gone:
            conn.execute(sql("DELETE FROM {term} WHERE term = ANY(CAST(:terms AS text[])) AND df <= 0"),
                         {"terms": gone})

    def rebuild(self, docs: Iterable[SearchDocument], progress: Callable[[int], None] | None = None) -> int:
        """Replace the whole index in one transaction; returns the number of documents."""
        count = 0

        def work(conn: Connection) -> None:
            nonlocal count
            count = 0
            sql = self.tables.sql
            conn.execute(sql("DELETE FROM {doc}"))
            for rows in _analysed(docs, self.rebuild_procs):
                conn.execute(sql(_UPSERT), [_params(r) for r in rows])
                count += len(rows)
                if progress is not None:
                    progress(len(rows))
            conn.execute(sql("DELETE FROM {term}"))
            conn.execute(sql("INSERT INTO {term} (term, df) SELECT lexeme, count(*) FROM {doc}, unnest(tsv) "
                             "GROUP BY lexeme"))
            conn.execute(sql("ANALYZE {doc}"))
            conn.execute(sql("ANALYZE {term}"))

        # ``docs`` may be a generator: it can be consumed once, so no retry here
        with self._writing(exclusive=True) as conn:
            work(conn)
        return count

    # --------------------------------------------------------------- reading

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A read-only snapshot: document frequencies, matches and facets agree."""
        options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}  # both in the BEGIN
        with self.engine.connect().execution_options(**options) as conn, conn.begin():
            yield conn

    def search(self, query: SearchQuery) -> SearchResult:
        planned = plan.plan(query)
        try:
            with self._reading() as conn:
                return self._search(conn, planned)
        except OperationalError as exc:
            raise SearchError(f"search failed: {exc.orig}") from exc

    def _search(self, conn: Connection, planned: plan.QueryPlan) -> SearchResult:
        q, parsed = planned.query, planned.parsed
        vocabulary = TermTable(conn, self.tables)
        outcome: dict = {}
        if parsed.is_empty:
            rows = self._rows(conn, q, None, vocabulary)
        else:
            vocabulary.load(parsed.terms())
            fixes = {}
            if q.correct:
                fixes = plan.propose_corrections(parsed, vocabulary.speller(), lambda g: _indexed(g, vocabulary))
            trial = plan.with_corrections(parsed, fixes)
            rows = self._rows(conn, q, trial, vocabulary)
            if fixes and not _count(rows, "qualified"):  # the corrections find nothing good: as typed
                fixes, trial = {}, parsed
                rows = self._rows(conn, q, trial, vocabulary)
            display = lambda term: self._display_word(conn, term)  # noqa: E731
            if fixes:
                outcome["suggestion"] = plan.corrected_text(q.text, parsed, fixes, display)
                outcome["corrected"] = outcome["suggestion"] is not None
            fully = [any(r.kind == "full" and r.value == str(i) and r.n for r in rows)
                     for i in range(len(trial.groups))]
            outcome["unmatched"] = plan.unmatched_words(trial, fully)
            if outcome["unmatched"]:
                outcome["related"] = plan.related_searches(q.text, trial, fully, vocabulary.df, display)
            parsed = trial
        hits = sorted((r for r in rows if r.kind == "hit"), key=lambda r: r.n)
        total, strong = _count(rows, "total"), _count(rows, "strong")
        terms = ranking.highlight_terms(parsed) if not parsed.is_empty else None
        return SearchResult(
            hits=[SearchHit(id=r.id, score=round(float(r.score), 6) if not parsed.is_empty else 0.0,
                            highlights=self._highlights(r.id, (r.title, r.summary, r.body), terms),
                            weaker=r.value == "weak")
                  for r in hits],
            total=total, page=q.page, per_page=q.per_page,
            facets=facet_counts([(r.kind, r.value, r.n) for r in rows], q), strong_total=strong,
            paged_total=page_ranges(q, strong, total - strong)[0],
            place_filters=list(planned.laender), place_words=list(planned.named), **outcome,
        )

    def _rows(self, conn: Connection, q: SearchQuery, parsed: german.ParsedQuery | None,
              vocabulary: TermTable) -> list:
        """The rows of one search statement (``search_statement``) for ``parsed`` (None: no text)."""
        stmt = Statement("")
        scoring = tsquery = None
        if parsed is not None:
            groups = list(parsed.groups)
            vocabulary.load(parsed.terms())
            n_docs = vocabulary.document_count()
            scoring = score_columns(stmt, groups, vocabulary.known, n_docs)
            tsquery = tsquery_of(scoring_groups(groups), vocabulary.known)
        search_statement(self.tables, q, stmt, scoring, tsquery)
        return conn.exec_driver_sql(stmt.sql, stmt.params).all()

    def _highlights(self, doc_id: int, texts: tuple[str, str, str], terms) -> dict[str, str]:
        """The highlights of these texts, worked out once per process for the same texts and terms
        (kept with the texts they were made of: a changed document never gets old snippets)."""
        key = (doc_id, terms)
        found = self._kept_highlights.get(key)
        if found is None or found[0] != texts:
            found = (texts, self._work_out_highlights(texts, terms))
            if len(self._kept_highlights) >= HIGHLIGHTS_KEPT:
                self._kept_highlights.clear()
            self._kept_highlights[key] = found
        return dict(found[1])

    def _work_out_highlights(self, texts: tuple[str, str, str], terms) -> dict[str, str]:
        """Snippets as the Whoosh backend makes them: HTML-escaped, matches in ``<mark>``."""
        title, summary, body = texts
        words, whole = terms if terms is not None else (frozenset(), frozenset())
        out = {"title": ranking.mark(title, words, whole)}
        s = ranking.snippet(summary, words, whole, size=max(self.snippet_size, 300), require_match=False)
        if s:
            out["summary"] = s
        if terms is not None:
            b = ranking.snippet(body, words, whole, size=self.snippet_size, require_match=True, max_scan=10_000)
            if b:
                out["body"] = b
        return out

    def _display_word(self, conn: Connection, term: str) -> str | None:
        """A surface word of some document whose whole stem is ``term``."""
        if not TERM_RE.match(term):
            return None
        rows = conn.execute(self.tables.sql(
            "SELECT title, summary, body FROM {doc} WHERE tsv @@ CAST(:q AS tsquery) LIMIT 5"
        ), {"q": f"'{term}'"})
        for row in rows:
            for field_text in row:
                for w in german.tokenize(field_text or ""):
                    analysed = german.analyze_word(w.text)
                    if analysed and analysed[0][0] == term:
                        return w.text
        return None

    # ------------------------------------------------------------------ misc

    def versions(self) -> dict[int, str]:
        with self.engine.connect() as conn:
            return dict(conn.execute(self.tables.sql("SELECT id, version FROM {doc}")).all())

    def doc_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(self.tables.sql("SELECT count(*) FROM {doc}")).scalar_one()

    def ping(self) -> int:
        """Raise if the index tables cannot be read; return the number of documents."""
        return self.doc_count()

    def warm_up(self) -> None:
        """Load the analysis data (call once per worker process)."""
        german.analyze_word("Bürgerbeteiligung")
        german.load_synonyms()

    def close(self) -> None:
        if self._own_engine:
            self.engine.dispose()


def _indexed(group: german.Group, vocabulary: TermTable) -> bool:
    """Some exact or compound-parts alternative of the group is in the index."""
    return any(a.kind in ("exact", "parts") and all(vocabulary.df(t) for t in a.terms) for a in group.alternatives)


def _count(rows, kind: str) -> int:
    return next((int(r.n) for r in rows if r.kind == kind), 0)


def _analysed(docs: Iterable[SearchDocument], procs: int, batch_size: int = 500) -> Iterator[list[dict]]:
    """Table rows in batches; after the first two batches the analysis runs in ``procs`` processes.

    The pool is started with ``spawn``: forked children would share the parent's open database
    connections. ``docs`` is only ever read in the calling thread."""
    it = iter(docs)
    pool = None
    done = 0
    try:
        while batch := list(islice(it, batch_size)):
            if pool is None and procs > 1 and done >= 2 * batch_size and not mp.current_process().daemon:
                pool = mp.get_context("spawn").Pool(procs)
            yield pool.map(_row, batch, chunksize=50) if pool is not None else [_row(d) for d in batch]
            done += len(batch)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


def _weights(doc: SearchDocument) -> dict[str, str]:
    """The most important field class (A title, B tags/topics, C summary, D rest) per term."""
    out: dict[str, str] = {}
    fields = ranking.doc_fields(doc)
    for label, names in WEIGHT_FIELDS:
        for name in names:
            for term, _w in german.analyze(fields[name]):
                out.setdefault(term, label)
    return out


def _row(doc: SearchDocument) -> dict:
    """The table row of a document (analysis and impacts computed here, in Python)."""
    impacts = {t: v for t, v in ranking.document_impacts(doc).items() if TERM_RE.match(t)}
    weights = _weights(doc)
    tsv = " ".join(f"'{t}':1{weights.get(t, 'D')}" for t in sorted(impacts))
    return {
        "id": int(doc.id), "slug": doc.slug, "version": doc.version or "", "title": doc.title or "",
        "summary": doc.summary or "", "body": doc.body or "", "topics": list(doc.topics or ()),
        "state": doc.state, "status": doc.status or "in_betrieb", "published": doc.published,
        "adopter_count": int(doc.adopter_count or 0), "user_sizes": list(doc.user_sizes or ()),
        "place_keys": list(doc.place_keys or ()),
        "tsv": tsv, "impacts": impacts, "terms": list(impacts),
    }


def _params(row: dict) -> dict:
    params = {k: v for k, v in row.items() if k != "terms"}
    params["impacts"] = json.dumps(row["impacts"], separators=(",", ":"))
    return params


_ADD_DF = """
INSERT INTO {term} (term, df)
SELECT t, d FROM unnest(CAST(:terms AS text[]), CAST(:deltas AS int[])) AS x(t, d) ORDER BY t COLLATE "C"
ON CONFLICT (term) DO UPDATE SET df = {term}.df + EXCLUDED.df
"""

_UPSERT = """
INSERT INTO {doc} (id, slug, version, title, summary, body, topics, state, status, published,
                   adopter_count, user_sizes, place_keys, tsv, impacts)
VALUES (:id, :slug, :version, :title, :summary, :body, CAST(:topics AS text[]), :state, :status,
        :published, :adopter_count, CAST(:user_sizes AS text[]),
        CAST(:place_keys AS text[]), CAST(:tsv AS tsvector), CAST(:impacts AS jsonb))
ON CONFLICT (id) DO UPDATE SET
    slug = EXCLUDED.slug, version = EXCLUDED.version, title = EXCLUDED.title,
    summary = EXCLUDED.summary, body = EXCLUDED.body, topics = EXCLUDED.topics,
    state = EXCLUDED.state, status = EXCLUDED.status, published = EXCLUDED.published,
    adopter_count = EXCLUDED.adopter_count, user_sizes = EXCLUDED.user_sizes, place_keys = EXCLUDED.place_keys,
    tsv = EXCLUDED.tsv, impacts = EXCLUDED.impacts
"""
