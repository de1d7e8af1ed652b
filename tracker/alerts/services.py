"""The daily scan (set-based and idempotent) and the queries behind the 预警 page and API."""

import logging
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import case, func, insert, select, update
from sqlmodel import Session

from tracker.alerts.logic import WantedAlert, wanted_alerts
from tracker.alerts.models import KINDS, Alert, AlertScan
from tracker.audit.services import Actor, record
from tracker.clock import now_utc
from tracker.milestones import services as schedule
from tracker.projects.models import Project

log = logging.getLogger(__name__)
# Paused or cancelled projects raise no alerts; their open ones close.
QUIET_STATUSES = ("暂缓", "停建", "取消")
CHUNK = 2000


@dataclass
class ScanResult:
    projects: int = 0
    opened: int = 0
    updated: int = 0
    closed: int = 0
    failed: list[int] = field(default_factory=list)


def _wanted(session: Session, today: date) -> tuple[dict[int, dict], list[int], int]:
    """What every active project should have open; projects whose evaluation fails are listed
    (their existing alerts are left as they are) and the run goes on."""
    r = schedule.rules()
    grouped = schedule.milestone_rows(session)
    projects = session.execute(
        select(Project.id, Project.status).where(Project.archived == False)  # noqa: E712
    ).all()
    years = schedule.opening_years(session)
    updated = schedule.last_updates(session)
    wanted: dict[int, dict] = {}
    failed: list[int] = []
    for p in projects:
        if p.status in QUIET_STATUSES:
            wanted[p.id] = {}
            continue
        try:
            evaluation = schedule.evaluate_one(
                grouped.get(p.id, []), years.get(p.id), today, r, updated.get(p.id)
            )
            wanted[p.id] = {w.key: w for w in wanted_alerts(evaluation)}
        except Exception:  # one bad project must not stop the scan
            log.exception("daily scan: project %s could not be evaluated", p.id)
            failed.append(p.id)
    return wanted, failed, len(projects)


def scan(session: Session, today: date) -> ScanResult:
    """Open missing alerts, refresh changed ones, close those whose cause is gone. Running it
    twice on the same data changes nothing the second time."""
    wanted, failed, count = _wanted(session, today)
    result = ScanResult(projects=count, failed=failed)
    skip = set(failed)
    existing = session.execute(
        select(
            Alert.id, Alert.project_id, Alert.kind, Alert.milestone_ref, Alert.due_on, Alert.message
        ).where(Alert.closed_on.is_(None))
    ).all()
    to_close, to_update, seen = [], [], set()
    for a in existing:
        if a.project_id in skip:
            continue
        w: WantedAlert | None = wanted.get(a.project_id, {}).get((a.kind, a.milestone_ref))
        if w is None:
            to_close.append(a.id)
            continue
        seen.add((a.project_id, a.kind, a.milestone_ref))
        if w.due_on != a.due_on or w.message != a.message:
            to_update.append(
                {
                    "id": a.id,
                    "due_on": w.due_on,
                    "message": w.message,
                    "milestone_name": w.milestone_name,
                }
            )
    now = now_utc()
    new_rows = [
        dict(
            project_id=pid,
            kind=w.kind,
            milestone_ref=w.milestone_ref,
            milestone_name=w.milestone_name,
            due_on=w.due_on,
            message=w.message,
            opened_on=today,
            closed_on=None,
            acknowledged_at=None,
            acknowledged_by="",
            ack_note="",
            created_at=now,
        )
        for pid, alerts in wanted.items()
        for w in alerts.values()
        if (pid, w.kind, w.milestone_ref) not in seen
    ]
    for i in range(0, len(to_close), CHUNK):
        session.execute(
            update(Alert)
            .where(Alert.id.in_(to_close[i : i + CHUNK]))
            .values(closed_on=today)
            .execution_options(synchronize_session=False)
        )
    if to_update:
        session.execute(update(Alert), to_update)
    table = Alert.__table__
    for i in range(0, len(new_rows), CHUNK):
        session.connection().execute(insert(table), new_rows[i : i + CHUNK])
    result.opened, result.updated, result.closed = len(new_rows), len(to_update), len(to_close)
    session.add(
        AlertScan(
            ran_at=now,
            day=today,
            projects=count,
            opened=result.opened,
            updated=result.updated,
            closed=result.closed,
            failed=len(failed),
        )
    )
    session.flush()
    return result


# --- reading ------------------------------------------------------------------------------------

OPEN = Alert.closed_on.is_(None)


def per_project(session: Session) -> list:
    """Every project with open alerts (plain rows: project_id, code, builder, subdistrict, alerts,
    earliest_overdue and a count per kind). The 预警 page groups and pages these few thousand rows
    in Python. Only the scan changes alerts and any project edit bumps its updated_at, so the rows
    are cached per process until either moves on (checked with one cheap query per request)."""
    key = tuple(session.connection().execute(_FINGERPRINT).one())
    cache = current_app.extensions.setdefault("alerts_per_project", {})
    if cache.get("key") != key:
        rows = session.connection().execute(_PER_PROJECT).all()
        rows.sort(key=_page_order)  # the page's order, so paging needs no sort
        cache.clear()
        cache.update(key=key, rows=rows, derived={})
    return cache["rows"]


def _derived(rows: list, name: str, today: date, compute):
    """Groupings of the cached rows, kept with them (recomputed when the rows or the day change)."""
    cache = current_app.extensions.get("alerts_per_project", {})
    if cache.get("rows") is not rows:
        return compute()
    derived = cache["derived"]
    if (name, today) not in derived:
        derived[(name, today)] = compute()
    return derived[(name, today)]


