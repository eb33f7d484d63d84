"""Revision state "changes_requested": the version the moderation sent back with a request

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 10:00:00

The column grows from 10 to 17 characters and its CHECK constraint admits the new value.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OLD = ('draft', 'submitted', 'published', 'rejected', 'superseded')
NEW = OLD + ('changes_requested',)
NAME = 'ck_case_revision_revision_state'


def _states(values):
    return "state IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    with op.batch_alter_table('case_revision', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_='check')
        batch_op.alter_column('state', existing_type=sa.String(length=10), type_=sa.String(length=17),
                              existing_nullable=False)
        batch_op.create_check_constraint(op.f(NAME), _states(NEW))


def downgrade():
    op.execute("UPDATE case_revision SET state = 'rejected' WHERE state = 'changes_requested'")
    with op.batch_alter_table('case_revision', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_='check')
        batch_op.alter_column('state', existing_type=sa.String(length=17), type_=sa.String(length=10),
                              existing_nullable=False)
        batch_op.create_check_constraint(op.f(NAME), _states(OLD))
