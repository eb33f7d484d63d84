"""SQL for one search on the PostgreSQL backend: matching, scoring, facets, paging.

The scoring mirrors the Whoosh backend exactly (see :mod:`kb.search.engine.ranking`): every
document stores ``{term: impact}`` (``impacts``), a query group scores the best of its
alternatives (``boost · idf · impact``; a multi-term alternative only when all its terms
occur, averaged), groups add up weighted, partial matches are scaled by
``coverage ** COORD_POWER`` and filler words add a little to documents matched otherwise.
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
from kb.search.engine.base import SearchQuery
from kb.search.engine.postgres.schema import Tables

TERM_RE = re.compile(r"^[a-z0-9_]+$")

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
    """SQL text with its bind parameters (terms are always bound, never inlined)."""

    sql: str
    params: dict[str, object] = field(default_factory=dict)

    def bind(self, value: object) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"


def tsquery_of(groups: list[german.Group], df: Mapping[str, int]) -> str | None:
    """``tsquery`` text matching any alternative whose terms are all indexed, or None."""
    options = []
    for group in groups:
        for alt in group.alternatives:
            if alt.terms and all(df.get(t, 0) > 0 and TERM_RE.match(t) for t in alt.terms):
                options.append("(" + " & ".join(f"'{t}'" for t in alt.terms) + ")")
    return " | ".join(dict.fromkeys(options)) or None


def _impact(stmt: Statement, term: str) -> str:
    return f"COALESCE((impacts ->> {stmt.bind(term)})::float8, 0)"


def group_score(stmt: Statement, group: german.Group, df: Mapping[str, int], n_docs: int) -> str | None:
    """SQL expression of a document's score for one group (the best alternative), or None."""
    n = max(1, n_docs)
    blended = [df.get(a.terms[0], 0) for a in group.alternatives
               if len(a.terms) == 1 and a.kind in ("exact", "synonym", "fuzzy")]
    group_df = max(blended, default=0)
    parts = []
    for alt in group.alternatives:
        if not alt.terms or not all(df.get(t, 0) > 0 for t in alt.terms):
            continue
        if len(alt.terms) == 1:
            term = alt.terms[0]
            used = group_df if alt.kind in ("exact", "synonym", "fuzzy") and group_df else df[term]
            coefficient = alt.boost * ranking.idf(used, n)
            parts.append(f"{coefficient!r} * {_impact(stmt, term)}")
        else:
            summed = " + ".join(
                f"{alt.boost * ranking.idf(df[t], n) / len(alt.terms)!r} * {_impact(stmt, t)}" for t in alt.terms
            )
            present = f"jsonb_exists_all(impacts, CAST({stmt.bind(list(alt.terms))} AS text[]))"
            parts.append(f"CASE WHEN {present} THEN {summed} ELSE 0 END")
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else "GREATEST(" + ", ".join(parts) + ")"


def scoring_groups(groups: list[german.Group]) -> list[german.Group]:
    """The groups that decide whether a document matches (filler words only if nothing else)."""
    if all(g.filler for g in groups):
        return list(groups)
    return [g for g in groups if not g.filler]


def score_columns(stmt: Statement, groups: list[german.Group], df: Mapping[str, int],
                  n_docs: int) -> tuple[list[str], str]:
    """Per-group score columns ``g0, g1, …`` and the document score over them (0 = no match),
    combined as in ``WhooshBackend._score``."""
    only_filler = all(g.filler for g in groups)
    columns: list[str] = []
    weighted: list[tuple[float, str]] = []
    fillers: list[str] = []
    total_weight = 0.0
    for g in groups:
        expr = group_score(stmt, g, df, n_docs)
        is_filler = g.filler and not only_filler
        if not is_filler:
            total_weight += 1.0 if only_filler else g.weight
        if expr is None:
            continue
        name = f"g{len(columns)}"
        columns.append(f"{expr} AS {name}")
        if is_filler:
            fillers.append(name)
        else:
            weighted.append((1.0 if only_filler else g.weight, name))
    if not weighted:
        return columns, "0::float8"
    score = " + ".join(f"{w!r} * {name}" for w, name in weighted)
    if len(weighted) > 1 or total_weight > weighted[0][0]:
        matched = " + ".join(f"(CASE WHEN {name} > 0 THEN {w!r} ELSE 0 END)" for w, name in weighted)
        coverage = f"LEAST(1.0, ({matched}) / {total_weight!r})"
        score = f"({score}) * power({coverage}, {ranking.COORD_POWER!r})"
    if fillers:
        bonus = " + ".join(fillers)
        score = f"({score}) + (CASE WHEN ({score}) > 0 THEN {german.FILLER_WEIGHT!r} * ({bonus}) ELSE 0 END)"
    return columns, score


