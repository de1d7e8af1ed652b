"""Pure finance rules: exact amount text, completion rates, the plan-window split of 总投资.

No Flask, no session, no clock: everything arrives as arguments (amounts in integer fen)."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from tracker.money import UNIT_FEN, fen_to

UNITS = ("万元", "亿元")


def unit_or_default(text: str | None, default: str = "亿元") -> str:
    return text if text in UNITS else default


def exact_text(fen: int | None, unit: str) -> str | None:
    """The exact amount in `unit` as a decimal string: at least 2 decimals, more only if needed."""
    if fen is None:
        return None
    value = Decimal(fen) / UNIT_FEN[unit]  # exact: a power-of-ten division
    if value == value.quantize(Decimal("0.01")):
        return str(value.quantize(Decimal("0.01")))
    return format(value.normalize(), "f")


def shown(fen: int | None, unit: str) -> str:
    """For pages: the amount in `unit`, two decimals, thousands separators."""
    value = fen_to(fen, unit)
    return "—" if value is None else f"{value:,.2f}"


def completion_rate(completed_fen: int | None, planned_fen: int | None) -> Decimal | None:
    """投资完成率 in percent (completed / planned), one decimal, half-up; None without a plan."""
    if not planned_fen or completed_fen is None:
        return None
    percent = Decimal(completed_fen) * 100 / Decimal(planned_fen)
    return percent.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def share(part_fen: int, whole_fen: int) -> Decimal | None:
    """part / whole in percent, one decimal."""
    if not whole_fen:
        return None
    return (Decimal(part_fen) * 100 / Decimal(whole_fen)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def exceeds_margin(planned_fen: int | None, completed_fen: int | None, margin_percent: int) -> bool:
    """Completed above planned by more than the margin (a warning, never an error)."""
    if planned_fen is None or completed_fen is None:
        return False
    return completed_fen * 100 > planned_fen * (100 + margin_percent)


def overrun_warnings(years, margin_percent: int) -> list[str]:
    """A warning per year whose completed figure exceeds its plan by more than the margin."""
    return [
        f"提示：{y.year} 年完成投资 {exact_text(y.completed_fen, '万元')} 万元超过年度计划 "
        f"{exact_text(y.planned_fen, '万元')} 万元的 {100 + margin_percent}%（已照常保存）"
        for y in years
        if exceeds_margin(y.planned_fen, y.completed_fen, margin_percent)
    ]


@dataclass(frozen=True)
class WindowSplit:
    """A project's 总投资 = inside + before + after + unexplained (all fen)."""

    total: int
    inside: int
    before: int
    after: int
    unexplained: int
    flags: tuple[str, ...] = field(default_factory=tuple)


def split_window(
    *,
    total_fen: int | None,
    window_fen: int | None,
    start_year: int | None,
    end_year: int | None,
    window: tuple[int, int],
    planned_before_fen: int = 0,
    planned_after_fen: int = 0,
) -> WindowSplit:
    """Split 总投资 into the part inside the plan window, before it, after it and unexplained.

    Rule (documented in the README):
    1. inside = the in-window amount the plan states (2021–2025年投资额);
    2. yearly plan figures entered for years before / after the window explain that much of the rest;
    3. what remains is attributed by 项目期限: to "before" if the period starts before the window
       (and ends inside it), to "after" if it ends after the window (and starts inside it);
    4. otherwise it is unexplained: the period lies inside the window (e.g. row 23: 2023-2025,
       3亿 total vs 2亿 in-window), spans both sides, is unknown, or the figures overshoot.
    """
    start, end = window
    total = total_fen or 0
    inside = window_fen or 0
    flags: list[str] = []
    if window_fen is None:
        flags.append("缺少规划期投资额")
    before, after = planned_before_fen, planned_after_fen
    rest = total - inside - before - after
    unexplained = 0
    starts_before = start_year is not None and start_year < start
    ends_after = end_year is not None and end_year > end
    if starts_before and ends_after:
        flags.append("项目期限跨越规划期前后，无法只凭期限拆分")
    if rest < 0:
        flags.append("规划期内投资与年度计划之和超过总投资")
        unexplained = rest
    elif rest > 0:
        if start_year is None or end_year is None:
            flags.append("缺少项目期限，无法拆分")
            unexplained = rest
        elif starts_before and not ends_after:
            before += rest
        elif ends_after and not starts_before:
            after += rest
        else:
            if not (starts_before and ends_after):
                flags.append("项目期限在规划期内，但总投资大于规划期投资额")
            unexplained = rest
    return WindowSplit(total, inside, before, after, unexplained, tuple(flags))


def sum_splits(splits) -> WindowSplit:
    parts = [0, 0, 0, 0, 0]
    for s in splits:
        for i, value in enumerate((s.total, s.inside, s.before, s.after, s.unexplained)):
            parts[i] += value
    return WindowSplit(*parts)


def year_in_period(year: int, start_year: int | None, end_year: int | None) -> bool:
    """A year belongs to the project when it lies within 项目期限 (an unknown bound accepts)."""
    if start_year is not None and year < start_year:
        return False
    return end_year is None or year <= end_year


def period_text(start_year: int | None, end_year: int | None) -> str:
    if start_year is None and end_year is None:
        return "未写明"
    return f"{start_year or '?'}–{end_year or '?'}"
