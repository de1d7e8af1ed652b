"""alert scan log (when the daily scan ran, and what it changed)

Revision ID: 0002_milestones_scan_log
Revises: 0002_milestones
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_milestones_scan_log"
down_revision = "0002_milestones"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_scan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("projects", sa.Integer(), nullable=False),
        sa.Column("opened", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("alert_scan")
