"""PostgreSQL full-text search tables (KB_SEARCH_BACKEND=postgres)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:00:00

Only on PostgreSQL: ``search_document`` (tsvector with GIN index, BM25F impacts as jsonb,
stored text for snippets) and ``search_term`` (vocabulary with document frequencies).
On SQLite nothing happens (the Whoosh backend keeps its index in files). The statements
match ``kb/search/engine/postgres/schema.py``.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS search_document (
        id integer PRIMARY KEY,
        slug text NOT NULL,
        version text NOT NULL DEFAULT '',
        title text NOT NULL DEFAULT '',
        summary text NOT NULL DEFAULT '',
        body text NOT NULL DEFAULT '',
        topics text[] NOT NULL DEFAULT '{}',
        state text,
        status text NOT NULL,
        published timestamptz,
        adopter_count integer NOT NULL DEFAULT 0,
        tsv tsvector NOT NULL,
        impacts jsonb NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS ix_search_document_tsv ON search_document USING gin (tsv)",
    "CREATE INDEX IF NOT EXISTS ix_search_document_published ON search_document (published DESC NULLS LAST, id)",
    """CREATE TABLE IF NOT EXISTS search_term (
        term text COLLATE "C" PRIMARY KEY,
        df integer NOT NULL
    )""",
]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE IF EXISTS search_document, search_term")
