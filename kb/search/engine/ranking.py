"""Backend-neutral ranking helpers: per-document term impacts, idf, query
scoring constants and HTML snippets.

Scoring model (BM25F with index-time impacts)
---------------------------------------------
For every term ``t`` of a document the indexer computes one *impact*::

    x = Σ_fields boost_f · tf_f(t) / (1 − b_f + b_f · len_f / avglen_f)
    impact = x · (k1 + 1) / (x + k1)

where ``tf_f`` counts a whole word as 1 and a compound part as
``german.PART_WEIGHT``.  Average field lengths are fixed constants, so an
impact never changes when other documents are added (incremental indexing
stays consistent).  At query time::

    score(d) = coord(d) · Σ_groups weight_g · max_alt boost_a · mean_{t∈a} idf(t) · impact(t, d)

with ``coord = (matched group weight / total group weight) ** COORD_POWER``
(filler groups excluded; a group matched only partially — by the head or the
modifier of a query compound alone — counts :data:`PARTIAL_CREDIT` of its
weight), so documents matching all concepts of a multi-word query come first
while partial matches still appear.  A multi-term alternative contributes
``boost · Σ_t share_t · idf(t) · impact(t, d)`` (the head of a compound
weighs more than its modifier, :mod:`kb.search.engine.german.heads`).

Relevance floor
---------------
A document *qualifies* when it fully matches (not only partially) at least
:func:`required_full` of the query's substantive groups (not filler, not
stop-like: :func:`german.substantive`).  A hit is *strong* when it qualifies
and scores at least :data:`FLOOR_RATIO` of the best qualifying hit among the
filtered documents; the other hits are *weaker*: they follow the strong ones
and the page shows them collapsed ("Weitere, schwächere Treffer").
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable

import numpy as np

from kb.search.engine import german
from kb.search.engine.base import SearchDocument

K1 = 1.4
COORD_POWER = 2.0
#: field -> (boost, average length in words, b)
FIELDS: dict[str, tuple[float, float, float]] = {
    "title": (5.0, 7.0, 0.4),
    "tags": (3.0, 6.0, 0.3),
    "topics": (2.5, 3.0, 0.2),
    "summary": (2.0, 30.0, 0.5),
    "municipality": (2.0, 2.0, 0.2),
    "state": (1.6, 1.0, 0.0),
    "places": (1.3, 4.0, 0.3),
    "body": (1.0, 250.0, 0.75),
}
IMPACT_QUANTUM = 64.0  # impacts are rounded to 1/64 (compact postings)
#: share of a group's weight a partial match (compound head or modifier alone) covers
PARTIAL_CREDIT = 0.25
#: a strong hit scores at least this share of the best qualifying hit
FLOOR_RATIO = 0.2


def required_full(n_substantive: int) -> int:
    """How many of ``n`` substantive groups a document must match fully to qualify: all of up to
    two, one less of three or more (long queries often carry a word no description uses)."""
    return n_substantive if n_substantive <= 2 else n_substantive - 1


def doc_fields(doc: SearchDocument) -> dict[str, str]:
    """The searchable text of a document per field."""
    return {
        "title": doc.title or "",
        "tags": " ; ".join(doc.tags or ()),
        "topics": " ; ".join(doc.topics or ()),
        "summary": doc.summary or "",
        "municipality": doc.municipality or "",
        "state": doc.state or "",
        "places": " ; ".join(doc.places or ()),
        "body": doc.body or "",
    }


def document_impacts(doc: SearchDocument) -> dict[str, float]:
    """``{term: impact}`` of a document (see module docstring)."""
    acc: dict[str, float] = {}
    syn = german.load_synonyms()
    for name, text in doc_fields(doc).items():
        if not text:
            continue
        boost, avg, b = FIELDS[name]
        terms = german.analyze(text, syn)
        if not terms:
            continue
        length = sum(w == 1.0 for _, w in terms) or 1
        norm = boost / (1.0 - b + b * length / avg)
        get = acc.get
        for t, w in terms:
            acc[t] = get(t, 0.0) + w * norm
    if not acc:
        return {}
    # saturate and quantise all terms at once (same float64 arithmetic as
    # ``max(1, round(x * (k1 + 1) / (x + k1) * q)) / q``; numpy rounds half to even like round())
    x = np.fromiter(acc.values(), dtype=np.float64, count=len(acc))
    q = IMPACT_QUANTUM
    impacts = np.maximum(1.0, np.round(x * (K1 + 1.0) / (x + K1) * q)) / q
    return dict(zip(acc, impacts.tolist(), strict=True))


def idf(df: int, n_docs: int) -> float:
    """BM25 idf, never negative (df may count deleted documents)."""
    n_docs = max(n_docs, df)
    return math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


# ---------------------------------------------------------------- snippets

MARK_OPEN = "<mark>"
MARK_CLOSE = "</mark>"


def highlight_terms(parsed: german.ParsedQuery) -> tuple[frozenset[str], frozenset[str]]:
    """``(terms, whole_only)`` for :func:`mark`: single-term alternatives
    match whole words and compound parts; the words of multi-term
    alternatives (query compound parts) only match whole words."""
    terms: set[str] = set()
    whole: set[str] = set()
    for g in parsed.groups:
        for a in g.alternatives:
            if len(a.terms) == 1:
                terms.add(a.terms[0])
            else:
                whole.update(a.terms)
    return frozenset(terms), frozenset(whole - terms)


def _spans(text: str, terms: frozenset[str], whole_only: frozenset[str]) -> list[tuple[int, int]]:
    return german.match_spans(text, terms, whole_only)


def _render(text: str, spans: Iterable[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    end = len(text) if end is None else end
    out: list[str] = []
    pos = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(html.escape(text[pos:s], quote=False))
        out.append(MARK_OPEN + html.escape(text[s:e], quote=False) + MARK_CLOSE)
        pos = e
    out.append(html.escape(text[pos:end], quote=False))
    return "".join(out)


def mark(text: str, terms: frozenset[str], whole_only: frozenset[str] = frozenset()) -> str:
    """The whole text HTML-escaped, matches in ``<mark>``."""
    return _render(text, _spans(text, terms, whole_only))


def snippet(
    text: str,
    terms: frozenset[str],
    whole_only: frozenset[str] = frozenset(),
    size: int = 200,
    require_match: bool = True,
    max_scan: int = 60_000,
) -> str | None:
    """A fragment of about ``size`` characters around the densest cluster of
    matches, HTML-escaped with ``<mark>``; ``…`` marks cut ends.  None when
    ``require_match`` and nothing matches."""
    if not text:
        return None
    scan = text if len(text) <= max_scan else text[:max_scan]
    spans = _spans(scan, terms, whole_only)
    if not spans:
        if require_match:
            return None
        return _cut(text, [], 0, size)
    if len(text) <= size:
        return _render(text, spans)
    # choose the window start (at a match) covering most distinct matches
    best_i, best_n = 0, -1
    j = 0
    for i, (s, _e) in enumerate(spans):
        if j < i:
            j = i
        while j + 1 < len(spans) and spans[j + 1][1] - s <= size:
            j += 1
        distinct = len({text[a:b].lower() for a, b in spans[i : j + 1]})
        n = distinct * 10 + (j - i)
        if n > best_n:
            best_i, best_n = i, n
    first = spans[best_i][0]
    # put a bit of context before the first match
    start = max(0, first - size // 5)
    return _cut(text, spans, start, size)


def _cut(text: str, spans: list[tuple[int, int]], start: int, size: int) -> str:
    end = min(len(text), start + size)
    if end - start < size:
        start = max(0, end - size)
    # snap to word boundaries
    if start > 0:
        ws = text.rfind(" ", max(0, start - 20), start + 1)
        if ws != -1:
            start = ws + 1
    if end < len(text):
        we = text.find(" ", end, end + 20)
        if we != -1:
            end = we
    body = _render(text, spans, start, end)
    return ("…" if start > 0 else "") + body.strip() + ("…" if end < len(text) else "")
