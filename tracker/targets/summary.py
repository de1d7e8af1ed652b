"""What other domains (briefs, home) read about plan targets.

CONTRACT — the signature is fixed; the targets domain replaces this placeholder body:
  brief_rows(session, f: ProjectFilter, today) -> list[TargetRow]
Until then there are no targets.
"""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class TargetRow:
    plan: str  # plan name
    indicator: str  # as the document words it
    unit: str
    target: str  # exact decimal as text
    target_year: int | None
    current: str  # attained so far, exact decimal as text
    gap: str
    on_pace: bool | None
    source: str  # "file line N"
    note: str = ""  # e.g. "尚未关联项目"


def brief_rows(session, f, today: date) -> list[TargetRow]:
    return []
