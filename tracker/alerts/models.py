"""Alerts (预警) raised by the daily scan: at most one open alert per project, kind and milestone."""

import socket
from datetime import date, datetime

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, Text, text
from sqlmodel import Field, SQLModel

from tracker.clock import now_utc

KINDS = {"overdue": "逾期", "term_risk": "开学风险", "stale": "长期未更新"}


class Alert(SQLModel, table=True):
    """An alert is open while `closed_on` is empty; the scan closes it when its cause is gone."""

    __tablename__ = "alert"
    __table_args__ = (
        # The idempotency guarantee: a second scan (even a concurrent one) cannot open a duplicate.
        Index(
            "uq_alert_open",
            "project_id",
            "kind",
            "milestone_ref",
            unique=True,
            sqlite_where=text("closed_on IS NULL"),
            postgresql_where=text("closed_on IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("project.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    kind: str = Field(max_length=20)
    milestone_ref: int = 0  # the milestone's id, 0 for project-level alerts
    milestone_name: str = Field(default="", max_length=60)
    due_on: date | None = None  # the date that passed (overdue) or the expected handover (term)
    message: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    opened_on: date
    closed_on: date | None = Field(default=None, index=True)
    acknowledged_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    acknowledged_by: str = Field(default="", max_length=80)
    ack_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(
        default_factory=now_utc, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class AlertScan(SQLModel, table=True):
    """One run of the daily scan: shown as 上次扫描 and used to know when alert data changed."""

    __tablename__ = "alert_scan"

    id: int | None = Field(default=None, primary_key=True)
    ran_at: datetime = Field(
        default_factory=now_utc, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    day: date
    projects: int = 0
    opened: int = 0
    updated: int = 0
    closed: int = 0
    failed: int = 0
    host: str = Field(default_factory=socket.gethostname, max_length=255)  # which server ran it
