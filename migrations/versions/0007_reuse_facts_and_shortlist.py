"""Re-use facts of a case, who confirmed an adoption, the Merkliste, users' size classes in search

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 12:30:00

Issue 13 ("From found it to we adopt it"), every schema change in one step:

* ``reuse_path``: how another municipality gets a case (open_source, efa, inhouse, framework,
  membership, purchase, service), each with an optional note and link; one row per kind.
* ``use_case``: operator (kind and name), hosting, costs once / yearly in whole euros (0 to
  100 million), funding, effort in person days (0 to 100,000) – all optional; existing cases
  keep them empty, which the pages show as "nicht angegeben".
* ``adoption``: when (and by whom) the owner confirmed an adopter, when the moderation did.
* ``adoption_proposal.since``: "seit wann" of a declaration held for moderation.
* ``shortlist_entry``: the Merkliste of signed-in members (anonymous visitors keep theirs in
  the session; it moves here when they sign in).
* PostgreSQL search: ``search_document.user_sizes``, the size classes of a case's users (the
  facet "Nutzer unter 10.000 Einwohnern"); ``flask reindex`` fills it.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

REUSE_KINDS = ('open_source', 'efa', 'inhouse', 'framework', 'membership', 'purchase', 'service')
OPERATOR_KINDS = ('municipality', 'it_service_provider', 'vendor', 'association', 'public_body')
HOSTINGS = ('on_premise', 'it_service_provider', 'cloud')
RANGES = {  # check constraint -> (column, maximum)
    'costs_once_range': ('costs_once_eur', 100_000_000),
    'costs_yearly_range': ('costs_yearly_eur', 100_000_000),
    'effort_range': ('effort_person_days', 100_000),
}


def _enum(name, values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True)


def upgrade():
    op.create_table(
        'reuse_path',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kind', _enum('reuse_path_kind', REUSE_KINDS), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.Column('link', sa.String(length=500), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['use_case.id'], name=op.f('fk_reuse_path_case_id_use_case'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reuse_path')),
        sa.UniqueConstraint('case_id', 'kind', name=op.f('uq_reuse_path_case_kind')),
    )
    with op.batch_alter_table('reuse_path', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reuse_path_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('use_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('operator_kind', _enum('operator_kind', OPERATOR_KINDS), nullable=True))
        batch_op.add_column(sa.Column('operator_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('hosting', _enum('hosting', HOSTINGS), nullable=True))
        batch_op.add_column(sa.Column('costs_once_eur', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('costs_yearly_eur', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('funding', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('effort_person_days', sa.Integer(), nullable=True))
        for name, (column, maximum) in RANGES.items():
            batch_op.create_check_constraint(
                op.f(f'ck_use_case_{name}'), f'{column} IS NULL OR ({column} >= 0 AND {column} <= {maximum})')

    with op.batch_alter_table('adoption', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('owner_confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('moderation_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_adoption_owner_confirmed_by_id_user_account'), 'user_account',
                                    ['owner_confirmed_by_id'], ['id'])

    with op.batch_alter_table('adoption_proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('since', sa.String(length=10), nullable=True))

    op.create_table(
        'shortlist_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['use_case.id'], name=op.f('fk_shortlist_entry_case_id_use_case'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_shortlist_entry_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_shortlist_entry')),
        sa.UniqueConstraint('user_id', 'case_id', name=op.f('uq_shortlist_entry_user_case')),
    )
    with op.batch_alter_table('shortlist_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shortlist_entry_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shortlist_entry_user_id'), ['user_id'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE search_document ADD COLUMN IF NOT EXISTS user_sizes text[] NOT NULL DEFAULT '{}'")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE search_document DROP COLUMN IF EXISTS user_sizes")

    with op.batch_alter_table('shortlist_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shortlist_entry_user_id'))
        batch_op.drop_index(batch_op.f('ix_shortlist_entry_case_id'))
    op.drop_table('shortlist_entry')

    with op.batch_alter_table('adoption_proposal', schema=None) as batch_op:
        batch_op.drop_column('since')

    with op.batch_alter_table('adoption', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_adoption_owner_confirmed_by_id_user_account'), type_='foreignkey')
        for column in ('moderation_confirmed_at', 'owner_confirmed_by_id', 'owner_confirmed_at'):
            batch_op.drop_column(column)

    with op.batch_alter_table('use_case', schema=None) as batch_op:
        for name in RANGES:
            batch_op.drop_constraint(op.f(f'ck_use_case_{name}'), type_='check')
        batch_op.drop_constraint('hosting', type_='check')
        batch_op.drop_constraint('operator_kind', type_='check')
        for column in ('effort_person_days', 'funding', 'costs_yearly_eur', 'costs_once_eur', 'hosting',
                       'operator_name', 'operator_kind'):
            batch_op.drop_column(column)

    with op.batch_alter_table('reuse_path', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reuse_path_case_id'))
    op.drop_table('reuse_path')
