"""Read models for pages: the project panel and timeline, the 需要更新 list, the portfolio Gantt."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import Session

from tracker.accounts.models import ProjectAssignment, User
from tracker.milestones import logic, services
from tracker.milestones.timeline import scale_for
from tracker.projects import filters
from tracker.projects import services as projects
from tracker.projects.filters import ProjectFilter
from tracker.projects.models import Project

HEALTH_BADGE = {
    "正常": "green",
    "有风险": "amber",
    "逾期": "red",
    "已完成": "blue",
    "未开始": "grey",
}
ROW_H = 22


def panel(session: Session, project: Project, today: date) -> dict:
    """Context of the 进度与里程碑 panel on the project page (table + SVG timeline)."""
    r = services.rules()
    milestones = services.milestones_of(session, project.id)
    schedule = session.get(services.ProjectSchedule, project.id)
    opening = services.opening_year(project, schedule)
    e = services.evaluate_one(milestones, opening, today, r, services.last_update_of(milestones))
    cutoff = r.cutoff(opening) if opening else None
    dates = [
        d for m in milestones for d in (m.planned_on, m.forecast_on, m.actual_on, m.baseline_on)
    ]
    scale = scale_for(dates + [cutoff], today, left=150, width=640)
    rows = [
        {
            "m": m,
            "y": 30 + i * ROW_H,
            "overdue": logic.is_overdue(m, today),
            "days_overdue": logic.days_overdue(m, today),
            "due_soon": logic.is_due_soon(m, today, r.due_soon_days),
            "slip": logic.slip_days(m),
            "x_plan": scale.x(m.planned_on),
            "x_base": scale.x(m.baseline_on),
            "x_forecast": scale.x(m.forecast_on),
            "x_actual": scale.x(m.actual_on),
        }
        for i, m in enumerate(milestones)
    ]
    return {
        "p": project,
        "rows": rows,
        "e": e,
        "badge": HEALTH_BADGE[e.label],
        "scale": scale,
        "height": 40 + len(rows) * ROW_H,
        "x_today": scale.x(today),
        "x_cutoff": scale.x(cutoff),
        "cutoff": cutoff,
        "today": today,
    }


@dataclass
class Todo:
    project: Project
    evaluation: logic.Evaluation
    items: list[str] = field(default_factory=list)


def _todo(p, rows, e: logic.Evaluation, today: date, r: logic.Rules) -> Todo:
    todo = Todo(p, e)
    horizon = today + timedelta(days=r.due_soon_days)
    for m in sorted(rows, key=lambda m: m.position):
        due = logic.expected_on(m)
        if m.actual_on is not None or due is None or due > horizon:
            continue
        tag = "（估算日期，待确认）" if m.is_estimate else ""
        if due < today:
            todo.items.append(f"「{m.name}」应于 {due} 完成，已逾期 {(today - due).days} 天{tag}")
        else:
            todo.items.append(f"「{m.name}」将于 {due} 到期（{(due - today).days} 天后）{tag}")
    if e.term.at_risk:
        todo.items.append(f"{e.term.opening_year} 年秋季开学有风险：截止 {e.term.cutoff}")
    if e.stale:
        todo.items.append(f"里程碑超过 {r.stale_days} 天未更新")
    return todo


def needs_update(
    session: Session, f: ProjectFilter, today: date, only: set[int] | None = None
) -> list[tuple[str, list[Todo]]]:
    """What each PM (or, for projects without one, each 建设单位) must confirm or update;
    `only` narrows it to some projects (a PM's own)."""
    r = services.rules()
    query = filters.apply(select(Project), f)
    if only is not None:
        query = query.where(Project.id.in_(sorted(only) or [-1]))
    plist = list(session.execute(query).scalars())
    ids = [p.id for p in plist]
    grouped = services.milestone_rows(session, ids)
    years = services.opening_years(session, ids)
    updated = services.last_updates(session, ids)
    pms: dict[int, list[str]] = defaultdict(list)
    for pid, name in session.execute(
        select(ProjectAssignment.project_id, User.display_name).join(
            User, User.id == ProjectAssignment.user_id
        )
    ):
        pms[pid].append(name)
    groups: dict[str, list[Todo]] = defaultdict(list)
    for p in plist:
        rows = grouped.get(p.id, [])
        e = services.evaluate_one(rows, years.get(p.id), today, r, updated.get(p.id))
        todo = _todo(p, rows, e, today, r)
        if not todo.items:
            continue
        for key in [f"项目负责人：{n}" for n in pms.get(p.id, [])] or [
            f"未分配负责人 · 建设单位：{p.builder or '（未填写）'}"
        ]:
            groups[key].append(todo)
    for todos in groups.values():
        todos.sort(key=lambda t: (-t.evaluation.overdue_days, t.project.code))
    return sorted(groups.items(), key=lambda kv: (kv[0].startswith("未分配"), kv[0]))


def gantt(session: Session, f: ProjectFilter, today: date, *, page: int, size: int):
    """Bars per project: plan (first planned → handover planned) against actual progress."""
    r = services.rules()
    plist, count = projects.list_page(session, f, page=page, page_size=size)
    ids = [p.id for p in plist]
    grouped = services.milestone_rows(session, ids)
    years = services.opening_years(session, ids)
    updated = services.last_updates(session, ids)
    dates = [
        d
        for rows in grouped.values()
        for m in rows
        for d in (m.planned_on, m.actual_on, m.forecast_on)
    ]
    scale = scale_for(dates, today, left=260, width=760)
    bars = []
    for i, p in enumerate(plist):
        rows = sorted(grouped.get(p.id, []), key=lambda m: m.position)
        e = services.evaluate_one(rows, years.get(p.id), today, r, updated.get(p.id))
        planned = [m.planned_on for m in rows if m.planned_on]
        actual = [m.actual_on for m in rows if m.actual_on]
        handover = next((m for m in rows if m.name == r.handover_name), None)
        bars.append(
            {
                "p": p,
                "y": 30 + i * ROW_H,
                "e": e,
                "badge": HEALTH_BADGE[e.label],
                "plan": (scale.x(min(planned)), scale.x(max(planned))) if planned else None,
                "actual": (scale.x(min(actual)), scale.x(max(actual))) if actual else None,
                "handover": scale.x(logic.expected_on(handover)) if handover else None,
                "estimate": any(m.is_estimate for m in rows),
            }
        )
    chart = {
        "bars": bars,
        "scale": scale,
        "height": 40 + len(bars) * ROW_H,
        "x_today": scale.x(today),
        "cutoffs": scale.cutoffs(r.cutoff_month, r.cutoff_day),
        "today": today,
        "cutoff_label": f"{r.cutoff_month}月{r.cutoff_day}日",
    }
    return chart, count
