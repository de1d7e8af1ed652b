"""What other domains (briefs, home) read about plan targets.

CONTRACT — the signature is fixed:
  brief_rows(session, f: ProjectFilter, today) -> list[TargetRow]
Targets are narrowed by the filter's jurisdiction only (a target of a district shows under its city,
not under a sibling district); the other filter fields describe projects, not plans.
"""

from dataclasses import dataclass
from datetime import date

from flask import has_app_context

from tracker.config import DEFAULT_CLASS_SIZES, settings


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


def _class_sizes() -> dict[str, int]:
    return settings().class_sizes if has_app_context() else DEFAULT_CLASS_SIZES


def row_for(view) -> TargetRow:
    from tracker.targets.logic import fmt

    t, att = view.target, view.att
    computed = view.rule is not None and view.rule.computed
    notes = []
    if view.rule is not None and not view.rule.computed:
        notes.append("统计指标，不由项目计算")
    if computed and att.note:
        notes.append(att.note)
    notes += [f.message for f in view.flags]
    return TargetRow(
        plan=view.plan.name,
        indicator=t.indicator,
        unit=t.unit,
        target=fmt(t.target_value),
        target_year=t.target_year,
        current=fmt(att.completed) if computed else "",
        gap=fmt(att.gap) if computed else "",
        on_pace=att.on_pace,
        source=view.source,
        note="；".join(dict.fromkeys(notes)),
    )


def brief_rows(session, f, today: date) -> list[TargetRow]:
    from tracker.targets.services import evaluate, flatten

    views = evaluate(session, today=today, class_sizes=_class_sizes(), scope=f.jurisdiction)
    return [row_for(v) for v in flatten(views)]
