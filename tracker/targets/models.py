"""Tables of the targets domain: jurisdictions, plans, their targets and project links."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.clock import now_utc
from tracker.db import ScaledDecimal

LEVELS = {"province": "省", "city": "市", "district": "区县", "subdistrict": "街道/镇"}
UNITS = ["所", "个", "学位", "床位", "亿元", "万元", "%"]
COMPARATORS = {"≥": "不少于", "≤": "不超过", "≈": "约", "=": "等于"}


class Jurisdiction(SQLModel, table=True):
    """A node of the province → city → district → 街道/镇 tree; `path` joins the names with '/'."""

    id: int | None = Field(default=None, primary_key=True)
    path: str = Field(max_length=200, unique=True, index=True)
    name: str = Field(max_length=60)
    level: str = Field(max_length=20)  # a key of LEVELS
    division_code: str = Field(default="", max_length=20)
    parent_id: int | None = Field(default=None, foreign_key="jurisdiction.id")
    source: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class Plan(SQLModel, table=True):
    """A plan document (or the part of one) that states targets."""

    __tablename__ = "target_plan"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    jurisdiction: str = Field(max_length=200, index=True)  # a Jurisdiction.path
    period_text: str = Field(default="", max_length=40)
    start_year: int | None = None
    end_year: int | None = None
    document: str = Field(default="", max_length=300)  # title / document number
    source_file: str = Field(default="", max_length=200)


class TargetBase(SQLModel):
    """Fields of a target as the document states them (stored as written, flagged when odd)."""

    key: str = Field(max_length=60, unique=True, index=True)  # stable id for re-loading
    jurisdiction: str = Field(max_length=200, index=True)
    indicator: str = Field(sa_column=Column(Text, nullable=False))
    topic: str = Field(default="", max_length=100)  # same topic + year = should agree
    unit: str = Field(max_length=10)
    comparator: str = Field(default="≥", max_length=2)
    baseline: Decimal | None = Field(default=None, sa_type=ScaledDecimal(4))
    baseline_year: int | None = None
    target_text: str = Field(default="", max_length=40)  # the figure as written: 「≥96」「近2000」
    target_value: Decimal | None = Field(default=None, sa_type=ScaledDecimal(4))
    target_year: int | None = None
    rule: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    parent_key: str = Field(default="", max_length=60)  # a split of this target (roll-up)
    source_file: str = Field(default="", max_length=200)
    source_line: int | None = None
    also_lines: str = Field(default="", max_length=100)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class Target(TargetBase, table=True):
    __tablename__ = "plan_target"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="target_plan.id", index=True)
    position: int = 0
    version: int = 1
    updated_at: datetime = Field(
        default_factory=now_utc, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class TargetLink(SQLModel, table=True):
    """A hand-made link: `include` counts a project toward a target, `exclude` drops a rule match."""

    __tablename__ = "target_link"
    __table_args__ = (UniqueConstraint("target_id", "project_id"),)

    id: int | None = Field(default=None, primary_key=True)
    target_id: int = Field(foreign_key="plan_target.id", index=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    kind: str = Field(default="include", max_length=10)
    created_by: str = Field(default="", max_length=80)
    created_at: datetime = Field(
        default_factory=now_utc, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
