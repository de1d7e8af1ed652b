"""Checks over the filtered portfolio: how many projects have figures, which ones do not add up,
and the yearly plan figures that fall outside the plan window."""

from dataclasses import dataclass

from sqlalchemy import case, func
from sqlmodel import Session, select

from tracker.finance.models import FundingSource, InvestmentYear
from tracker.finance.pivots import has_funding, has_years, scoped, with_funding, with_years
from tracker.projects.filters import ProjectFilter
from tracker.projects.models import Project


@dataclass(frozen=True)
class Coverage:
    projects: int
    with_years: int
    with_funding: int


def coverage(session: Session, f: ProjectFilter) -> Coverage:
    # EXISTS probes the project_id indexes: far cheaper than counting distinct ids over 100k rows.
    n, y, s = session.exec(
        scoped(
            select(
                func.count(Project.id),
                func.count(case((has_years(), 1))),
                func.count(case((has_funding(), 1))),
            ),
            f,
        )
    ).one()
    return Coverage(n, y, s)


@dataclass(frozen=True)
class Flagged:
    code: str
    name: str
    total_fen: int | None
    sum_fen: int


@dataclass(frozen=True)
class FlagList:
    """Flagged projects: how many in all, and the first `limit` of them by code."""

    count: int
    rows: list[Flagged]


def _flag_list(session: Session, query, limit: int | None) -> FlagList:
    # One pass: flagged rows are few and narrow, so counting them here beats a second scan.
    found = session.exec(query.order_by(Project.code)).all()
    shown = found if limit is None else found[:limit]
    return FlagList(len(found), [Flagged(c, n, t, int(v)) for c, n, t, v in shown])


def plan_above_total(session: Session, f: ProjectFilter, limit: int | None = None) -> FlagList:
    """Projects whose yearly plan figures sum above their 总投资."""
    planned = func.sum(InvestmentYear.planned_fen)
    query = scoped(
        with_years(
            select(Project.code, Project.name, Project.total_investment_fen, planned)
        ).group_by(Project.id, Project.code, Project.name, Project.total_investment_fen),
        f,
    ).having(planned > func.coalesce(Project.total_investment_fen, 0))
    return _flag_list(session, query, limit)


def funding_mismatch(session: Session, f: ProjectFilter, limit: int | None = None) -> FlagList:
    """Projects with funding sources entered that do not sum to their 总投资."""
    amount = func.sum(FundingSource.amount_fen)
    query = scoped(
        with_funding(
            select(Project.code, Project.name, Project.total_investment_fen, amount)
        ).group_by(Project.id, Project.code, Project.name, Project.total_investment_fen),
        f,
    ).having(amount != func.coalesce(Project.total_investment_fen, 0))
    return _flag_list(session, query, limit)


def planned_outside_window(session: Session, f: ProjectFilter, window: tuple[int, int]) -> dict:
    """project id → (planned fen for years before the window, after it)."""
    start, end = window
    before = func.sum(case((InvestmentYear.year < start, InvestmentYear.planned_fen), else_=0))
    after = func.sum(case((InvestmentYear.year > end, InvestmentYear.planned_fen), else_=0))
    query = scoped(with_years(select(Project.id, before, after)), f).group_by(Project.id)
    return {pid: (int(b or 0), int(a or 0)) for pid, b, a in session.exec(query)}


def page_checks(session: Session, f: ProjectFilter, *, limit: int) -> dict:
    """What the 投资 page shows besides its table: coverage and the two cross-checks."""
    return {
        "coverage": coverage(session, f),
        "over_plan": plan_above_total(session, f, limit=limit),
        "funding_off": funding_mismatch(session, f, limit=limit),
    }
