"""SQL for one search on the PostgreSQL backend: matching, scoring, facets, paging.

The scoring mirrors the Whoosh backend exactly (see :mod:`kb.search.engine.ranking`): every
document stores ``{term: impact}`` (``impacts``), a query group scores the best of its full
alternatives (column ``f<i>``) and of its partial ones (``p<i>``): ``boost · idf · impact``, a
multi-term alternative only when all its terms occur, by the terms' shares; groups add up
weighted, incomplete matches are scaled by ``coverage ** COORD_POWER`` and filler words add a
little to documents matched otherwise. A document *qualifies* when it fully matches enough
substantive groups; a hit is *strong* when it qualifies and scores at least ``FLOOR_RATIO`` of
the best qualifying hit among the filtered documents — strong hits come first.
Matching uses the GIN-indexed ``tsvector``: the OR of every group's alternatives (an
alternative is the AND of its terms), written in ``tsquery`` input syntax — not through
``to_tsquery('simple', …)``, whose parser would split phrase terms like ``kunstlich_intelligenz``
at the underscore.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from kb.search.engine import german, ranking
from kb.search.engine.base import SearchQuery, selected_filters
from kb.search.engine.postgres.schema import Tables

TERM_RE = re.compile(r"^[a-z0-9_]+$")
_BLENDED = ("exact", "synonym", "fuzzy")

ORDER_BY = {
    # (scored by a text query, sort) -> ORDER BY clause over the columns of ``f``
    (False, "relevance"): "published DESC NULLS LAST, id",
    (False, "newest"): "published DESC NULLS LAST, id",
    (False, "adoption"): "adopter_count DESC, id",
    (True, "relevance"): "score DESC, published DESC NULLS LAST, id",
    (True, "newest"): "published DESC NULLS LAST, score DESC, id",
    (True, "adoption"): "adopter_count DESC, score DESC, id",
}


@dataclass
class Statement:
    """SQL text with its bind parameters.

    Terms, weights and page bounds are always bound, never inlined: the text then depends only on
    the query's shape, so psycopg prepares it and PostgreSQL can keep its plan (the idf weights
    change with every write). Placeholders are the driver's own (``%(p0)s``): the statement is run
    with ``exec_driver_sql``, without SQLAlchemy parsing and compiling a new ``text()`` for every
    search; the SQL around them has no ``%``."""

    sql: str
    params: dict[str, object] = field(default_factory=dict)

    def bind(self, value: object) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"

    def number(self, value: float) -> str:
        """A bound ``float8``."""
        return f"CAST({self.bind(float(value))} AS float8)"

    def integer(self, value: int) -> str:
        """A bound ``int8``."""
        return f"CAST({self.bind(int(value))} AS int8)"


def tsquery_of(groups: list[german.Group], df: Mapping[str, int]) -> str | None:
    """``tsquery`` text matching any alternative whose terms are all indexed, or None."""
    options = []
    for group in groups:
        for alt in group.alternatives:
            if alt.terms and all(df.get(t, 0) > 0 and TERM_RE.match(t) for t in alt.terms):
                options.append("(" + " & ".join(f"'{t}'" for t in alt.terms) + ")")
    return " | ".join(dict.fromkeys(options)) or None


#: the documents a scored search reads: each row's ``impacts`` detoasted once into ``imp`` (``OFFSET 0`` keeps
#: the subquery from being folded into each use) – read directly, PostgreSQL would unpack the compressed
#: JSON again for every term of the query (about a quarter of the statement's time on the seed data)
_SCORED_SOURCE = "{doc} CROSS JOIN LATERAL (SELECT impacts || '{{}}'::jsonb AS imp OFFSET 0) AS unpacked"


def _impact(stmt: Statement, term: str) -> str:
    return f"COALESCE((imp ->> {stmt.bind(term)})::float8, 0)"


def _alternative_score(stmt: Statement, alt: german.Alternative, df: Mapping[str, int], n: int,
                       group_df: int) -> str | None:
    if not alt.terms or not all(df.get(t, 0) > 0 for t in alt.terms):
        return None
    if len(alt.terms) == 1:
        term = alt.terms[0]
        used = group_df if alt.kind in _BLENDED and group_df else df[term]
        return f"{stmt.number(alt.boost * ranking.idf(used, n))} * {_impact(stmt, term)}"
    summed = " + ".join(f"{stmt.number(alt.boost * ranking.idf(df[t], n) * share)} * {_impact(stmt, t)}"
                        for t, share in zip(alt.terms, alt.shares(), strict=True))
    present = f"jsonb_exists_all(imp, CAST({stmt.bind(list(alt.terms))} AS text[]))"
    return f"CASE WHEN {present} THEN {summed} ELSE 0 END"


def group_scores(stmt: Statement, group: german.Group, df: Mapping[str, int],
                 n_docs: int) -> tuple[str | None, str | None]:
    """SQL expressions of a document's score for one group: the best full and the best partial
    alternative (None when no alternative of that quality is indexed)."""
    n = max(1, n_docs)
    group_df = max((df.get(a.terms[0], 0) for a in group.alternatives
                    if len(a.terms) == 1 and a.kind in _BLENDED), default=0)
    full: list[str] = []
    partial: list[str] = []
    for alt in group.alternatives:
        expr = _alternative_score(stmt, alt, df, n, group_df)
        if expr is not None:
            (full if alt.full else partial).append(expr)
    return _greatest(full), _greatest(partial)


def _greatest(parts: list[str]) -> str | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else "GREATEST(" + ", ".join(parts) + ")"


def scoring_groups(groups: list[german.Group]) -> list[german.Group]:
    """The groups that decide whether a document matches (filler words only if nothing else)."""
    if all(g.filler for g in groups):
        return list(groups)
    return [g for g in groups if not g.filler]


@dataclass
class Scoring:
    """The SQL of a query's scores: per-group columns ``f<i>``/``p<i>``, the score over them and
    whether a document qualifies for the strong hits (see the module docstring)."""

    columns: list[str]
    score: str
    qualified: str
    groups: int


def score_columns(stmt: Statement, groups: list[german.Group], df: Mapping[str, int], n_docs: int) -> Scoring:
    """Columns and expressions combined as in the Whoosh backend (``Scoring._combine``)."""
    only_filler = all(g.filler for g in groups)
    judged = {id(g) for g in german.substantive(groups)}
    columns: list[str] = []
    weighted: list[tuple[float, int]] = []
    fillers: list[str] = []
    full_flags: list[str] = []
    total_weight = 0.0
    for i, g in enumerate(groups):
        full, partial = group_scores(stmt, g, df, n_docs)
        columns += [f"{full or '0::float8'} AS f{i}", f"{partial or '0::float8'} AS p{i}"]
        if g.filler and not only_filler:
            fillers.append(f"GREATEST(f{i}, p{i})")
            continue
        w = 1.0 if only_filler else g.weight
        total_weight += w
        weighted.append((w, i))
        if id(g) in judged:
            full_flags.append(f"(f{i} > 0)::int")
    if not weighted:
        return Scoring(columns, "0::float8", "FALSE", len(groups))
    score = " + ".join(f"{stmt.number(w)} * GREATEST(f{i}, p{i})" for w, i in weighted)
    partial_credit = ranking.PARTIAL_CREDIT
    matched = " + ".join(f"(CASE WHEN f{i} > 0 THEN {stmt.number(w)} WHEN p{i} > 0 THEN "
                         f"{stmt.number(w * partial_credit)} ELSE 0 END)" for w, i in weighted)
    coverage = f"LEAST(1.0, ({matched}) / {stmt.number(total_weight)})"
    score = f"({score}) * power({coverage}, {ranking.COORD_POWER!r})"
    if fillers:
        bonus = " + ".join(fillers)
        score = f"({score}) + (CASE WHEN ({score}) > 0 THEN {german.FILLER_WEIGHT!r} * ({bonus}) ELSE 0 END)"
    required = ranking.required_full(len(judged))
    qualified = f"({' + '.join(full_flags) or '0'}) >= {stmt.integer(required)}"
    return Scoring(columns, score, qualified, len(groups))


def _facet_filters(stmt: Statement, q: SearchQuery) -> dict[str, str]:
    return {
        "topic": f"topics && CAST({stmt.bind(list(q.topics))} AS text[])" if q.topics else "TRUE",
        "state": f"state = ANY(CAST({stmt.bind(list(q.states))} AS text[]))" if q.states else "TRUE",
        "status": f"status = ANY(CAST({stmt.bind(list(q.statuses))} AS text[]))" if q.statuses else "TRUE",
        "size": f"user_sizes && CAST({stmt.bind(list(q.sizes))} AS text[])" if q.sizes else "TRUE",
        # no facet: a filter on every facet's counts
        "place": f"place_keys && CAST({stmt.bind(list(q.places))} AS text[])" if q.places else "TRUE",
    }


def search_statement(tables: Tables, q: SearchQuery, stmt: Statement, scoring: Scoring | None,
                     tsquery: str | None) -> Statement:
    """Complete ``stmt`` (which already binds the scoring terms) to one statement returning
    hit rows, the totals and the disjunctive facet counts.

    Rows are ``(kind, value, id, score, n, title, summary, body)``: ``hit`` (n = rank, value ``strong``
    or ``weak``, with the texts the highlights are made of; NULL texts in the other rows),
    ``total`` and ``strong`` (with all filters), ``matched`` and ``qualified`` (without filters),
    ``full`` (value = group index, n = documents matching that group fully),
    ``topic``/``state``/``status``/``size`` (value, count)."""
    if scoring is None:
        columns, score, qualified, groups, where = [], "0::float8", "TRUE", 0, "TRUE"
        source = tables.document
    else:
        columns, score, qualified, groups = scoring.columns, scoring.score, scoring.qualified, scoring.groups
        where = "FALSE" if tsquery is None else f"tsv @@ CAST({stmt.bind(tsquery)} AS tsquery)"
        source = _SCORED_SOURCE.format(doc=tables.document)
    group_columns = "".join(f", {c}" for c in columns)
    filters = _facet_filters(stmt, q)
    order = ORDER_BY[(scoring is not None, q.sort)]
    full_counts = "".join(_FULL_COUNT.format(i=i) for i in range(groups))
    floor = "TRUE" if scoring is None else f"score >= {ranking.FLOOR_RATIO!r} * best"
    # facet counts: the strong hits by the floor over the other facets' filters, all hits if none qualifies
    facet_floor = "TRUE" if scoring is None else (
        f"(qualified AND score >= {ranking.FLOOR_RATIO!r} * fbest) OR NOT any_qualified")
    off, end, lim = (stmt.integer(n) for n in ((q.page - 1) * q.per_page, q.page * q.per_page, q.per_page))
    window = f"rank > {off} AND rank <= {end}"
    if q.group_weaker:  # the pages run over the strong hits, the weaker ones end the last page
        window = (f"CASE WHEN nstrong = 0 THEN {window} ELSE (strong AND {window}) OR (NOT strong"
                  f" AND nstrong > {off} AND nstrong <= {end} AND rank <= nstrong + {lim}) END")
    # every value is a bound parameter or a constant of ranking formatted by repr(); table names are validated
    stmt.sql = _SEARCH_SQL.format(
        doc=tables.document, source=source, group_columns=group_columns, where=where, score=score, order=order,
        qualified=qualified, floor=floor, full_counts=full_counts,
        ok_topic=filters["topic"], ok_state=filters["state"], ok_status=filters["status"], ok_size=filters["size"],
        ok_place=filters["place"],
        unscored="FALSE" if scoring is not None else "TRUE", window=window, facet_floor=facet_floor,
    )
    return stmt


def facet_counts(rows: list[tuple[str, str, int]], q: SearchQuery) -> dict[str, dict[str, int]]:
    """Facet dicts like the Whoosh backend: counts > 0 plus selected values, by count then name."""
    selected = selected_filters(q)
    out: dict[str, dict[str, int]] = {}
    for facet, chosen in selected.items():
        counts = {value: int(n) for kind, value, n in rows if kind == facet and n}
        for value in chosen:
            counts.setdefault(value, 0)
        out[facet] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


_FULL_COUNT = "\nUNION ALL SELECT 'full', '{i}', NULL, NULL, count(*), NULL, NULL, NULL FROM g WHERE f{i} > 0"

_SEARCH_SQL = """
WITH g AS MATERIALIZED (
    SELECT id, topics, state, status, user_sizes, place_keys, published, adopter_count{group_columns}
    FROM {source} WHERE {where}
), m AS (
    SELECT id, topics, state, status, user_sizes, place_keys, published, adopter_count, ({score}) AS score,
           ({qualified}) AS qualified FROM g
), f AS MATERIALIZED (
    SELECT m.*, {ok_topic} AS ok_topic, {ok_state} AS ok_state, {ok_status} AS ok_status, {ok_size} AS ok_size,
           {ok_place} AS ok_place
    FROM m WHERE score > 0 OR {unscored}
), s AS MATERIALIZED (
    SELECT f.*, ok_topic AND ok_state AND ok_status AND ok_size AND ok_place AS ok,
           max(score) FILTER (WHERE qualified AND ok_topic AND ok_state AND ok_status AND ok_size AND ok_place)
               OVER () AS best
    FROM f
), r AS MATERIALIZED (
    SELECT s.*, qualified AND {floor} AS strong FROM s WHERE ok
), aq AS (
    SELECT EXISTS (SELECT 1 FROM f WHERE qualified) AS any_qualified
), ranked AS (
    SELECT id, score, strong, row_number() OVER (ORDER BY strong DESC, {order}) AS rank,
           count(*) FILTER (WHERE strong) OVER () AS nstrong
    FROM r
), hits AS (
    SELECT id, score, strong, rank FROM ranked WHERE {window}
)
SELECT 'hit' AS kind, CASE WHEN strong THEN 'strong' ELSE 'weak' END AS value, hits.id, score, rank AS n,
       d.title, d.summary, d.body FROM hits JOIN {doc} d ON d.id = hits.id
