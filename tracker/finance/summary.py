"""What other domains (briefs, targets, home) read about investment.

CONTRACT — signatures are fixed; the finance domain replaces these placeholder bodies:
  yearly_for_project(session, project_id) -> list[YearAmounts]
  yearly_totals(session, project_ids) -> list[YearAmounts]   (sorted by year; exact integer fen)
  completed_total_fen(session, project_ids) -> int
Until then no yearly figures exist (the seed gives none; they are not invented).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class YearAmounts:
    year: int
    planned_fen: int | None
    completed_fen: int | None


def yearly_for_project(session, project_id: int) -> list[YearAmounts]:
    return []


def yearly_totals(session, project_ids) -> list[YearAmounts]:
    return []


def completed_total_fen(session, project_ids) -> int:
    return 0
