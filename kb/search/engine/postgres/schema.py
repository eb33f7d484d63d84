"""Tables of the PostgreSQL search backend (DDL shared by the backend and its tests).

``<prefix>_document``  one row per indexed case: facet values and sort keys, the plain
                       title/summary/body for snippets, ``tsv`` (the :mod:`kb.search.engine.german`
                       terms as a ``tsvector``, GIN-indexed, for matching) and ``impacts``
                       (``{term: BM25F impact}`` from :mod:`kb.search.engine.ranking`, for scoring).
``<prefix>_term``      the vocabulary: every term with its document frequency (idf, spelling).

The Alembic migrations ``0003`` (``0007``: ``user_sizes``, ``0011``: ``place_keys``) create the default tables (prefix
``search``) with the same statements; :func:`create_tables` is for standalone use (evaluation harness, library tests).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

_PREFIX_RE = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")


@dataclass(frozen=True)
class Tables:
    """Names of the backend's tables for one prefix, and its advisory-lock class."""

    prefix: str = "search"

    def __post_init__(self) -> None:
        if not _PREFIX_RE.match(self.prefix):
            raise ValueError(f"invalid table prefix {self.prefix!r}")

    @property
    def document(self) -> str:
        return f"{self.prefix}_document"

    @property
    def term(self) -> str:
        return f"{self.prefix}_term"

    def sql(self, template: str):
        """``template`` with ``{doc}``/``{term}`` replaced by the (validated) table names, as a
        SQLAlchemy ``text()``; values are always bound parameters, never formatted in."""
        from sqlalchemy import text

        return text(template.format(doc=self.document, term=self.term))

    @property
    def lock_class(self) -> int:
        """First key of ``pg_advisory_xact_lock(int, int)`` for this index."""
        return zlib.crc32(f"kb-search:{self.prefix}".encode()) & 0x7FFFFFFF


def ddl(tables: Tables) -> list[str]:
    """``CREATE … IF NOT EXISTS`` statements for the tables and their indexes."""
    doc, term = tables.document, tables.term
    return [
        f"""CREATE TABLE IF NOT EXISTS {doc} (
            id integer PRIMARY KEY,
            slug text NOT NULL,
            version text NOT NULL DEFAULT '',
            title text NOT NULL DEFAULT '',
            summary text NOT NULL DEFAULT '',
            body text NOT NULL DEFAULT '',
            topics text[] NOT NULL DEFAULT '{{}}',
            state text,
            status text NOT NULL,
            published timestamptz,
            adopter_count integer NOT NULL DEFAULT 0,
            user_sizes text[] NOT NULL DEFAULT '{{}}',
            place_keys text[] NOT NULL DEFAULT '{{}}',
            tsv tsvector NOT NULL,
            impacts jsonb NOT NULL
        )""",
        f"CREATE INDEX IF NOT EXISTS ix_{doc}_tsv ON {doc} USING gin (tsv)",
        f"CREATE INDEX IF NOT EXISTS ix_{doc}_published ON {doc} (published DESC NULLS LAST, id)",
        f"""CREATE TABLE IF NOT EXISTS {term} (
            term text COLLATE "C" PRIMARY KEY,
            df integer NOT NULL
        )""",
    ]


def create_tables(connection, tables: Tables) -> None:
    """Create the tables on a SQLAlchemy connection (idempotent; the caller commits)."""
    from sqlalchemy import text

    for statement in ddl(tables):
        connection.execute(text(statement))
