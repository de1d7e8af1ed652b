"""What other domains (map, briefs, targets, home) read about schedules.

CONTRACT — signatures are fixed; the milestones domain replaces these placeholder bodies:
  health_for(session, project_ids, today) -> dict[int, ProjectHealth]
  milestones_for(session, project_id, today) -> list[MilestoneRow]
  delivered_on(session, project_ids) -> dict[int, date | None]   (actual 交付使用 date)
Until then every project reads as 未开始 with no milestones.
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
    return {pid: ProjectHealth("未开始") for pid in project_ids}


def milestones_for(session, project_id: int, today: date) -> list[MilestoneRow]:
    return []


def delivered_on(session, project_ids) -> dict[int, date | None]:
    return {pid: None for pid in project_ids}
