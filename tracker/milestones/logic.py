"""Schedule rules as pure functions: the layout template, overdue / due soon / slip / stale,
the term-start (开学) risk and project health. Nothing here reads the clock or the database."""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol


class TemplateError(ValueError):
    """The MILESTONE_TEMPLATE setting cannot be used."""


class MilestoneLike(Protocol):
    name: str
    position: int
    planned_on: date | None
    baseline_on: date | None
    forecast_on: date | None
    actual_on: date | None


@dataclass(frozen=True)
class Phase:
    """One template entry: `rule` is "span:F" (fraction F of the way from 1 January of the start
    year to the cut-off day of the end year) or "start:MM-DD" / "end:MM-DD" (a fixed day)."""

    name: str
    rule: str


@dataclass(frozen=True)
class Rules:
    due_soon_days: int = 30
    stale_days: int = 90
    cutoff_month: int = 8
    cutoff_day: int = 31
    handover_name: str = "交付使用"

    def cutoff(self, year: int) -> date:
        return date(year, self.cutoff_month, self.cutoff_day)


_RULE = re.compile(r"^(?:span:(\d+(?:\.\d+)?)|(start|end):(\d{2})-(\d{2}))$")


def parse_template(raw) -> list[Phase]:
    """[[name, rule], ...] from the settings → phases; refuses anything it cannot lay out."""
    phases, seen = [], set()
    for entry in raw or []:
        if not isinstance(entry, list | tuple) or len(entry) != 2:
            raise TemplateError(f"里程碑模板的每一项应为 [名称, 规则]：{entry!r}")
        name, rule = str(entry[0]).strip(), str(entry[1]).strip()
        match = _RULE.match(rule)
        if not name or name in seen or not match:
            raise TemplateError(f"里程碑模板项无效或重复：{entry!r}")
        if match.group(1) is not None and not 0 <= float(match.group(1)) <= 1:
            raise TemplateError(f"里程碑模板比例应在 0–1 之间：{entry!r}")
        if match.group(2):
            _fixed_day(2024, match.group(3), match.group(4))  # validates month/day
        seen.add(name)
        phases.append(Phase(name, rule))
    if not phases:
        raise TemplateError("里程碑模板为空")
    return phases


def _fixed_day(year: int, month: str, day: str) -> date:
    try:
        return date(year, int(month), int(day))
    except ValueError as exc:
        raise TemplateError(f"里程碑模板日期无效：{month}-{day}") from exc


def layout(
    phases: list[Phase], start_year: int | None, end_year: int | None, rules: Rules
) -> list[tuple[str, date | None]]:
    """Estimated plan dates from 项目期限.

    The documented rule: the plan runs from 1 January of the start year (S) to the cut-off day
    (31 August) of the end year (H). A "span:F" phase falls F of the way from S to H, so with the
    default template 立项批复 lands in late January of the start year, 竣工验收 in July and
    交付使用 on 31 August of the end year; 开学招生 is fixed on 1 September of the end year. Dates
    never go backwards (a later phase is moved up to the day of the one before). Without any
    year the phases are listed without dates."""
    if start_year is None and end_year is None:
        return [(p.name, None) for p in phases]
    start_year = start_year or end_year
    end_year = end_year or start_year
    if end_year < start_year:
        start_year, end_year = end_year, start_year
    s, h = date(start_year, 1, 1), rules.cutoff(end_year)
    span = (h - s).days
    result, previous = [], None
    for phase in phases:
        match = _RULE.match(phase.rule)
        if match.group(1) is not None:
            day = s + timedelta(days=round(span * float(match.group(1))))
        else:
            year = start_year if match.group(2) == "start" else end_year
            day = _fixed_day(year, match.group(3), match.group(4))
        if previous is not None and day < previous:
            day = previous
        result.append((phase.name, day))
        previous = day
    return result


# --- single-milestone rules -------------------------------------------------------------------


def expected_on(m: MilestoneLike) -> date | None:
    """When the milestone is now expected: the forecast if there is one, else the plan."""
    return m.forecast_on or m.planned_on


def is_overdue(m: MilestoneLike, today: date) -> bool:
    due = expected_on(m)
    return m.actual_on is None and due is not None and due < today


def days_overdue(m: MilestoneLike, today: date) -> int:
    return (today - expected_on(m)).days if is_overdue(m, today) else 0


