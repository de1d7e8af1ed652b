"""Pure rules of the monthly reports: report periods and deadlines, the figures' checks, the
steps a version may take, distances of photos, the plan lines of the history chart and what
changed between two months. No Flask, no session, no clock: `today` comes in."""

import calendar
import math
import re
from dataclasses import dataclass, field
from datetime import date

from tracker.money import wan

# Projects that file no report: set aside, stopped, cancelled, or handed over.
EXEMPT_STATUSES = ("暂缓", "停建", "取消", "交付使用")
EDITABLE = ("draft", "returned")
NOT_SUBMITTED = ("none", "draft", "returned")  # 未报送 for deadlines and reminders
_PERIOD = re.compile(r"^\s*(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*月?\s*$")
FIRST_YEAR = 2000


class PeriodError(ValueError):
    """A 报告期 that is not a month we take; str() is the Chinese message."""


# --- periods ----------------------------------------------------------------------------------


def parse_period(text: str | None) -> str:
    """「2025-03」「2025-3」「2025年3月」 → "2025-03"."""
    raw = (text or "").strip().translate(str.maketrans("０１２３４５６７８９－", "0123456789-"))
    match = _PERIOD.match(raw)
    if not match:
        shown = raw[:20] or "（空）"
        raise PeriodError(f"报告期「{shown}」不是月份，请按 2025-03 的格式选择")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not FIRST_YEAR <= year <= 2100:
        raise PeriodError(f"报告期「{raw[:20]}」不是有效的月份")
    return f"{year:04d}-{month:02d}"


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def year_month(period: str) -> tuple[int, int]:
    return int(period[:4]), int(period[5:7])


def label(period: str) -> str:
    year, month = year_month(period)
    return f"{year}年{month}月"


def shift(period: str, months: int) -> str:
    year, month = year_month(period)
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_end(period: str) -> date:
    year, month = year_month(period)
    return date(year, month, calendar.monthrange(year, month)[1])


def due_date(period: str, due_day: int) -> date:
    """Reports are due on day `due_day` of the next month (the month's last day if shorter)."""
    year, month = year_month(shift(period, 1))
    return date(year, month, min(max(1, due_day), calendar.monthrange(year, month)[1]))


def last_closed(today: date, due_day: int) -> str:
    """The newest month whose deadline has passed by `today` (due day included: not yet)."""
    period = shift(period_of(today), -1)
    while due_date(period, due_day) >= today:
        period = shift(period, -1)
    return period


def future_problem(period: str, today: date) -> str:
    """A report for a month that has not begun is refused."""
    if period > period_of(today):
        return f"报告期 {label(period)} 还没有到（今天是 {today}），不能提前填报"
    return ""


def months_between(first: str, last: str) -> list[str]:
    out, period = [], first
    while period <= last:
        out.append(period)
        period = shift(period, 1)
    return out


def must_report(status: str, archived: bool, start_year: int | None, period: str) -> bool:
    """Active projects report every month from the year their period starts."""
    if archived or status in EXEMPT_STATUSES:
        return False
    return start_year is None or start_year <= year_month(period)[0]


# --- steps ------------------------------------------------------------------------------------


def can_edit(status: str) -> bool:
    return status in EDITABLE


def can_submit(status: str) -> bool:
    return status in EDITABLE


def can_review(status: str) -> bool:
    return status == "submitted"


def can_revise(status: str) -> bool:
    """A change after acceptance is a new version."""
    return status == "accepted"


def can_delete(status: str, revision: int) -> bool:
    """Only a version never accepted can go (a revised one falls back to the accepted one)."""
    return status in EDITABLE


# --- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    percent: int | None
    reason: str
    month_fen: int | None
    cumulative_fen: int | None


@dataclass(frozen=True)
class Previous:
    """The previous month's figures as last submitted or accepted."""

    period: str
    percent: int | None
    cumulative_fen: int | None


def check_figures(f: Figures, previous: Previous | None) -> list[tuple[str, str]]:
    """(field, Chinese message) for every figure that cannot be taken."""
    problems = []
    if (
        previous is not None
        and previous.percent is not None
        and f.percent is not None
        and f.percent < previous.percent
        and not f.reason
    ):
        problems.append(
            (
                "percent_reason",
                f"形象进度百分比 {f.percent}% 低于上月（{label(previous.period)}）的 "
                f"{previous.percent}%：请在「进度说明」中写明原因",
            )
        )
    if f.month_fen is not None and f.cumulative_fen is not None and f.cumulative_fen < f.month_fen:
        problems.append(
            (
                "cumulative",
                f"累计完成投资 {wan(f.cumulative_fen)} 万元少于本月完成投资 {wan(f.month_fen)} 万元",
            )
        )
    elif (
        previous is not None
        and previous.cumulative_fen is not None
        and f.cumulative_fen is not None
        and f.cumulative_fen < previous.cumulative_fen
    ):
        problems.append(
            (
                "cumulative",
                f"累计完成投资 {wan(f.cumulative_fen)} 万元少于上月（{label(previous.period)}）"
                f"已报的 {wan(previous.cumulative_fen)} 万元：累计数不会减少，"
                "上月有误请修改上月的月报",
            )
        )
    return problems


