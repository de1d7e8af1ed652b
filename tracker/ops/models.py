"""What the scheduler leaves behind: one row per job run (who ran which scheduled occurrence,
when, with what outcome) and the active scheduler's heartbeat (read by /readyz)."""

from datetime import datetime

from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.clock import now_utc

OUTCOMES = {"running": "运行中", "ok": "成功", "failed": "失败", "interrupted": "中断"}


class JobRun(SQLModel, table=True):
    """One occurrence of a scheduled job. (job_id, run_key) is unique: a second scheduler that
    reaches the same occurrence (e.g. the same day's scan) cannot claim it again."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job_id", "run_key", name="uq_job_run_occurrence"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=60, index=True)
    run_key: str = Field(max_length=40)  # the scheduled time, e.g. 2026-03-10T06:30+08:00
    host: str = Field(default="", max_length=255)
    pid: int = 0
    started_at: datetime = Field(
        default_factory=now_utc, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    finished_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    outcome: str = Field(default="running", max_length=12)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class SchedulerHeartbeat(SQLModel, table=True):
    """The active scheduler's last sign of life (one row, name "scheduler")."""

    __tablename__ = "scheduler_heartbeat"

    name: str = Field(primary_key=True, max_length=40)
    host: str = Field(default="", max_length=255)
    pid: int = 0
    started_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    seen_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
