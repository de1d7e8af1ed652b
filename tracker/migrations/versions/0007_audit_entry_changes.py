"""audit entries: one entry per save (its fields in `changes`) and the record's version after it

Revision ID: 0007_audit_entry_changes
Revises: 0006_targets
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_audit_entry_changes"
down_revision = "0006_targets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Older entries keep their one-field-per-row form (field, old_value, new_value); both columns
    # stay NULL for them.
    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(sa.Column("changes", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=True))
    # What a stale form asks: the entries of one record after a version.
    op.create_index(
        "ix_audit_entry_record_version", "audit_entry", ["entity", "entity_id", "version"]
    )


def downgrade() -> None:
    op.drop_index("ix_audit_entry_record_version", table_name="audit_entry")
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_column("version")
        batch.drop_column("changes")
