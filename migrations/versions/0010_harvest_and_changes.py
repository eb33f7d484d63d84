"""harvest sources and the change journal

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 09:00:00

``harvest_source``: the publiccode.yml files the harvester reads (URL, validators for conditional
requests, last outcome and error, failures in a row, the case they feed). ``case_change``: one row
per slug with the last public change of the case, kept as a tombstone when it is unpublished or
deleted (the change feeds read it); filled here for every case published so far.
``organisation.region_key``: the Kreis a named body lies in (an Amt, a Verbands- or Samtgemeinde).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

OUTCOMES = ("created", "updated", "proposed", "unchanged", "not_modified", "invalid", "failed")
STATES = ("published", "unpublished", "deleted")


def upgrade():
    op.create_table(
        "harvest_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("fetch_url", sa.String(length=1000), nullable=True),
        sa.Column("etag", sa.String(length=300), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("content_digest", sa.String(length=64), nullable=True),
        sa.Column("written_digest", sa.String(length=64), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.Enum(*OUTCOMES, name="harvest_outcome", native_enum=False,
                                     create_constraint=True, length=12), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("harvested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["use_case.id"], name=op.f("fk_harvest_source_case_id_use_case"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["proposal_id"], ["case_revision.id"],
                                name=op.f("fk_harvest_source_proposal_id_case_revision"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_source")),
        sa.UniqueConstraint("url", name=op.f("uq_harvest_source_url")),
    )
    op.create_index(op.f("ix_harvest_source_case_id"), "harvest_source", ["case_id"], unique=False)
    op.create_table(
        "case_change",
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.Enum(*STATES, name="change_state", native_enum=False, create_constraint=True,
                                   length=11), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_case_change")),
    )
    op.create_index(op.f("ix_case_change_case_id"), "case_change", ["case_id"], unique=False)
    op.create_index(op.f("ix_case_change_changed_at"), "case_change", ["changed_at"], unique=False)
    # a plain ADD COLUMN: rebuilding "organisation" on SQLite would trip the foreign keys pointing at it
    op.add_column("organisation", sa.Column("region_key", sa.String(length=5), nullable=True))
    op.create_index(op.f("ix_organisation_region_key"), "organisation", ["region_key"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key(op.f("fk_organisation_region_key_kreis"), "organisation", "kreis", ["region_key"],
                              ["key"])
    op.execute(
        "INSERT INTO case_change (slug, case_id, state, changed_at) "
        "SELECT slug, id, 'published', updated_at FROM use_case WHERE moderation = 'published'"
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("fk_organisation_region_key_kreis"), "organisation", type_="foreignkey")
    op.drop_index(op.f("ix_organisation_region_key"), table_name="organisation")
    op.execute("ALTER TABLE organisation DROP COLUMN region_key")
    op.drop_index(op.f("ix_case_change_changed_at"), table_name="case_change")
    op.drop_index(op.f("ix_case_change_case_id"), table_name="case_change")
    op.drop_table("case_change")
    op.drop_index(op.f("ix_harvest_source_case_id"), table_name="harvest_source")
    op.drop_table("harvest_source")
