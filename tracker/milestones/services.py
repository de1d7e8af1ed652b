"""Queries and writes of the schedule: laying out milestones, saving a project's plan (audited,
refused when stale) and evaluating many projects at once with set-based queries."""

from collections import defaultdict
from datetime import date

from sqlalchemy import func, insert, select
from sqlmodel import Session

from tracker.audit import SYSTEM, Actor, Change, FieldLabel, apply_change, conflict
from tracker.audit.models import AuditEntry
from tracker.clock import local, now_utc
from tracker.config import settings
from tracker.milestones import logic
from tracker.milestones.models import Milestone, ProjectSchedule
from tracker.milestones.validation import CleanRow
from tracker.projects.models import Project

CHUNK = 2000
FIELD_LABELS = {
    "name": "阶段名称",
    "planned_on": "计划日期",
    "forecast_on": "预测日期",
    "actual_on": "实际完成日期",
    "status": "状态",
    "slip_reason": "延误原因",
    "responsible_person": "责任人",
    "responsible_unit": "责任单位",
    "note": "备注",
    "position": "顺序",
}


def _estimate(value) -> str:
    return "估算" if value in (True, "True", "估算") else "已确认"


def _opening(value) -> str:
    return str(value) if value not in (None, "") else "按项目期限结束年"


def audit_fields() -> dict[str, FieldLabel]:
    """How the audit trail words a plan's changes."""
    return {name: FieldLabel(label) for name, label in FIELD_LABELS.items()} | {
        "is_estimate": FieldLabel("计划状态", _estimate),
        "opening_year": FieldLabel("开学年份", _opening),
    }


def rules() -> logic.Rules:
    s = settings()
    return logic.Rules(
        due_soon_days=int(s.milestone_due_soon_days),
        stale_days=int(s.milestone_stale_days),
        cutoff_month=int(s.term_cutoff_month),
        cutoff_day=int(s.term_cutoff_day),
        handover_name=s.term_handover_milestone,
    )


def template() -> list[logic.Phase]:
    return logic.parse_template(settings().milestone_template)


def _chunks(ids: list[int]):
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


# --- laying out ---------------------------------------------------------------------------------


def lay_out(session: Session, project_ids: list[int], today: date, *, actor: Actor = SYSTEM) -> int:
    """Give projects without milestones the template's estimated plan (bulk); returns how many
    projects got one. Past periods are laid out too but nothing is marked done."""
    phases, r = template(), rules()
    now = now_utc()
    laid = 0
    for chunk in _chunks(sorted(set(project_ids))):
        have = set(
            session.execute(
                select(Milestone.project_id).where(Milestone.project_id.in_(chunk)).distinct()
            ).scalars()
        )
        projects = session.execute(
            select(
                Project.id, Project.code, Project.start_year, Project.end_year, Project.builder
            ).where(Project.id.in_(chunk))
        ).all()
        rows, schedules, audits = [], [], []
        for p in projects:
            if p.id in have:
                continue
            for position, (name, day) in enumerate(
                logic.layout(phases, p.start_year, p.end_year, r), 1
            ):
                rows.append(
                    dict(
                        project_id=p.id,
                        position=position,
                        name=name,
                        planned_on=day,
                        baseline_on=day,
                        forecast_on=None,
                        actual_on=None,
                        is_estimate=True,
                        status="未开始",
                        slip_reason="",
                        responsible_person="",
                        responsible_unit=p.builder or "",
                        note="",
                        version=1,
                        updated_at=now,
                    )
                )
            schedules.append(dict(project_id=p.id, opening_year=None, version=1, updated_at=now))
            audits.append(
                dict(
                    at=now,
                    user_id=actor.user_id,
                    username=actor.username,
                    address=actor.address,
                    action="create",
                    entity="milestone",
                    entity_id=p.code,
                    project_id=p.id,
                    field="",
                    old_value="",
                    new_value="",
                    detail=f"按项目期限估算里程碑 {len(phases)} 个（均为估算，待确认）",
                    changes=None,
                    version=1,
                )
            )
        if rows:
            session.execute(insert(Milestone), rows)
        if schedules:
            existing = set(
                session.execute(
                    select(ProjectSchedule.project_id).where(
                        ProjectSchedule.project_id.in_([s["project_id"] for s in schedules])
                    )
                ).scalars()
            )
            fresh = [s for s in schedules if s["project_id"] not in existing]
            if fresh:
                session.execute(insert(ProjectSchedule), fresh)
            session.execute(insert(AuditEntry), audits)
        laid += len(schedules)
    session.flush()
    return laid


