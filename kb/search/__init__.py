"""Praxisatlas search engine (standalone library: no Flask, no SQLAlchemy).

Usage::

    from kb.search import SearchDocument, SearchQuery, create_backend

    backend = create_backend("whoosh", index_dir="instance/search")
    backend.index([SearchDocument(...)])
    result = backend.search(SearchQuery(text="Radweg", states=["Sachsen"]))

German analysis (folding, stemming, decompounding, synonyms, spelling) lives
in :mod:`kb.search.german` and is shared by every backend.
"""

from __future__ import annotations

from typing import Any

from kb.search.base import (
    FACETS,
    SORTS,
    STATUSES,
    IndexBusyError,
    SearchBackend,
    SearchDocument,
    SearchError,
    SearchHit,
    SearchQuery,
    SearchResult,
)

__all__ = [
    "BACKENDS",
    "FACETS",
    "SORTS",
    "STATUSES",
    "IndexBusyError",
    "SearchBackend",
    "SearchDocument",
    "SearchError",
    "SearchHit",
    "SearchQuery",
    "SearchResult",
    "create_backend",
]

BACKENDS = ("whoosh",)  # "postgres" goes here once kb/search/postgres_backend.py exists


def create_backend(name: str, **options: Any) -> SearchBackend:
    """Create a search backend by name.

    ``"whoosh"``: options ``index_dir`` (required), ``lock_timeout``,
    ``postings_cache``, ``snippet_size``, ``rebuild_procs`` (see
    :class:`kb.search.whoosh_backend.WhooshBackend`; its ``warm_up()`` is worth
    calling once per worker process).

    A PostgreSQL backend would be added here as ``"postgres"`` (options: a
    connection/engine and table name), storing ``kb.search.german`` terms in a
    ``tsvector`` column built with ``array_to_tsvector``.
    """
    key = (name or "").strip().lower()
    if key == "whoosh":
        from kb.search.whoosh_backend import WhooshBackend

        if "index_dir" not in options:
            raise TypeError("create_backend('whoosh') needs index_dir=")
        return WhooshBackend(**options)
    # elif key == "postgres":
    #     from kb.search.postgres_backend import PostgresBackend
    #     return PostgresBackend(**options)
    raise ValueError(f"unknown search backend {name!r} (available: {', '.join(BACKENDS)})")
