"""What other domains (briefs, targets, home) read about investment.

CONTRACT — signatures are fixed; the finance domain replaces these placeholder bodies:
  yearly_for_project(session, project_id) -> list[YearAmounts]
  yearly_totals(session, project_ids) -> list[YearAmounts]   (sorted by year; exact integer fen)
  completed_total_fen(session, project_ids) -> int
The seed gives no yearly figures (they are not invented): until finance staff enter them these
return empty lists and 0.
"""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import select

from tracker.finance.models import InvestmentYear


@dataclass(frozen=True)
class YearAmounts:
    year: int
    planned_fen: int | None
    completed_fen: int | None


def yearly_for_project(session, project_id: int) -> list[YearAmounts]:
    rows = session.exec(
        select(InvestmentYear)
        .where(InvestmentYear.project_id == project_id)
        .order_by(InvestmentYear.year)
    )
    return [YearAmounts(r.year, r.planned_fen, r.completed_fen) for r in rows]


def _int(value) -> int | None:
    return None if value is None else int(value)


def yearly_totals(session, project_ids) -> list[YearAmounts]:
    ids = list(project_ids)
    if not ids:
        return []
    rows = session.exec(
        select(
            InvestmentYear.year,
            func.sum(InvestmentYear.planned_fen),
            func.sum(InvestmentYear.completed_fen),
        )
        .where(InvestmentYear.project_id.in_(ids))
        .group_by(InvestmentYear.year)
        .order_by(InvestmentYear.year)
    )
    return [YearAmounts(year, _int(p), _int(c)) for year, p, c in rows]


def completed_total_fen(session, project_ids) -> int:
    ids = list(project_ids)
    if not ids:
        return 0
    total = session.exec(
        select(func.coalesce(func.sum(InvestmentYear.completed_fen), 0)).where(
            InvestmentYear.project_id.in_(ids)
        )
    ).one()
    return int(total)
