"""Per-account session version; the outcome of each login attempt (issue 19)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 09:00:00

``user_account.session_version`` is stored in every session of the account and checked on each
request; a new value ends all sessions (logout, password change or reset, deactivation, role
change). Existing accounts start with ``0``, so sessions from before the upgrade (which carry no
version) end once. ``login_attempt.outcome`` tells wrong passwords apart from attempts refused
during a lock-out, so only wrong passwords make the progressive lock-out grow.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("session_version", sa.String(32), nullable=False, server_default="0"))
    with op.batch_alter_table("login_attempt") as batch:
        batch.add_column(sa.Column("outcome", sa.String(20), nullable=True))


def downgrade():
    with op.batch_alter_table("login_attempt") as batch:
        batch.drop_column("outcome")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("session_version")
