"""Plan-window reconciliation: each project's 总投资 split into before / inside / after the window."""

from dataclasses import dataclass

from sqlmodel import Session, select

from tracker.finance.checks import planned_outside_window
from tracker.finance.logic import WindowSplit, split_window, sum_splits
from tracker.finance.pivots import Column
from tracker.projects import filters
from tracker.projects.filters import ProjectFilter
from tracker.projects.models import Project

COLUMNS = [
    Column("code", "项目编号", "text"),
    Column("label", "项目名称", "text"),
    Column("period", "项目期限", "text"),
    Column("total", "总投资", "money"),
    Column("inside", "规划期内", "money"),
    Column("before", "规划期前", "money"),
    Column("after", "规划期后", "money"),
    Column("unexplained", "无法解释", "money"),
    Column("flags", "提示", "text"),
]


@dataclass(frozen=True)
class ProjectSplit:
    code: str
    name: str
    period: str
    seq_no: str
    split: WindowSplit


@dataclass(frozen=True)
class Reconciliation:
    window: tuple[int, int]
    projects: list[ProjectSplit]
    total: WindowSplit

    @property
    def flagged(self) -> list[ProjectSplit]:
        return [p for p in self.projects if p.split.flags or p.split.unexplained]

    def as_rows(self) -> tuple[list[dict], dict]:
        rows = [
            {"code": p.code, "label": p.name, "period": p.period, "flags": "；".join(p.split.flags)}
            | _parts(p.split)
            for p in self.projects
        ]
        total = {"code": "", "label": "合计", "period": "", "flags": ""} | _parts(self.total)
        return rows, total


def _parts(s: WindowSplit) -> dict:
    return {
        "total": s.total,
        "inside": s.inside,
        "before": s.before,
        "after": s.after,
        "unexplained": s.unexplained,
    }


def reconcile(session: Session, f: ProjectFilter, window: tuple[int, int]) -> Reconciliation:
    outside = planned_outside_window(session, f, window)
    query = filters.apply(
        select(
            Project.id,
            Project.code,
            Project.name,
            Project.period_text,
            Project.seq_no,
            Project.start_year,
            Project.end_year,
            Project.total_investment_fen,
            Project.window_investment_fen,
        ),
        f,
    )
    projects = []
    for pid, code, name, period, seq, start, end, total, inside in session.exec(query):
        before, after = outside.get(pid, (0, 0))
        split = split_window(
            total_fen=total,
            window_fen=inside,
            start_year=start,
            end_year=end,
            window=window,
            planned_before_fen=before,
            planned_after_fen=after,
        )
        projects.append(ProjectSplit(code, name, period, seq, split))
    return Reconciliation(window, projects, sum_splits(p.split for p in projects))
