"""Tables of the schedule: each project's milestones and its schedule settings (opening year)."""

from datetime import date, datetime

from sqlalchemy import Column, DateTime, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

from tracker.clock import now_utc

# A milestone is 已完成 exactly when it has an actual date; 进行中 is the PM's word for "started".
MILESTONE_STATUSES = ["未开始", "进行中", "已完成"]


class Milestone(SQLModel, table=True):
    """One phase of a project (立项批复 … 开学招生), ordered by `position`."""

    __tablename__ = "milestone"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("project.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    position: int = 0
    name: str = Field(max_length=60)
    planned_on: date | None = None
    baseline_on: date | None = None  # the first plan; slips are measured against it
    forecast_on: date | None = None
    actual_on: date | None = None
    is_estimate: bool = True  # laid out by the template rule; nobody has confirmed it yet
    status: str = Field(default="未开始", max_length=10)
    slip_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    responsible_person: str = Field(default="", max_length=60)
    responsible_unit: str = Field(default="", max_length=100)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    version: int = 1
    updated_at: datetime = Field(
        default_factory=now_utc, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ProjectSchedule(SQLModel, table=True):
    """Per-project schedule settings; `version` guards the milestone form against stale saves."""

    __tablename__ = "project_schedule"

    project_id: int = Field(
        sa_column=Column(Integer, ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    )
    opening_year: int | None = None  # None: the end year of 项目期限
    version: int = 1
    updated_at: datetime = Field(
        default_factory=now_utc, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
