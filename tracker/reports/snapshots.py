"""Immutable monthly snapshots: when a month closes, the portfolio as reported then — each
project's figures, texts, report standing, schedule health and stages — is written once and
never recomputed, so the as-of view shows last month as it was, whatever changed since."""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from tracker.audit import Actor, record_change
from tracker.finance.models import InvestmentYear
from tracker.milestones import summary as schedule
from tracker.milestones.models import Milestone
from tracker.projects.filters import ProjectFilter
from tracker.projects.models import Project
from tracker.reports import logic
from tracker.reports.models import ReportSnapshot, SnapshotRow
from tracker.reports.table import Source, snapshot_filter

CHUNK = 2000


def get(session: Session, period: str) -> ReportSnapshot | None:
    return session.execute(
        select(ReportSnapshot).where(ReportSnapshot.period == period)
    ).scalar_one_or_none()


def periods(session: Session) -> list[str]:
    return list(
        session.execute(
            select(ReportSnapshot.period).order_by(ReportSnapshot.period.desc())
        ).scalars()
    )


def _stages(session: Session, period: str, ids: list[int]) -> dict[int, tuple[str, str]]:
    """project id → (last stage reached by the month's end, stages reached within the month)."""
    end, first = logic.month_end(period), date(*logic.year_month(period), 1)
    reached: dict[int, list] = {}
    rows = session.execute(
        select(Milestone.project_id, Milestone.position, Milestone.name, Milestone.actual_on)
        .where(Milestone.actual_on.is_not(None), Milestone.actual_on <= end)
        .order_by(Milestone.project_id, Milestone.position)
    )
    wanted = set(ids)
    for pid, _position, name, actual in rows:
        if pid in wanted:
            reached.setdefault(pid, []).append((name, actual))
    return {
        pid: (items[-1][0], "、".join(n for n, a in items if a >= first))
        for pid, items in reached.items()
    }


def take(
    session: Session, period: str, *, today: date, actor: Actor
) -> tuple[ReportSnapshot, bool]:
    """The month's snapshot, written now if it does not exist yet (then True)."""
    existing = get(session, period)
    if existing is not None:
        return existing, False
    snap = ReportSnapshot(period=period, taken_on=today, taken_by=actor.username)
    session.add(snap)
    try:
        session.flush()
    except IntegrityError:  # another process took it a moment ago
        session.rollback()
        return get(session, period), False
    live = Source(period)

    def columns(cur, acc):
        return (
            *[getattr(Project, c) for c in PROJECT_COLUMNS],
            cur.status,
            acc.id,
            acc.revision,
            acc.progress_percent,
            acc.month_completed_fen,
            acc.cumulative_fen,
            acc.progress_text,
            acc.problems,
            acc.next_steps,
            acc.coordination,
            acc.needs_coordination,
            InvestmentYear.planned_fen,
        )

    query, _cur, _acc = live._live(columns, ProjectFilter())
    found = session.execute(query).all()
    ids = [r[0] for r in found]
    health = schedule.health_for(session, ids, today) if ids else {}
    stages = _stages(session, period, ids)
    rows = [_row(snap.id, r, health.get(r[0]), stages.get(r[0], ("", "")), period) for r in found]
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(SnapshotRow), rows[start : start + CHUNK])
    snap_rows = len(rows)
    session.execute(
        ReportSnapshot.__table__.update()
        .where(ReportSnapshot.__table__.c.id == snap.id)
        .values(projects=snap_rows)
    )
    record_change(
        session,
        actor=actor,
        action="snapshot",
        entity="report_snapshot",
        entity_id=period,
        detail=f"封存{logic.label(period)}月报快照（{snap_rows} 个项目，数据截至 {today}）",
        changes=[],
        version=None,
    )
    session.flush()
    session.expire(snap)
    return snap, True


PROJECT_COLUMNS = (
    "id", "code", "name", "seq_no", "builder", "subdistrict", "stage", "status", "province",
    "city", "district", "end_year", "is_government", "total_investment_fen", "archived",
    "start_year",
)  # fmt: skip


def _row(snapshot_id: int, r, health, stages: tuple[str, str], period: str) -> dict:
    p = dict(zip(PROJECT_COLUMNS, r[: len(PROJECT_COLUMNS)], strict=True))
    (status, report_id, revision, percent, month, cumulative, text, problems, steps, coord,
     needs, plan) = r[len(PROJECT_COLUMNS) :]  # fmt: skip
    standing = status or "none"
    if standing == "none" and not logic.must_report(
        p["status"], p["archived"], p["start_year"], period
    ):
        standing = "exempt"
    return {
        "snapshot_id": snapshot_id,
        "project_id": p["id"],
        "code": p["code"],
        "name": p["name"],
        "seq_no": p["seq_no"] or "",
        "builder": p["builder"] or "",
        "subdistrict": p["subdistrict"] or "",
        "stage": p["stage"] or "",
        "status": p["status"] or "",
        "province": p["province"] or "",
        "city": p["city"] or "",
        "district": p["district"] or "",
        "end_year": p["end_year"],
        "is_government": bool(p["is_government"]),
        "total_fen": p["total_investment_fen"],
        "year_plan_fen": plan,
        "standing": standing,
        "report_id": report_id,
        "revision": revision,
        "progress_percent": percent,
        "month_completed_fen": month,
        "cumulative_fen": cumulative,
        "progress_text": text or "",
        "problems": problems or "",
        "next_steps": steps or "",
        "coordination": coord or "",
        "needs_coordination": bool(needs),
        "health": health.label if health else "",
        "overdue_count": health.overdue_count if health else 0,
        "stage_now": stages[0],
        "stages_reached": stages[1],
    }


def health_counts(session: Session, snap: ReportSnapshot, f: ProjectFilter) -> dict[str, int]:
    query = snapshot_filter(
        select(SnapshotRow.health, func.count()).where(SnapshotRow.snapshot_id == snap.id), f
    ).group_by(SnapshotRow.health)
    return {label or "—": n for label, n in session.execute(query)}


@dataclass(frozen=True)
class _Lite:
    project_id: int
    code: str
    name: str
    builder: str
    health: str
    overdue_count: int
    problems: str
    standing: str
    stages_reached: str


LITE = (
    SnapshotRow.project_id, SnapshotRow.code, SnapshotRow.name, SnapshotRow.builder,
    SnapshotRow.health, SnapshotRow.overdue_count, SnapshotRow.problems, SnapshotRow.standing,
    SnapshotRow.stages_reached,
)  # fmt: skip


def changes(session: Session, snap: ReportSnapshot, f: ProjectFilter) -> logic.MonthChanges | None:
    """「本月变化」 against the previous month's snapshot (None when there is none)."""
    before = get(session, logic.shift(snap.period, -1))
    if before is None:
        return None
    current = [
        _Lite(*r)
        for r in session.execute(
            snapshot_filter(select(*LITE).where(SnapshotRow.snapshot_id == snap.id), f).order_by(
                SnapshotRow.code
            )
        )
    ]
    previous = {
        r[0]: _Lite(*r)
        for r in session.execute(select(*LITE).where(SnapshotRow.snapshot_id == before.id))
    }
    return logic.month_changes(previous, current)


def standing_counts(session: Session, snap: ReportSnapshot, f: ProjectFilter) -> Counter:
    query = snapshot_filter(
        select(SnapshotRow.standing, func.count()).where(SnapshotRow.snapshot_id == snap.id), f
    ).group_by(SnapshotRow.standing)
    return Counter(dict(session.execute(query).all()))
