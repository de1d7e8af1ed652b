"""The 月度调度表: one row per project for a month and the project-list filters — 序号, 项目名称,
建设单位, 总投资, 年度计划, 本月完成, 累计完成, 完成率, 形象进度, 存在问题, 下步计划 — with the
需协调事项 on top. Read live (the accepted version of each project's report, the finance year
plan) or, for a closed month, from its immutable snapshot."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from tracker.finance.models import InvestmentYear
from tracker.money import UNIT_FEN
from tracker.projects import filters
from tracker.projects.filters import SORTS, ProjectFilter
from tracker.projects.models import Project
from tracker.reports import logic
from tracker.reports.models import (
    STANDING_LABELS,
    MonthlyReport,
    ReportSnapshot,
    SnapshotRow,
)
from tracker.tabular import Column, Sheet, workbook

UNIT = "万元"


@dataclass(frozen=True)
class Row:
    project_id: int
    code: str
    name: str
    seq_no: str
    builder: str
    total_fen: int | None
    year_plan_fen: int | None
    month_fen: int | None
    cumulative_fen: int | None
    percent: int | None
    progress_text: str
    problems: str
    next_steps: str
    coordination: str
    needs_coordination: bool
    standing: str  # the current version's status, "none", or "exempt"
    accepted: bool  # figures come from an accepted version
    report_id: int | None
    revision: int | None
    health: str = ""
    current_id: int | None = None  # the month's newest version (any status), live only

    @property
    def id(self) -> int:
        """The project's id (so permission checks take a row like a project)."""
        return self.project_id

    @property
    def rate(self) -> str:
        return logic.completion_rate(self.cumulative_fen, self.total_fen)

    @property
    def standing_text(self) -> str:
        if self.standing == "exempt":
            return "无需报送"
        shown = STANDING_LABELS.get(self.standing, self.standing)
        if self.accepted and self.standing != "accepted":
            return f"已通过（新版本{shown}）"
        return shown


@dataclass(frozen=True)
class Totals:
    projects: int
    total_fen: int
    year_plan_fen: int
    month_fen: int
    cumulative_fen: int
    accepted: int
    submitted: int
    not_submitted: int
    coordination: int

    @property
    def rate(self) -> str:
        return logic.completion_rate(self.cumulative_fen, self.total_fen)


