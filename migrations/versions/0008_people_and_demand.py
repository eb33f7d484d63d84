"""People and demand: referents, follows, update events, needs, the log of relayed messages

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 08:39:35.306062

New tables only; nothing existing changes.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('action_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('relay', 'follow', name='action_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=120), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_action_log_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_log'))
    )
    with op.batch_alter_table('action_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_log_client'), ['client'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_log_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_log_user_id'), ['user_id'], unique=False)

    op.create_table('follow',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('case', 'topic', 'place', 'need', name='follow_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('ref', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_digest_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_follow_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow')),
    sa.UniqueConstraint('user_id', 'kind', 'ref', name='uq_follow_user_target')
    )
    with op.batch_alter_table('follow', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_user_id'), ['user_id'], unique=False)

    op.create_table('need',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('budget', sa.String(length=200), nullable=True),
    sa.Column('timeline', sa.String(length=200), nullable=True),
    sa.Column('moderation', sa.Enum('draft', 'submitted', 'published', 'rejected', name='need_moderation', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status', sa.Enum('offen', 'erledigt', name='need_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_need_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_need_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], name=op.f('fk_need_topic_id_topic')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need'))
    )
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_need_moderation'), ['moderation'], unique=False)
        batch_op.create_index(batch_op.f('ix_need_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_need_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_need_topic_id'), ['topic_id'], unique=False)

    op.create_table('need_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['need.id'], name=op.f('fk_need_member_need_id_need'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_need_member_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_need_member_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need_member')),
    sa.UniqueConstraint('need_id', 'organisation_id', name='uq_need_member_need_org')
    )
    with op.batch_alter_table('need_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_member_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_need_member_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('referent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['use_case.id'], name=op.f('fk_referent_case_id_use_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_referent_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_referent_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referent')),
    sa.UniqueConstraint('case_id', 'organisation_id', name='uq_referent_case_org')
    )
    with op.batch_alter_table('referent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referent_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referent_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referent_user_id'), ['user_id'], unique=False)

    op.create_table('update_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('published', 'updated', 'status', 'adoption', 'adoption_status', 'report', 'need_published', 'need_joined', 'need_match', name='update_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['use_case.id'], name=op.f('fk_update_event_case_id_use_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['need_id'], ['need.id'], name=op.f('fk_update_event_need_id_need'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_update_event_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_update_event'))
    )
    with op.batch_alter_table('update_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_update_event_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_update_event_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_update_event_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_update_event_organisation_id'), ['organisation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('update_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_update_event_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_update_event_need_id'))
        batch_op.drop_index(batch_op.f('ix_update_event_created_at'))
        batch_op.drop_index(batch_op.f('ix_update_event_case_id'))

    op.drop_table('update_event')
    with op.batch_alter_table('referent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referent_user_id'))
        batch_op.drop_index(batch_op.f('ix_referent_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_referent_case_id'))

    op.drop_table('referent')
    with op.batch_alter_table('need_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_member_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_need_member_need_id'))

    op.drop_table('need_member')
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_topic_id'))
        batch_op.drop_index(batch_op.f('ix_need_published_at'))
        batch_op.drop_index(batch_op.f('ix_need_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_need_moderation'))
        batch_op.drop_index(batch_op.f('ix_need_author_id'))

    op.drop_table('need')
    with op.batch_alter_table('follow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_user_id'))

    op.drop_table('follow')
    with op.batch_alter_table('action_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_log_user_id'))
        batch_op.drop_index(batch_op.f('ix_action_log_created_at'))
        batch_op.drop_index(batch_op.f('ix_action_log_client'))

    op.drop_table('action_log')