_FINGERPRINT = select(
    select(func.max(AlertScan.id)).scalar_subquery(),
    select(func.max(AlertScan.ran_at)).scalar_subquery(),
    select(func.max(Project.updated_at)).scalar_subquery(),
    select(func.count(Project.id)).scalar_subquery(),
)
_PER_PROJECT = (
    select(
        Alert.project_id,
        Project.code,
        Project.builder,
        Project.subdistrict,
        func.count(Alert.id).label("alerts"),
        func.min(case((Alert.kind == "overdue", Alert.due_on), else_=None)).label(
            "earliest_overdue"
        ),
        *[func.sum(case((Alert.kind == k, 1), else_=0)).label(k) for k in KINDS],
    )
    .join(Project, Project.id == Alert.project_id)
    .where(OPEN, Project.archived == False)  # noqa: E712
    .group_by(Alert.project_id, Project.code, Project.builder, Project.subdistrict)
)


def last_scan(session: Session) -> AlertScan | None:
    return session.execute(select(AlertScan).order_by(AlertScan.id.desc()).limit(1)).scalar()


def counts(session: Session, rows: list | None = None) -> dict[str, int]:
    rows = per_project(session) if rows is None else rows

    def compute():
        result = {k: sum(getattr(r, k) for r in rows) for k in KINDS}
        return result | {"total": sum(r.alerts for r in rows), "projects": len(rows)}

    return _derived(rows, "counts", None, compute)


def grouped(rows: list, key: str, today: date) -> list[dict]:
    """Open alerts per 建设单位 (key="builder") or 街道 ("subdistrict")."""
    return _derived(rows, key, today, lambda: _grouped(rows, key, today))


def _grouped(rows: list, key: str, today: date) -> list[dict]:
    groups: dict[str, dict] = {}
    for r in rows:
        value = getattr(r, key)
        g = groups.setdefault(value, {"value": value, "projects": 0, "alerts": 0, "earliest": None})
        g["projects"] += 1
        g["alerts"] += r.alerts
        if r.earliest_overdue and (g["earliest"] is None or r.earliest_overdue < g["earliest"]):
            g["earliest"] = r.earliest_overdue
    result = [
        g
        | {
            "group": g["value"] or "（未填写）",
            "max_days": (today - g["earliest"]).days if g["earliest"] else 0,
        }
        for g in groups.values()
    ]
    return sorted(result, key=lambda g: (-g["alerts"], g["value"]))


def _page_order(r):
    return r.builder, r.earliest_overdue or date.max, r.code


def project_page(
    session: Session,
    rows: list,
    today: date,
    *,
    builder: str = "",
    subdistrict: str = "",
    page: int,
    size: int,
) -> tuple[list[dict], int]:
    """Projects with open alerts, ordered by 建设单位 then most overdue, with their alerts."""
    chosen = (
        [
            r
            for r in rows
            if (not builder or r.builder == builder)
            and (not subdistrict or r.subdistrict == subdistrict)
        ]
        if builder or subdistrict
        else rows
    )
    shown = chosen[(page - 1) * size : page * size]
    ids = [r.project_id for r in shown]
    if not ids:
        return [], len(chosen)
    # Plain rows, not ORM objects: a page shows hundreds of alerts.
    connection, p, a = session.connection(), Project.__table__.c, Alert.__table__.c
    projects = {
        r.id: r
        for r in connection.execute(
            select(p.id, p.code, p.name, p.builder, p.subdistrict).where(p.id.in_(ids))
        )
    }
    alerts: dict[int, list] = {pid: [] for pid in ids}
    for row in connection.execute(
        select(Alert.__table__)
        .where(a.closed_on.is_(None), a.project_id.in_(ids))
        .order_by(a.due_on, a.id)
    ):
        alerts[row.project_id].append(row)
    evaluations = schedule.evaluate_many(session, ids, today)
    return [
        {
            "project": projects[r.project_id],
            "alerts": alerts[r.project_id],
            "days": (today - r.earliest_overdue).days if r.earliest_overdue else 0,
            "next": evaluations[r.project_id].next_open,
            "health": evaluations[r.project_id].label,
        }
        for r in shown
    ], len(chosen)


def open_alerts(session: Session, *, page: int, size: int) -> tuple[list, int]:
    query = (
        select(Alert, Project.code, Project.name, Project.builder, Project.subdistrict)
        .join(Project, Project.id == Alert.project_id)
        .where(OPEN, Project.archived == False)  # noqa: E712
    )
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(Project.code, Alert.kind, Alert.id).offset((page - 1) * size).limit(size)
    ).all()
    return rows, total


def acknowledge(session: Session, *, actor: Actor, alert_ids: list[int], note: str) -> int:
    """Mark open, not yet acknowledged alerts as seen, with a note; returns how many."""
    if not alert_ids:
        return 0
    chosen = session.execute(
        select(Alert).where(Alert.id.in_(alert_ids), OPEN, Alert.acknowledged_at.is_(None))
    ).scalars()
    now, count = now_utc(), 0
    for alert in chosen:
        alert.acknowledged_at = now
        alert.acknowledged_by = actor.username
        alert.ack_note = note
        session.add(alert)
        record(
            session,
            actor=actor,
            action="acknowledge",
            entity="alert",
            entity_id=alert.id,
            project_id=alert.project_id,
            detail=f"{alert.message}；说明：{note}",
        )
        count += 1
    session.flush()
    return count
