"""Shared API rate-limit counters on PostgreSQL (all app servers count together)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 10:00:00

Only on PostgreSQL: ``api_rate_window``, unlogged (counters of the current window, not records:
no WAL, not in backups). SQLite instances keep the counters in ``instance/ratelimit.sqlite3``
(see ``kb/web/ratelimit.py``).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE UNLOGGED TABLE IF NOT EXISTS api_rate_window ("
        "client text NOT NULL, slot bigint NOT NULL, hits integer NOT NULL, PRIMARY KEY (client, slot))"
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE IF EXISTS api_rate_window")