class Source:
    """Where a month's table comes from: live data, or the month's snapshot."""

    def __init__(
        self, period: str, snapshot: ReportSnapshot | None = None, only: set[int] | None = None
    ):
        self.period = period
        self.snapshot = snapshot
        self.only = only  # narrowed to these projects (a PM's own), None: all

    @property
    def is_snapshot(self) -> bool:
        return self.snapshot is not None

    # --- live ------------------------------------------------------------------------------
    def _live(self, columns, f: ProjectFilter):
        cur, acc = aliased(MonthlyReport, name="cur"), aliased(MonthlyReport, name="acc")
        year = logic.year_month(self.period)[0]
        query = (
            select(*columns(cur, acc))
            .select_from(Project)
            .outerjoin(
                cur,
                and_(
                    cur.project_id == Project.id,
                    cur.period == self.period,
                    cur.current == True,  # noqa: E712
                    cur.deleted_at.is_(None),
                ),
            )
            .outerjoin(
                acc,
                and_(
                    acc.project_id == Project.id,
                    acc.period == self.period,
                    acc.status == "accepted",
                    acc.deleted_at.is_(None),
                ),
            )
            .outerjoin(
                InvestmentYear,
                and_(InvestmentYear.project_id == Project.id, InvestmentYear.year == year),
            )
        )
        query = filters.apply(query, f, ordered=False)
        if self.only is not None:
            query = query.where(Project.id.in_(sorted(self.only) or [-1]))
        return query, cur, acc

    def _live_rows(self, f: ProjectFilter):
        def columns(cur, acc):
            return (
                Project.id,
                Project.code,
                Project.name,
                Project.seq_no,
                Project.builder,
                Project.total_investment_fen,
                InvestmentYear.planned_fen,
                acc.month_completed_fen,
                acc.cumulative_fen,
                acc.progress_percent,
                acc.progress_text,
                acc.problems,
                acc.next_steps,
                acc.coordination,
                acc.needs_coordination,
                cur.status,
                acc.id,
                acc.revision,
                Project.status,
                Project.archived,
                Project.start_year,
                cur.id,
            )

        query, _cur, acc = self._live(columns, f)
        first = case((acc.needs_coordination == True, 0), else_=1)  # noqa: E712
        return query.order_by(first, *_order(f, SORTS[f.sort], Project.id)), acc

    def _must_report(self):
        """logic.must_report in SQL."""
        year = logic.year_month(self.period)[0]
        return and_(
            Project.archived == False,  # noqa: E712
            Project.status.not_in(logic.EXEMPT_STATUSES),
            or_(Project.start_year.is_(None), Project.start_year <= year),
        )

    # --- snapshot --------------------------------------------------------------------------
    def _snap(self, columns, f: ProjectFilter):
        query = select(*columns).where(SnapshotRow.snapshot_id == self.snapshot.id)
        if self.only is not None:
            query = query.where(SnapshotRow.project_id.in_(sorted(self.only) or [-1]))
        return snapshot_filter(query, f)

    # --- what pages ask ----------------------------------------------------------------------
    def rows(
        self, session: Session, f: ProjectFilter, *, limit=None, offset=0, only_coordination=False
    ):
        if self.is_snapshot:
            query = self._snap(SNAP_COLUMNS, f)
            if only_coordination:
                query = query.where(SnapshotRow.needs_coordination == True)  # noqa: E712
            first = case((SnapshotRow.needs_coordination == True, 0), else_=1)  # noqa: E712
            query = query.order_by(first, *_order(f, SNAP_SORTS[f.sort], SnapshotRow.project_id))
            convert = _snap_row
        else:
            query, acc = self._live_rows(f)
            if only_coordination:
                query = query.where(acc.needs_coordination == True)  # noqa: E712
            convert = self._live_row
        if limit is not None:
            query = query.limit(limit).offset(offset)
        return (convert(r) for r in session.execute(query))

    def _live_row(self, r) -> Row:
        standing = r[15] or "none"
        if standing == "none" and not logic.must_report(r[18], r[19], r[20], self.period):
            standing = "exempt"
        return Row(
            r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
            r[10] or "", r[11] or "", r[12] or "", r[13] or "", bool(r[14]),
            standing, r[16] is not None, r[16], r[17], "", r[21],
        )  # fmt: skip

    def totals(self, session: Session, f: ProjectFilter) -> Totals:
        def counts(status, coordination, amounts, waiting):
            return (
                func.count(),
                *[func.coalesce(func.sum(a), 0) for a in amounts],
                func.count(case((status == "accepted", 1))),
                func.count(case((status == "submitted", 1))),
                func.count(case((waiting, 1))),
                func.count(case((coordination == True, 1))),  # noqa: E712
            )

        if self.is_snapshot:
            s = SnapshotRow
            query = self._snap(
                counts(
                    s.standing,
                    s.needs_coordination,
                    (s.total_fen, s.year_plan_fen, s.month_completed_fen, s.cumulative_fen),
                    s.standing.in_(logic.NOT_SUBMITTED),
                ),
                f,
            )
        else:

            def columns(cur, acc):
                return counts(
                    cur.status,
                    acc.needs_coordination,
                    (
                        Project.total_investment_fen,
                        InvestmentYear.planned_fen,
                        acc.month_completed_fen,
                        acc.cumulative_fen,
                    ),
                    and_(
                        self._must_report(),
                        or_(cur.status.is_(None), cur.status.in_(logic.EDITABLE)),
                    ),
                )

            query = self._live(columns, f)[0]
        n, total, plan, month, cumulative, accepted, submitted, waiting, coordination = (
            session.execute(query).one()
        )
        return Totals(
            n, int(total), int(plan), int(month), int(cumulative), accepted, submitted, waiting,
            coordination,
        )  # fmt: skip


def _order(f: ProjectFilter, column, tiebreak) -> list:
    direction = column.desc() if f.order == "desc" else column.asc()
    return [direction.nulls_last(), tiebreak]


S = SnapshotRow
SNAP_COLUMNS = (
    S.project_id, S.code, S.name, S.seq_no, S.builder, S.total_fen, S.year_plan_fen,
    S.month_completed_fen, S.cumulative_fen, S.progress_percent, S.progress_text, S.problems,
    S.next_steps, S.coordination, S.needs_coordination, S.standing, S.report_id, S.revision,
    S.health,
)  # fmt: skip
SNAP_SORTS = {
    "code": S.code,
    "name": S.name,
    "stage": S.stage,
    "subdistrict": S.subdistrict,
    "end_year": S.end_year,
    "total": S.total_fen,
    "window": S.total_fen,
    "classes": S.code,
    "builder": S.builder,
}


def _snap_row(r) -> Row:
    return Row(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
        bool(r[14]), r[15], r[16] is not None, r[16], r[17], r[18],
    )  # fmt: skip


def snapshot_filter(query, f: ProjectFilter):
    """The project-list filter over a snapshot's own columns (as the projects were then)."""
    if f.jurisdiction:
        levels = [part for part in f.jurisdiction.split("/") if part]
        for column, value in zip((S.province, S.city, S.district), levels, strict=False):
            query = query.where(column == value)
    if f.q:
        query = query.where(
            or_(
                col(S.name).icontains(f.q, autoescape=True),
                col(S.code).icontains(f.q, autoescape=True),
            )
        )
    for key in ("stage", "subdistrict", "builder", "status"):
        if value := getattr(f, key):
            query = query.where(getattr(S, key) == value)
    if f.end_year:
        query = query.where(S.end_year == int(f.end_year))
    if f.government in ("0", "1"):
        query = query.where(S.is_government == (f.government == "1"))
    return query


