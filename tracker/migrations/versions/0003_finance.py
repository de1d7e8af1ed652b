"""finance: yearly and monthly investment, funding sources, per-project edit versions

Revision ID: 0003_finance
Revises: 0002_milestones_scan_log
Create Date: 2026-11-25
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003_finance"
down_revision = "0002_milestones_scan_log"
branch_labels = None
depends_on = None


def _project_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["project_id"], ["project.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "investment_year",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("planned_fen", sa.BigInteger(), nullable=True),
        sa.Column("completed_fen", sa.BigInteger(), nullable=True),
        _project_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "year", name="uq_investment_year"),
    )
    op.create_index("ix_investment_year_project_id", "investment_year", ["project_id"])
    op.create_index("ix_investment_year_year", "investment_year", ["year"])
    op.create_table(
        "investment_month",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("planned_fen", sa.BigInteger(), nullable=True),
        sa.Column("completed_fen", sa.BigInteger(), nullable=True),
        _project_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "year", "month", name="uq_investment_month"),
    )
    op.create_index("ix_investment_month_project_id", "investment_month", ["project_id"])
    op.create_table(
        "funding_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _project_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "source", name="uq_funding_source"),
    )
    op.create_index("ix_funding_source_project_id", "funding_source", ["project_id"])
    op.create_index("ix_funding_source_source", "funding_source", ["source"])
    op.create_table(
        "finance_sheet",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _project_fk(),
        sa.PrimaryKeyConstraint("project_id"),
    )


def downgrade() -> None:
    op.drop_table("finance_sheet")
    op.drop_index("ix_funding_source_source", table_name="funding_source")
    op.drop_index("ix_funding_source_project_id", table_name="funding_source")
    op.drop_table("funding_source")
    op.drop_index("ix_investment_month_project_id", table_name="investment_month")
    op.drop_table("investment_month")
    op.drop_index("ix_investment_year_year", table_name="investment_year")
    op.drop_index("ix_investment_year_project_id", table_name="investment_year")
    op.drop_table("investment_year")
