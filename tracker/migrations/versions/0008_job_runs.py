"""job runs, the scheduler heartbeat, and which host ran each alert scan

Revision ID: 0008_job_runs
Revises: 0007_audit_entry_changes
Create Date: 2026-12-02
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008_job_runs"
down_revision = "0007_audit_entry_changes"
branch_labels = None
depends_on = None


def _s(length: int):
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", _s(60), nullable=False),
        sa.Column("run_key", _s(40), nullable=False),
        sa.Column("host", _s(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", _s(12), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id", "run_key", name="uq_job_run_occurrence"),
    )
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_run_job_id"), ["job_id"], unique=False)
    op.create_table(
        "scheduler_heartbeat",
        sa.Column("name", _s(40), nullable=False),
        sa.Column("host", _s(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    # Scans recorded before this revision ran on an unknown host: empty.
    with op.batch_alter_table("alert_scan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("host", _s(255), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("alert_scan", schema=None) as batch_op:
        batch_op.drop_column("host")
    op.drop_table("scheduler_heartbeat")
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_run_job_id"))
    op.drop_table("job_run")