def is_due_soon(m: MilestoneLike, today: date, look_ahead_days: int) -> bool:
    due = expected_on(m)
    return (
        m.actual_on is None
        and due is not None
        and today <= due <= today + timedelta(days=look_ahead_days)
    )


def slip_days(m: MilestoneLike) -> int | None:
    """Days later than the first plan (baseline): actual if done, else forecast, else plan."""
    current = m.actual_on or expected_on(m)
    if m.baseline_on is None or current is None:
        return None
    return (current - m.baseline_on).days


def is_stale(last_update: date | None, today: date, stale_days: int) -> bool:
    return last_update is not None and (today - last_update).days > stale_days


@dataclass(frozen=True)
class TermOutlook:
    opening_year: int | None
    cutoff: date | None
    expected: date | None  # actual handover, else forecast, else planned
    slack_days: int | None  # cutoff − expected (negative: late)
    at_risk: bool
    delivered: bool


def term_outlook(
    handover: MilestoneLike | None, opening_year: int | None, today: date, rules: Rules
) -> TermOutlook:
    """Will the school be handed over (交付使用) by the cut-off of its opening year?

    At risk when the expected handover falls after the cut-off, or when the cut-off has passed
    and nobody has recorded the handover. A recorded handover is history, not a risk."""
    if opening_year is None:
        return TermOutlook(None, None, None, None, False, False)
    cutoff = rules.cutoff(opening_year)
    if handover is None:
        return TermOutlook(opening_year, cutoff, None, None, today > cutoff, False)
    if handover.actual_on is not None:
        slack = (cutoff - handover.actual_on).days
        return TermOutlook(opening_year, cutoff, handover.actual_on, slack, False, True)
    expected = expected_on(handover)
    slack = (cutoff - expected).days if expected else None
    at_risk = today > cutoff or (expected is not None and expected > cutoff)
    return TermOutlook(opening_year, cutoff, expected, slack, at_risk, False)


# --- the whole project ------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    label: str  # 正常 / 有风险 / 逾期 / 已完成 / 未开始
    overdue: list = field(default_factory=list)  # milestones past their date without actual
    due_soon: list = field(default_factory=list)
    next_open: MilestoneLike | None = None
    overdue_days: int = 0
    stale: bool = False
    term: TermOutlook = TermOutlook(None, None, None, None, False, False)
    slipping: list = field(default_factory=list)  # open milestones forecast later than planned


def evaluate(
    milestones: list[MilestoneLike],
    *,
    today: date,
    rules: Rules,
    opening_year: int | None,
    last_update: date | None,
) -> Evaluation:
    """Health of one project from its milestones (any order; sorted by position here).

    逾期 when any open milestone is past its date; else 有风险 when the term-start is at risk, the
    plan is stale or an open milestone is forecast later than planned; else 未开始 when nothing
    is done and the first date lies ahead; 已完成 when every milestone has an actual date.
    (One pass: the daily scan runs this for every project.)"""
    if not milestones:
        return Evaluation("未开始")
    ordered = sorted(milestones, key=_by_position)
    horizon = today + timedelta(days=rules.due_soon_days)
    handover, open_, overdue, due_soon, slipping, worst = None, [], [], [], [], 0
    for m in ordered:
        if handover is None and m.name == rules.handover_name:
            handover = m
        if m.actual_on is not None:
            continue
        open_.append(m)
        due = m.forecast_on or m.planned_on
        if due is None:
            continue
        if due < today:
            overdue.append(m)
            worst = max(worst, (today - due).days)
        elif due <= horizon:
            due_soon.append(m)
        if m.forecast_on and m.planned_on and m.forecast_on > m.planned_on:
            slipping.append(m)
    term = term_outlook(handover, opening_year, today, rules)
    if not open_:
        return Evaluation("已完成", term=term)
    first_due = expected_on(ordered[0])
    started = len(open_) < len(ordered) or (first_due is not None and first_due <= today)
    # Only a project under way can be "not updated for too long".
    stale = started and is_stale(last_update, today, rules.stale_days)
    if overdue:
        label = "逾期"
    elif term.at_risk or stale or slipping:
        label = "有风险"
    elif not started:
        label = "未开始"
    else:
        label = "正常"
    return Evaluation(
        label,
        overdue=overdue,
        due_soon=due_soon,
        next_open=open_[0],
        overdue_days=worst,
        stale=stale,
        term=term,
        slipping=slipping,
    )


def _by_position(m) -> int:
    return m.position
