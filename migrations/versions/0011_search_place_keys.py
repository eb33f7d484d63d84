"""PostgreSQL search: the places a case runs at

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 03:00:00

``search_document.place_keys``: the registry keys (8-digit AGS, 5-digit Kreis key) of the places a
case runs at (its users in pilot or Betrieb and its running owner), for the place filter of the search
("Landkreis Harz", "in Jena", ``?municipality=``/``?kreis=``). The stored versions are blanked, so that
``flask check-index`` reports every document as changed until ``flask reindex`` (or ``check-index
--repair``) fills the column. Nothing on SQLite (the Whoosh index lives outside the database; its
format 6 makes it rebuild).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE search_document ADD COLUMN IF NOT EXISTS place_keys text[] NOT NULL DEFAULT '{}'")
        op.execute("UPDATE search_document SET version = ''")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE search_document DROP COLUMN IF EXISTS place_keys")
