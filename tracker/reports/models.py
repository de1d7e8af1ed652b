"""Tables of the monthly reports (月度调度): one row per version of a project's report for a month,
its photos, and the immutable snapshots of each closed month."""

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    event,
)
from sqlmodel import Field, SQLModel

from tracker.clock import now_utc

# A version's status; the words every page, export and audit entry shows.
STATUS_LABELS = {
    "draft": "草稿",
    "submitted": "待审核",
    "returned": "已退回",
    "accepted": "已通过",
    "superseded": "已被新版本取代",
}
# A project's standing for a month on lists (its current version's status, or none at all).
STANDING_LABELS = {"none": "未报送"} | STATUS_LABELS


def _text() -> Column:
    return Column(Text, nullable=False, default="")


def _moment(nullable: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


class MonthlyReport(SQLModel, table=True):
    """One version (第 N 版) of a project's report for a month (报告期 `period`, "YYYY-MM").

    The month's versions share project and period; `current` marks the newest one that is not
    deleted, and at most one version of a month is `accepted` (an older accepted one becomes
    `superseded` when a newer one is accepted). `version` guards the edit form against stale
    saves."""

    __tablename__ = "monthly_report"
    __table_args__ = (
        UniqueConstraint("project_id", "period", "revision", name="uq_monthly_report_revision"),
        Index("ix_monthly_report_period_current", "period", "current", "project_id"),
        Index("ix_monthly_report_period_status", "period", "status", "project_id"),
        Index("ix_monthly_report_project_period", "project_id", "period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(
        sa_column=Column(Integer, ForeignKey("project.id", ondelete="CASCADE"), nullable=False)
    )
    period: str = Field(max_length=7)
    revision: int = 1
    current: bool = True
    status: str = Field(default="draft", max_length=12)
    progress_text: str = Field(default="", sa_column=_text())
    progress_percent: int | None = None
    percent_reason: str = Field(default="", sa_column=_text())
    stage_now: str = Field(default="", max_length=60)  # last stage reached, per the milestones
    stage_reached: str = Field(default="", max_length=60)  # a stage reached this month, if any
    stage_reached_on: date | None = None
    month_completed_fen: int | None = Field(default=None, sa_type=BigInteger)
    cumulative_fen: int | None = Field(default=None, sa_type=BigInteger)
    problems: str = Field(default="", sa_column=_text())
    next_steps: str = Field(default="", sa_column=_text())
    coordination: str = Field(default="", sa_column=_text())
    needs_coordination: bool = False
    review_comment: str = Field(default="", sa_column=_text())
    filed_by: str = Field(default="", max_length=80)
    submitted_at: datetime | None = Field(default=None, sa_column=_moment(nullable=True))
    reviewed_by: str = Field(default="", max_length=80)
    reviewed_at: datetime | None = Field(default=None, sa_column=_moment(nullable=True))
    version: int = 1
    created_at: datetime = Field(default_factory=now_utc, sa_column=_moment())
    updated_at: datetime = Field(default_factory=now_utc, sa_column=_moment())
    deleted_at: datetime | None = Field(default=None, sa_column=_moment(nullable=True))


class ReportPhoto(SQLModel, table=True):
    """A site photo of one report version. The file is stored once under its SHA-256 (with a
    display copy and a thumbnail made at upload); rows of several versions may share it."""

    __tablename__ = "report_photo"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("monthly_report.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    position: int = 0
    sha256: str = Field(max_length=64, index=True)
    ext: str = Field(max_length=5)  # of the original: jpg, png, heic
    size_bytes: int = 0
    width: int = 0  # after the EXIF orientation is applied
    height: int = 0
    original_name: str = Field(default="", max_length=200)
    caption: str = Field(default="", max_length=200)
    # The camera's clock (EXIF DateTimeOriginal): a local time without a zone, kept as written.
    taken_at: datetime | None = Field(default=None, sa_column=Column(DateTime(), nullable=True))
    lat: float | None = None  # WGS-84 from EXIF GPS
    lon: float | None = None
    distance_m: int | None = None  # from the project's location when uploaded
    far: bool = False  # farther than REPORT_PHOTO_MAX_DISTANCE_M: flagged, not refused
    created_at: datetime = Field(default_factory=now_utc, sa_column=_moment())


class ReportSnapshot(SQLModel, table=True):
    """The portfolio as reported for a month, taken once when the month closes; never changed."""

    __tablename__ = "report_snapshot"

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=7, unique=True)
    taken_on: date  # the day the figures (health, stages) were read as of
    taken_at: datetime = Field(default_factory=now_utc, sa_column=_moment())
    taken_by: str = Field(default="", max_length=80)
    projects: int = 0


class SnapshotRow(SQLModel, table=True):
    """One project in a month's snapshot: what the lists, totals, health and the 调度表 showed."""

    __tablename__ = "report_snapshot_row"
    __table_args__ = (
        Index("ix_report_snapshot_row_order", "snapshot_id", "needs_coordination", "code"),
        Index("ix_report_snapshot_row_project", "snapshot_id", "project_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("report_snapshot.id", ondelete="CASCADE"), nullable=False
        )
    )
    project_id: int
    code: str = Field(max_length=40)
    name: str = Field(max_length=200)
    seq_no: str = Field(default="", max_length=10)
    builder: str = Field(default="", max_length=100)
    subdistrict: str = Field(default="", max_length=40)
    stage: str = Field(default="", max_length=20)
    status: str = Field(default="", max_length=20)
    province: str = Field(default="", max_length=40)
    city: str = Field(default="", max_length=40)
    district: str = Field(default="", max_length=40)
    end_year: int | None = None
    is_government: bool = True
    total_fen: int | None = Field(default=None, sa_type=BigInteger)
    year_plan_fen: int | None = Field(default=None, sa_type=BigInteger)
    standing: str = Field(default="none", max_length=12)  # see STANDING_LABELS
    report_id: int | None = None  # the accepted version shown, if any
    revision: int | None = None
    progress_percent: int | None = None
    month_completed_fen: int | None = Field(default=None, sa_type=BigInteger)
    cumulative_fen: int | None = Field(default=None, sa_type=BigInteger)
    progress_text: str = Field(default="", sa_column=_text())
    problems: str = Field(default="", sa_column=_text())
    next_steps: str = Field(default="", sa_column=_text())
    coordination: str = Field(default="", sa_column=_text())
    needs_coordination: bool = False
    health: str = Field(default="", max_length=10)
    overdue_count: int = 0
    stage_now: str = Field(default="", max_length=60)
    stages_reached: str = Field(default="", sa_column=_text())


def _refuse_change(_mapper, _connection, target):
    raise RuntimeError(f"report snapshots are immutable ({type(target).__name__} {target.id})")


for _table in (ReportSnapshot, SnapshotRow):
    event.listen(_table, "before_update", _refuse_change)
    event.listen(_table, "before_delete", _refuse_change)