def on_projects_created(session: Session, project_ids: list[int], today: date) -> None:
    lay_out(session, project_ids, today)


# --- one project --------------------------------------------------------------------------------


def milestones_of(session: Session, project_id: int) -> list[Milestone]:
    return list(
        session.execute(
            select(Milestone)
            .where(Milestone.project_id == project_id)
            .order_by(Milestone.position, Milestone.id)
        ).scalars()
    )


def schedule_of(session: Session, project_id: int) -> ProjectSchedule:
    schedule = session.get(ProjectSchedule, project_id)
    if schedule is None:
        schedule = ProjectSchedule(project_id=project_id)
        session.add(schedule)
        session.flush()
    return schedule


def opening_year(project: Project, schedule: ProjectSchedule | None) -> int | None:
    if schedule is not None and schedule.opening_year:
        return schedule.opening_year
    return project.end_year


def save_plan(
    session: Session,
    *,
    actor: Actor,
    project: Project,
    rows: list[CleanRow],
    opening_year_value: int | None,
    expected_version: int,
) -> int:
    """Apply the submitted plan (rows already checked) as one audited save; returns the number
    of changes. A form loaded before someone else saved raises Conflict and writes nothing."""
    schedule = schedule_of(session, project.id)
    where = {"entity": "milestone", "entity_id": project.code}

    def apply_rows() -> list[Change]:
        existing = {m.id: m for m in milestones_of(session, project.id)}
        if any(row.id is not None and row.id not in existing for row in rows):
            raise conflict(session, version=expected_version, **where)
        return _apply_rows(session, project, rows, existing)

    changes = apply_change(
        session,
        actor=actor,
        record=schedule,
        expected_version=expected_version,
        project_id=project.id,
        values={"opening_year": opening_year_value or None},
        mutate=apply_rows,
        **where,
    )
    return len(changes)


def _apply_rows(session: Session, project: Project, rows: list[CleanRow], existing) -> list:
    changes: list[Change] = []
    now = now_utc()
    kept = set()
    for row in rows:
        if row.id is None:
            _create(session, project, row, now)
            changes.append(Change("", item=row.name, kind="added"))
            changes += [
                Change(key, None, getattr(row, key), item=row.name)
                for key in ("planned_on", "forecast_on", "actual_on")
                if getattr(row, key)
            ]
            continue
        m = existing[row.id]
        kept.add(m.id)
        name = m.name
        changed = _apply(m, row)
        if changed:
            m.version += 1
            m.updated_at = now
            session.add(m)
            changes += [Change(key, old, new, item=name) for key, (old, new) in changed.items()]
    for mid, m in existing.items():
        if mid not in kept:
            changes.append(Change("", item=m.name, kind="removed"))
            session.delete(m)
    return changes


def _create(session: Session, project: Project, row: CleanRow, now) -> Milestone:
    m = Milestone(
        project_id=project.id,
        position=row.position,
        name=row.name,
        planned_on=row.planned_on,
        baseline_on=row.planned_on,
        forecast_on=row.forecast_on,
        actual_on=row.actual_on,
        is_estimate=False,
        status=row.status,
        slip_reason=row.slip_reason,
        responsible_person=row.responsible_person,
        responsible_unit=row.responsible_unit,
        note=row.note,
        updated_at=now,
    )
    session.add(m)
    return m