UNION ALL SELECT 'total', NULL, NULL, NULL, count(*), NULL, NULL, NULL FROM r
UNION ALL SELECT 'strong', NULL, NULL, NULL, count(*), NULL, NULL, NULL FROM r WHERE strong
UNION ALL SELECT 'matched', NULL, NULL, NULL, count(*), NULL, NULL, NULL FROM f
UNION ALL SELECT 'qualified', NULL, NULL, NULL, count(*), NULL, NULL, NULL FROM f WHERE qualified
UNION ALL SELECT 'topic', value, NULL, NULL, count(*), NULL, NULL, NULL FROM (
    SELECT t AS value, score, qualified, fbest
    FROM (SELECT f.*, max(score) FILTER (WHERE qualified) OVER () AS fbest FROM f
          WHERE ok_state AND ok_status AND ok_size AND ok_place) f
    CROSS JOIN LATERAL unnest(f.topics) AS t) v CROSS JOIN aq
    WHERE ({facet_floor}) GROUP BY value
UNION ALL SELECT 'state', value, NULL, NULL, count(*), NULL, NULL, NULL FROM (
    SELECT state AS value, score, qualified, max(score) FILTER (WHERE qualified) OVER () AS fbest
    FROM f WHERE ok_topic AND ok_status AND ok_size AND ok_place) v CROSS JOIN aq
    WHERE ({facet_floor}) AND value IS NOT NULL GROUP BY value
UNION ALL SELECT 'status', value, NULL, NULL, count(*), NULL, NULL, NULL FROM (
    SELECT status AS value, score, qualified, max(score) FILTER (WHERE qualified) OVER () AS fbest
    FROM f WHERE ok_topic AND ok_state AND ok_size AND ok_place) v CROSS JOIN aq
    WHERE ({facet_floor}) GROUP BY value
UNION ALL SELECT 'size', value, NULL, NULL, count(*), NULL, NULL, NULL FROM (
    SELECT z AS value, score, qualified, fbest
    FROM (SELECT f.*, max(score) FILTER (WHERE qualified) OVER () AS fbest FROM f
          WHERE ok_topic AND ok_state AND ok_status AND ok_place) f
    CROSS JOIN LATERAL unnest(f.user_sizes) AS z) v CROSS JOIN aq
    WHERE ({facet_floor}) GROUP BY value{full_counts}
"""
