"""What other domains (map, briefs, targets, home) read about schedules.

CONTRACT — signatures are fixed; the milestones domain replaces these placeholder bodies:
  health_for(session, project_ids, today) -> dict[int, ProjectHealth]
  milestones_for(session, project_id, today) -> list[MilestoneRow]
  delivered_on(session, project_ids) -> dict[int, date | None]   (actual 交付使用 date)
Health labels come from tracker.milestones.logic.evaluate (documented there).
"""

from dataclasses import dataclass
from datetime import date

HEALTH_LABELS = ["正常", "有风险", "逾期", "已完成", "未开始"]


@dataclass(frozen=True)
class ProjectHealth:
    label: str  # one of HEALTH_LABELS
    next_milestone: str | None = None  # name of the next open milestone
    next_due: date | None = None  # its forecast, else planned date
    overdue_days: int = 0  # days the most overdue open milestone is late (0 if none)
    overdue_count: int = 0
    term_risk: bool = False  # 交付使用 falls after the 31 August cut-off of the opening year
    term_slack_days: int | None = None  # cut-off minus expected handover (negative = late)
    opening_year: int | None = None


@dataclass(frozen=True)
class MilestoneRow:
    name: str
    planned_on: date | None
    forecast_on: date | None
    actual_on: date | None
    is_estimate: bool
    is_overdue: bool
    responsible: str = ""
    note: str = ""


def health_for(session, project_ids, today: date) -> dict[int, ProjectHealth]:
    from tracker.milestones.services import evaluate_many

    evaluations = evaluate_many(session, list(project_ids), today)
    return {pid: _health(e) for pid, e in evaluations.items()}


def _health(e) -> ProjectHealth:
    from tracker.milestones.logic import expected_on

    return ProjectHealth(
        label=e.label,
        next_milestone=e.next_open.name if e.next_open is not None else None,
        next_due=expected_on(e.next_open) if e.next_open is not None else None,
        overdue_days=e.overdue_days,
        overdue_count=len(e.overdue),
        term_risk=e.term.at_risk,
        term_slack_days=e.term.slack_days,
        opening_year=e.term.opening_year,
    )


def milestones_for(session, project_id: int, today: date) -> list[MilestoneRow]:
    from tracker.milestones.logic import is_overdue
    from tracker.milestones.services import milestones_of

    return [
        MilestoneRow(
            name=m.name,
            planned_on=m.planned_on,
            forecast_on=m.forecast_on,
            actual_on=m.actual_on,
            is_estimate=m.is_estimate,
            is_overdue=is_overdue(m, today),
            responsible=m.responsible_person or m.responsible_unit,
            note=m.note,
        )
        for m in milestones_of(session, project_id)
    ]


def delivered_on(session, project_ids) -> dict[int, date | None]:
    from sqlalchemy import select

    from tracker.config import settings
    from tracker.milestones.models import Milestone

    name = settings().term_handover_milestone
    result: dict[int, date | None] = {pid: None for pid in project_ids}
    ids = list(result)
    for i in range(0, len(ids), 2000):
        rows = session.execute(
            select(Milestone.project_id, Milestone.actual_on).where(
                Milestone.project_id.in_(ids[i : i + 2000]), Milestone.name == name
            )
        )
        for pid, actual in rows:
            result[pid] = actual
    return result
