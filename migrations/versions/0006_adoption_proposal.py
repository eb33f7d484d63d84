"""Adoption proposals: declarations and experience reports held for moderation

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 10:00:00

Accounts whose membership of an organisation is not confirmed no longer change that
organisation's adoption or experience report directly (issue 19, item 2): what they send is
stored in ``adoption_proposal`` (state ``pending``) until a moderator accepts or rejects it.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

PENDING_ONLY = sa.text("state = 'pending'")


def upgrade():
    op.create_table('adoption_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('declaration', 'report', name='proposal_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('state', sa.Enum('pending', 'accepted', 'rejected', 'withdrawn', name='proposal_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('interessiert', 'pilot', 'in_betrieb', 'eingestellt', name='adoption_status', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'declaration' AND status IS NOT NULL) OR (kind = 'report' AND report IS NOT NULL)", name=op.f('ck_adoption_proposal_payload')),
    sa.CheckConstraint("(state = 'pending') = (decided_at IS NULL)", name=op.f('ck_adoption_proposal_decided_when_closed')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_adoption_proposal_author_id_user_account')),
    sa.ForeignKeyConstraint(['case_id'], ['use_case.id'], name=op.f('fk_adoption_proposal_case_id_use_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_adoption_proposal_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_adoption_proposal_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adoption_proposal'))
    )
    with op.batch_alter_table('adoption_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adoption_proposal_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adoption_proposal_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adoption_proposal_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_adoption_proposal_state_created', ['state', 'created_at'], unique=False)
        batch_op.create_index('uq_adoption_proposal_pending', ['case_id', 'organisation_id', 'author_id', 'kind'],
                              unique=True, sqlite_where=PENDING_ONLY, postgresql_where=PENDING_ONLY)


def downgrade():
    op.drop_table('adoption_proposal')