def _apply(m: Milestone, row: CleanRow) -> dict[str, tuple]:
    """Copy a row onto a milestone; the first plan a person sets becomes the baseline."""
    changes = {}
    for key in FIELD_LABELS:
        new = getattr(row, key)
        if new != getattr(m, key):
            changes[key] = (getattr(m, key), new)
            setattr(m, key, new)
    if m.is_estimate and ("planned_on" in changes or "actual_on" in changes or row.confirm):
        m.is_estimate = False
        m.baseline_on = m.planned_on
        changes.setdefault("is_estimate", (True, False))
    elif m.baseline_on is None and m.planned_on is not None:
        m.baseline_on = m.planned_on
    return changes


def history(session: Session, project_id: int, limit: int = 100) -> list[AuditEntry]:
    return list(
        session.execute(
            select(AuditEntry)
            .where(AuditEntry.project_id == project_id, AuditEntry.entity == "milestone")
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        ).scalars()
    )


# --- many projects at once ----------------------------------------------------------------------

_T = Milestone.__table__
# Plain Core columns: the scan reads 100,000 rows, so no ORM objects and only what the rules need.
MILESTONE_COLUMNS = (
    _T.c.project_id,
    _T.c.id,
    _T.c.position,
    _T.c.name,
    _T.c.planned_on,
    _T.c.baseline_on,
    _T.c.forecast_on,
    _T.c.actual_on,
    _T.c.is_estimate,
)
_ACTIVE = Project.__table__.c.archived == False  # noqa: E712


def _grouped_by_project(session: Session, query, project_ids) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    connection = session.connection()
    if project_ids is None:
        batches = [
            connection.execute(
                query.join(Project.__table__, Project.__table__.c.id == _T.c.project_id).where(
                    _ACTIVE
                )
            )
        ]
    else:
        batches = (
            connection.execute(query.where(_T.c.project_id.in_(chunk)))
            for chunk in _chunks(list(project_ids))
        )
    for rows in batches:
        for row in rows:
            grouped[row[0]].append(row)
    return grouped


def milestone_rows(session: Session, project_ids: list[int] | None = None) -> dict[int, list]:
    """Milestone rows (plain tuples, not ORM objects) grouped by project, for the given projects
    or for every active project."""
    return _grouped_by_project(session, select(*MILESTONE_COLUMNS), project_ids)


def last_updates(session: Session, project_ids: list[int] | None = None) -> dict[int, date]:
    """The day (Asia/Shanghai) each project's milestones were last changed."""
    query = select(_T.c.project_id, func.max(_T.c.updated_at)).group_by(_T.c.project_id)
    grouped = _grouped_by_project(session, query, project_ids)
    return {pid: local(rows[0][1]).date() for pid, rows in grouped.items() if rows[0][1]}


def opening_years(session: Session, project_ids: list[int] | None = None) -> dict[int, int | None]:
    query = select(Project.id, Project.end_year, ProjectSchedule.opening_year).outerjoin(
        ProjectSchedule, ProjectSchedule.project_id == Project.id
    )
    if project_ids is None:
        rows = session.execute(query.where(Project.archived == False)).all()  # noqa: E712
    else:
        rows = [
            r
            for c in _chunks(list(project_ids))
            for r in session.execute(query.where(Project.id.in_(c)))
        ]
    return {r.id: r.opening_year or r.end_year for r in rows}


def evaluate_many(
    session: Session, project_ids: list[int] | None, today: date, r: logic.Rules | None = None
) -> dict[int, logic.Evaluation]:
    """Evaluation of each project (all active ones when project_ids is None) in three queries."""
    r = r or rules()
    grouped = milestone_rows(session, project_ids)
    years = opening_years(session, project_ids)
    updated = last_updates(session, project_ids)
    ids = project_ids if project_ids is not None else list(years)
    return {
        pid: evaluate_one(grouped.get(pid, []), years.get(pid), today, r, updated.get(pid))
        for pid in ids
    }


def evaluate_one(
    rows: list, opening: int | None, today: date, r: logic.Rules, last_update: date | None
) -> logic.Evaluation:
    return logic.evaluate(rows, today=today, rules=r, opening_year=opening, last_update=last_update)


def last_update_of(milestones: list[Milestone]) -> date | None:
    last = max((m.updated_at for m in milestones), default=None)
    return local(last).date() if last else None
