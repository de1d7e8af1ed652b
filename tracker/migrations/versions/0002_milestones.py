"""milestones, project schedules and alerts

Revision ID: 0002_milestones
Revises: 0001_registry
Create Date: 2026-11-25
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002_milestones"
down_revision = "0001_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("baseline_on", sa.Date(), nullable=True),
        sa.Column("forecast_on", sa.Date(), nullable=True),
        sa.Column("actual_on", sa.Date(), nullable=True),
        sa.Column("is_estimate", sa.Boolean(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("slip_reason", sa.Text(), nullable=False),
        sa.Column(
            "responsible_person", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False
        ),
        sa.Column("responsible_unit", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_milestone_project_id", "milestone", ["project_id"])
    op.create_table(
        "project_schedule",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("opening_year", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id"),
    )
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("milestone_ref", sa.Integer(), nullable=False),
        sa.Column("milestone_name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("ack_note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alert_closed_on", "alert", ["closed_on"])
    op.create_index("ix_alert_project_id", "alert", ["project_id"])
    # At most one open alert per project, kind and milestone: the scan's idempotency guarantee.
    op.create_index(
        "uq_alert_open",
        "alert",
        ["project_id", "kind", "milestone_ref"],
        unique=True,
        sqlite_where=sa.text("closed_on IS NULL"),
        postgresql_where=sa.text("closed_on IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_alert_open", table_name="alert")
    op.drop_index("ix_alert_project_id", table_name="alert")
    op.drop_index("ix_alert_closed_on", table_name="alert")
    op.drop_table("alert")
    op.drop_table("project_schedule")
    op.drop_index("ix_milestone_project_id", table_name="milestone")
    op.drop_table("milestone")