def _facet_filters(stmt: Statement, q: SearchQuery) -> dict[str, str]:
    return {
        "topic": f"topics && CAST({stmt.bind(list(q.topics))} AS text[])" if q.topics else "TRUE",
        "state": f"state = ANY(CAST({stmt.bind(list(q.states))} AS text[]))" if q.states else "TRUE",
        "status": f"status = ANY(CAST({stmt.bind(list(q.statuses))} AS text[]))" if q.statuses else "TRUE",
    }


def search_statement(tables: Tables, q: SearchQuery, stmt: Statement, scoring: tuple[list[str], str] | None,
                     tsquery: str | None) -> Statement:
    """Complete ``stmt`` (which already binds the scoring terms) to one statement returning
    hit rows, the totals and the disjunctive facet counts.

    Rows are ``(kind, value, id, score, n)``: ``hit`` (n = rank), ``total`` (with all filters),
    ``matched`` (without filters), ``topic``/``state``/``status`` (value, count)."""
    columns, score = scoring if scoring is not None else ([], "0::float8")
    if scoring is None:
        where = "TRUE"
    elif tsquery is None:
        where = "FALSE"
    else:
        where = f"tsv @@ CAST({stmt.bind(tsquery)} AS tsquery)"
    group_columns = "".join(f", {c}" for c in columns)
    filters = _facet_filters(stmt, q)
    order = ORDER_BY[(scoring is not None, q.sort)]
    limit, offset = stmt.bind(q.per_page), stmt.bind((q.page - 1) * q.per_page)
    # every value is a bound parameter or a number formatted by repr(); table names are validated
    stmt.sql = _SEARCH_SQL.format(
        doc=tables.document, group_columns=group_columns, where=where, score=score, order=order,
        ok_topic=filters["topic"], ok_state=filters["state"], ok_status=filters["status"],
        unscored="FALSE" if scoring is not None else "TRUE", limit=limit, offset=offset,
    )
    return stmt


def facet_counts(rows: list[tuple[str, str, int]], q: SearchQuery) -> dict[str, dict[str, int]]:
    """Facet dicts like the Whoosh backend: counts > 0 plus selected values, by count then name."""
    selected = {"topic": q.topics, "state": q.states, "status": q.statuses}
    out: dict[str, dict[str, int]] = {}
    for facet, chosen in selected.items():
        counts = {value: int(n) for kind, value, n in rows if kind == facet and n}
        for value in chosen:
            counts.setdefault(value, 0)
        out[facet] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


_SEARCH_SQL = """
WITH g AS MATERIALIZED (
    SELECT id, topics, state, status, published, adopter_count{group_columns}
    FROM {doc} WHERE {where}
), m AS (
    SELECT id, topics, state, status, published, adopter_count, ({score}) AS score FROM g
), f AS MATERIALIZED (
    SELECT m.*, {ok_topic} AS ok_topic, {ok_state} AS ok_state, {ok_status} AS ok_status
    FROM m WHERE score > 0 OR {unscored}
), hits AS (
    SELECT id, score, row_number() OVER (ORDER BY {order}) AS rank
    FROM f WHERE ok_topic AND ok_state AND ok_status
    ORDER BY rank LIMIT {limit} OFFSET {offset}
)
SELECT 'hit' AS kind, NULL::text AS value, id, score, rank AS n FROM hits
UNION ALL SELECT 'total', NULL, NULL, NULL, count(*) FROM f WHERE ok_topic AND ok_state AND ok_status
UNION ALL SELECT 'matched', NULL, NULL, NULL, count(*) FROM f
UNION ALL SELECT 'topic', t, NULL, NULL, count(*) FROM f CROSS JOIN LATERAL unnest(f.topics) AS t
    WHERE ok_state AND ok_status GROUP BY t
UNION ALL SELECT 'state', state, NULL, NULL, count(*) FROM f
    WHERE ok_topic AND ok_status AND state IS NOT NULL GROUP BY state
UNION ALL SELECT 'status', status, NULL, NULL, count(*) FROM f WHERE ok_topic AND ok_state GROUP BY status
"""
