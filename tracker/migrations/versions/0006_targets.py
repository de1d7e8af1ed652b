"""targets: jurisdictions, plans, plan targets, target links

Revision ID: 0006_targets
Revises: 0004_accounts
Create Date: 2026-11-25
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006_targets"
down_revision = "0004_accounts"
branch_labels = None
depends_on = None


def _s(length: int):
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "jurisdiction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", _s(200), nullable=False),
        sa.Column("name", _s(60), nullable=False),
        sa.Column("level", _s(20), nullable=False),
        sa.Column("division_code", _s(20), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["jurisdiction.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_jurisdiction_path"), "jurisdiction", ["path"], unique=True)
    op.create_table(
        "target_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _s(200), nullable=False),
        sa.Column("jurisdiction", _s(200), nullable=False),
        sa.Column("period_text", _s(40), nullable=False),
        sa.Column("start_year", sa.Integer(), nullable=True),
        sa.Column("end_year", sa.Integer(), nullable=True),
        sa.Column("document", _s(300), nullable=False),
        sa.Column("source_file", _s(200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_index(
        op.f("ix_target_plan_jurisdiction"), "target_plan", ["jurisdiction"], unique=False
    )
    op.create_table(
        "plan_target",
        sa.Column("key", _s(60), nullable=False),
        sa.Column("jurisdiction", _s(200), nullable=False),
        sa.Column("indicator", sa.Text(), nullable=False),
        sa.Column("topic", _s(100), nullable=False),
        sa.Column("unit", _s(10), nullable=False),
        sa.Column("comparator", _s(2), nullable=False),
        sa.Column("baseline", sa.BigInteger(), nullable=True),  # ScaledDecimal(4)
        sa.Column("baseline_year", sa.Integer(), nullable=True),
        sa.Column("target_text", _s(40), nullable=False),
        sa.Column("target_value", sa.BigInteger(), nullable=True),  # ScaledDecimal(4)
        sa.Column("target_year", sa.Integer(), nullable=True),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("parent_key", _s(60), nullable=False),
        sa.Column("source_file", _s(200), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("also_lines", _s(100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["target_plan.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_plan_target_jurisdiction"), "plan_target", ["jurisdiction"], unique=False
    )
    op.create_index(op.f("ix_plan_target_key"), "plan_target", ["key"], unique=True)
    op.create_index(op.f("ix_plan_target_plan_id"), "plan_target", ["plan_id"], unique=False)
    op.create_table(
        "target_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kind", _s(10), nullable=False),
        sa.Column("created_by", _s(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.ForeignKeyConstraint(["target_id"], ["plan_target.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("target_id", "project_id"),
    )
    op.create_index(op.f("ix_target_link_project_id"), "target_link", ["project_id"], unique=False)
    op.create_index(op.f("ix_target_link_target_id"), "target_link", ["target_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_target_link_target_id"), table_name="target_link")
    op.drop_index(op.f("ix_target_link_project_id"), table_name="target_link")
    op.drop_table("target_link")
    op.drop_index(op.f("ix_plan_target_plan_id"), table_name="plan_target")
    op.drop_index(op.f("ix_plan_target_key"), table_name="plan_target")
    op.drop_index(op.f("ix_plan_target_jurisdiction"), table_name="plan_target")
    op.drop_table("plan_target")
    op.drop_index(op.f("ix_target_plan_jurisdiction"), table_name="target_plan")
    op.drop_table("target_plan")
    op.drop_index(op.f("ix_jurisdiction_path"), table_name="jurisdiction")
    op.drop_table("jurisdiction")