def source(session: Session, period: str, *, live: bool = False) -> Source:
    """The month's snapshot if it was taken (unless `live`), else live data."""
    snap = None
    if not live:
        snap = session.execute(
            select(ReportSnapshot).where(ReportSnapshot.period == period)
        ).scalar_one_or_none()
    return Source(period, snap)


# --- the XLSX, through the one writer ---------------------------------------------------------

# Widths add up to 174 units: A4 landscape, one page wide (the writer takes A3 past 185).
COLUMNS = [
    Column("序号", 5, "count"),
    Column("项目名称", 22, "long"),
    Column("建设单位", 12, "long"),
    Column("总投资（万元）", 11, "money"),
    Column("年度计划（万元）", 11, "money"),
    Column("本月完成（万元）", 11, "money"),
    Column("累计完成（万元）", 11, "money"),
    Column("完成率（%）", 7, "rate"),
    Column("形象进度", 28, "long"),
    Column("存在问题", 24, "long"),
    Column("下步计划", 24, "long"),
    Column("报送状态", 8, "long"),
]
COORDINATION_COLUMNS = [
    Column("序号", 6, "count"),
    Column("项目名称", 30, "long"),
    Column("建设单位", 18, "long"),
    Column("需协调事项", 70, "long"),
]


def _wan(fen: int | None):
    return None if fen is None else Decimal(fen) / UNIT_FEN[UNIT]


def _rate(text: str):
    return Decimal(text) if text else None


def _progress(row: Row) -> str:
    if row.percent is None:
        return row.progress_text
    return f"{row.percent}%；{row.progress_text}" if row.progress_text else f"{row.percent}%"


def xlsx(
    session: Session, src: Source, f: ProjectFilter, *, as_of: date, jurisdiction: str
) -> bytes:
    """The month's table (需协调事项 rows first) and a sheet of the 需协调事项 alone."""
    label = logic.label(src.period)
    totals = src.totals(session, f)
    where = f"{f.describe()}" + ("（月末封存数据）" if src.is_snapshot else "（实时数据）")

    def rows():
        for number, row in enumerate(src.rows(session, f), 1):
            yield [
                number, row.name, row.builder, _wan(row.total_fen), _wan(row.year_plan_fen),
                _wan(row.month_fen), _wan(row.cumulative_fen), _rate(row.rate), _progress(row),
                row.problems, row.next_steps, row.standing_text,
            ]  # fmt: skip

    def coordination():
        rows = src.rows(session, f, only_coordination=True)
        for number, row in enumerate(rows, 1):
            yield [number, row.name, row.builder, row.coordination]

    total = [
        None, f"合计 {totals.projects} 个项目", "", _wan(totals.total_fen), _wan(totals.year_plan_fen),
        _wan(totals.month_fen), _wan(totals.cumulative_fen), _rate(totals.rate), "", "", "",
        f"已通过 {totals.accepted}",
    ]  # fmt: skip
    sheets = [
        Sheet(
            name="月度调度表",
            title=f"学校建设项目{label}调度表",
            columns=COLUMNS,
            rows=rows(),
            total=total,
            unit=UNIT,
            scope=where,
            frozen_columns=2,
        ),
        Sheet(
            name="需协调事项",
            title=f"学校建设项目{label}需协调事项",
            columns=COORDINATION_COLUMNS,
            rows=coordination(),
            scope=where,
            frozen_columns=2,
            empty_note="（本月没有需协调事项）",
        ),
    ]
    return workbook(sheets, jurisdiction=jurisdiction, as_of=as_of)


def brief_section(session: Session, f: ProjectFilter, period: str, *, limit: int = 200) -> dict:
    """For the portfolio brief: the month's 调度表 as plain data (its owner lays it out)."""
    src = source(session, period)
    totals = src.totals(session, f)
    rows = list(src.rows(session, f, limit=limit))
    return {
        "title": f"{logic.label(period)}调度表",
        "sealed": src.is_snapshot,
        "unit": UNIT,
        "columns": [c.header for c in COLUMNS],
        "coordination": [
            {"name": r.name, "builder": r.builder, "text": r.coordination}
            for r in src.rows(session, f, only_coordination=True, limit=limit)
        ],
        "rows": [
            {
                "code": r.code,
                "name": r.name,
                "builder": r.builder,
                "total_fen": r.total_fen,
                "year_plan_fen": r.year_plan_fen,
                "month_fen": r.month_fen,
                "cumulative_fen": r.cumulative_fen,
                "rate": r.rate,
                "progress": _progress(r),
                "problems": r.problems,
                "next_steps": r.next_steps,
                "standing": r.standing_text,
            }
            for r in rows
        ],
        "more": max(0, totals.projects - len(rows)),
        "totals": totals,
    }
