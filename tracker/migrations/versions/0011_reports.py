"""reports: monthly reports (one row per version), their photos, and the sealed monthly snapshots

Revision ID: 0011_reports
Revises: 0008_job_runs
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_reports"
down_revision = "0008_job_runs"
branch_labels = None
depends_on = None


def _text(name: str) -> sa.Column:
    return sa.Column(name, sa.Text(), nullable=False)


def _string(name: str, length: int) -> sa.Column:
    return sa.Column(name, sa.String(length=length), nullable=False)


def _moment(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "monthly_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        _string("period", 7),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        _string("status", 12),
        _text("progress_text"),
        sa.Column("progress_percent", sa.Integer(), nullable=True),
        _text("percent_reason"),
        _string("stage_now", 60),
        _string("stage_reached", 60),
        sa.Column("stage_reached_on", sa.Date(), nullable=True),
        sa.Column("month_completed_fen", sa.BigInteger(), nullable=True),
        sa.Column("cumulative_fen", sa.BigInteger(), nullable=True),
        _text("problems"),
        _text("next_steps"),
        _text("coordination"),
        sa.Column("needs_coordination", sa.Boolean(), nullable=False),
        _text("review_comment"),
        _string("filed_by", 80),
        _moment("submitted_at", nullable=True),
        _string("reviewed_by", 80),
        _moment("reviewed_at", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _moment("created_at"),
        _moment("updated_at"),
        _moment("deleted_at", nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "period", "revision", name="uq_monthly_report_revision"),
    )
    op.create_index(
        "ix_monthly_report_period_current", "monthly_report", ["period", "current", "project_id"]
    )
    op.create_index(
        "ix_monthly_report_period_status", "monthly_report", ["period", "status", "project_id"]
    )
    op.create_index("ix_monthly_report_project_period", "monthly_report", ["project_id", "period"])
    op.create_table(
        "report_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _string("sha256", 64),
        _string("ext", 5),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        _string("original_name", 200),
        _string("caption", 200),
        sa.Column("taken_at", sa.DateTime(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("distance_m", sa.Integer(), nullable=True),
        sa.Column("far", sa.Boolean(), nullable=False),
        _moment("created_at"),
        sa.ForeignKeyConstraint(["report_id"], ["monthly_report.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_photo_report_id", "report_photo", ["report_id"])
    op.create_index("ix_report_photo_sha256", "report_photo", ["sha256"])
    op.create_table(
        "report_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        _string("period", 7),
        sa.Column("taken_on", sa.Date(), nullable=False),
        _moment("taken_at"),
        _string("taken_by", 80),
        sa.Column("projects", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period"),
    )
    op.create_table(
        "report_snapshot_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        _string("code", 40),
        _string("name", 200),
        _string("seq_no", 10),
        _string("builder", 100),
        _string("subdistrict", 40),
        _string("stage", 20),
        _string("status", 20),
        _string("province", 40),
        _string("city", 40),
        _string("district", 40),
        sa.Column("end_year", sa.Integer(), nullable=True),
        sa.Column("is_government", sa.Boolean(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=True),
        sa.Column("year_plan_fen", sa.BigInteger(), nullable=True),
        _string("standing", 12),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=True),
        sa.Column("progress_percent", sa.Integer(), nullable=True),
        sa.Column("month_completed_fen", sa.BigInteger(), nullable=True),
        sa.Column("cumulative_fen", sa.BigInteger(), nullable=True),
        _text("progress_text"),
        _text("problems"),
        _text("next_steps"),
        _text("coordination"),
        sa.Column("needs_coordination", sa.Boolean(), nullable=False),
        _string("health", 10),
        sa.Column("overdue_count", sa.Integer(), nullable=False),
        _string("stage_now", 60),
        _text("stages_reached"),
        sa.ForeignKeyConstraint(["snapshot_id"], ["report_snapshot.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_report_snapshot_row_order",
        "report_snapshot_row",
        ["snapshot_id", "needs_coordination", "code"],
    )
    op.create_index(
        "ix_report_snapshot_row_project", "report_snapshot_row", ["snapshot_id", "project_id"]
    )


def downgrade() -> None:
    op.drop_table("report_snapshot_row")
    op.drop_table("report_snapshot")
    op.drop_table("report_photo")
    op.drop_table("monthly_report")