def missing_for_submit(f: Figures, progress_text: str) -> list[tuple[str, str]]:
    """What a report needs before it can be submitted (a draft may be incomplete)."""
    missing = []
    if not progress_text:
        missing.append(("progress_text", "提交前请填写形象进度"))
    if f.percent is None:
        missing.append(("progress_percent", "提交前请填写形象进度百分比"))
    if f.month_fen is None:
        missing.append(("month_completed", "提交前请填写本月完成投资（没有则填 0）"))
    if f.cumulative_fen is None:
        missing.append(("cumulative", "提交前请填写累计完成投资"))
    return missing


def stage_problem(stage: str, on: date | None, period: str, today: date, names: list[str]) -> str:
    """A stage said to be reached this month: a known phase, on a day inside the month, past."""
    if not stage:
        return "填写了到达日期，请同时选择到达的阶段" if on else ""
    if stage not in names:
        return f"没有「{stage}」这个阶段"
    if on is None:
        return "请填写到达该阶段的日期"
    if period_of(on) != period:
        return f"到达日期 {on} 不在报告期 {label(period)} 内"
    if on > today:
        return f"到达日期 {on} 晚于今天（{today}）"
    return ""


def completion_rate(cumulative_fen: int | None, total_fen: int | None) -> str:
    """完成率 on the 调度表: 累计完成 ÷ 总投资, in percent with one decimal (half-up)."""
    if cumulative_fen is None or not total_fen:
        return ""
    tenths = (cumulative_fen * 2000 + total_fen) // (2 * total_fen)
    return f"{tenths // 10}.{tenths % 10}"


# --- photos -----------------------------------------------------------------------------------


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Great-circle distance in metres (haversine; both points WGS-84)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * r * math.asin(math.sqrt(min(1.0, a))))


def distance_text(metres: int | None) -> str:
    if metres is None:
        return ""
    return f"{metres} 米" if metres < 1000 else f"{metres / 1000:.1f} 公里"


# --- the history chart's plan lines (estimates, labelled as such) ------------------------------


def planned_percent(planned: list[date | None], at: date) -> int | None:
    """Share of the phases planned to be done by `at` (an estimate from the milestone plan)."""
    dated = [d for d in planned if d is not None]
    if not dated:
        return None
    return round(100 * sum(1 for d in dated if d <= at) / len(dated))


def planned_cumulative(
    periods: list[str], year_plan: dict[int, int | None], month_plan: dict[tuple, int | None]
) -> list[int | None]:
    """Cumulative planned investment at the end of each period (ascending): a month's own plan
    figure where finance has one, else its twelfth of the year's plan (an estimate); None when
    there is no plan at all."""
    years = [y for y, v in year_plan.items() if v] + [k[0] for k, v in month_plan.items() if v]
    if not years or not periods:
        return [None] * len(periods)
    running, out, cursor = 0, [], f"{min(years):04d}-01"
    for period in periods:
        while cursor <= period:
            year, month = year_month(cursor)
            own = month_plan.get((year, month))
            if own is None:
                plan = year_plan.get(year) or 0
                own = plan * month // 12 - plan * (month - 1) // 12  # twelfths that sum exactly
            running += own
            cursor = shift(cursor, 1)
        out.append(running)
    return out


# --- what changed since the previous month -----------------------------------------------------


@dataclass
class MonthChanges:
    stages: list = field(default_factory=list)  # (row, "主体结顶、竣工验收")
    slips: list = field(default_factory=list)  # (row, why)
    problems: list = field(default_factory=list)  # row
    quiet: list = field(default_factory=list)  # row (reported last month, not this month)

    @property
    def empty(self) -> bool:
        return not (self.stages or self.slips or self.problems or self.quiet)


def month_changes(previous: dict[int, object], rows: list) -> MonthChanges:
    """Rows (SnapshotRow-like) of a month against the previous month's rows by project id."""
    changes = MonthChanges()
    for row in rows:
        before = previous.get(row.project_id)
        if row.stages_reached:
            changes.stages.append((row, row.stages_reached))
        if before is not None:
            if row.health == "逾期" and before.health != "逾期":
                changes.slips.append((row, f"健康状况由「{before.health or '—'}」变为「逾期」"))
            elif row.overdue_count > before.overdue_count:
                changes.slips.append(
                    (row, f"逾期里程碑由 {before.overdue_count} 个增至 {row.overdue_count} 个")
                )
        if row.problems and (before is None or before.problems != row.problems):
            changes.problems.append(row)
        reported_before = before is not None and before.standing not in NOT_SUBMITTED
        if reported_before and row.standing in NOT_SUBMITTED:
            changes.quiet.append(row)
    return changes
