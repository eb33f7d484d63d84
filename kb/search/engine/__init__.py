"""Praxisatlas search engine (standalone library: no Flask, nothing of kb outside itself).

Usage::

    from kb.search.engine import SearchDocument, SearchQuery, create_backend

    backend = create_backend("whoosh", index_dir="instance/search")
    backend.index([SearchDocument(...)])
    result = backend.search(SearchQuery(text="Radweg", states=["Sachsen"]))

German analysis (folding, stemming, decompounding, synonyms, spelling) lives
in :mod:`kb.search.engine.german` and is shared by every backend.

Inside: base (documents, queries, results, the backend protocol), ranking (BM25F impacts,
snippets), locking (the one file lock), german/, whoosh/ (the embedded backend; only its codec
touches whoosh's internals), postgres/ (the shared backend over a SQLAlchemy engine).
May import only itself, the standard library and third-party libraries (import-linter contract).
"""

from __future__ import annotations

from typing import Any

from kb.search.engine.base import (
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

BACKENDS = ("whoosh", "postgres")


def create_backend(name: str, **options: Any) -> SearchBackend:
    """Create a search backend by name.

    ``"whoosh"``: options ``index_dir`` (required), ``lock_timeout``,
    ``postings_cache``, ``snippet_size``, ``rebuild_procs`` (see
    :class:`kb.search.engine.whoosh.backend.WhooshBackend`; its ``warm_up()`` is worth
    calling once per worker process).

    ``"postgres"``: options ``engine`` (required: a SQLAlchemy engine or a
    ``postgresql+psycopg://`` URL), ``table_prefix``, ``lock_timeout``,
    ``snippet_size``, ``create_tables`` (see
    :class:`kb.search.engine.postgres.backend.PostgresBackend`): PostgreSQL full-text
    search over the same ``kb.search.engine.german`` terms, shared by any number of
    app servers.
    """
    key = (name or "").strip().lower()
    if key == "whoosh":
        from kb.search.engine.whoosh.backend import WhooshBackend

        if "index_dir" not in options:
            raise TypeError("create_backend('whoosh') needs index_dir=")
        return WhooshBackend(**options)
    if key == "postgres":
        from kb.search.engine.postgres.backend import PostgresBackend

        if "engine" not in options:
            raise TypeError("create_backend('postgres') needs engine=")
        return PostgresBackend(**options)
    raise ValueError(f"unknown search backend {name!r} (available: {', '.join(BACKENDS)})")
