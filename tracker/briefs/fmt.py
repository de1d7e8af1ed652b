"""Wording and number formats shared by the brief builders (pure)."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from tracker.money import wan, yi

DASH = "—"
BRIEF_SYSTEM = "学校建设项目管理"


def text(value) -> str:
    """User text as one clean line: None → '', whitespace runs collapsed."""
    return " ".join(str(value or "").split())


def or_dash(value) -> str:
    shown = text(value)
    return shown or DASH


def day(value: date | None) -> str:
    return value.isoformat() if value else DASH


def count(value: int | None) -> str:
    return DASH if value is None else f"{value:,}"


def amount_yi(fen: int | None) -> str:
    return DASH if fen is None else yi(fen)


def amount_wan(fen: int | None) -> str:
    return DASH if fen is None else wan(fen)


def rate(done: int | None, planned: int | None) -> str:
    """投资完成率 as a percentage with one decimal, exact (no float)."""
    if done is None or not planned:
        return DASH
    value = (Decimal(done) * 100 / Decimal(planned)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{value}%"


def area(value: Decimal | None, *, approximate: bool = False, note: str = "") -> str:
    if value is None:
        return DASH
    shown = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{'约 ' if approximate else ''}{shown} 平方米{note}"


def window_label(window: tuple[int, int]) -> str:
    return f"{window[0]}–{window[1]}年"


def yearly_table(yearly, unit: str = "万元") -> dict:
    show = amount_wan if unit == "万元" else amount_yi
    rows = [
        [
            f"{y.year}",
            show(y.planned_fen),
            show(y.completed_fen),
            rate(y.completed_fen, y.planned_fen),
        ]
        for y in yearly
    ]
    total = None
    if rows:
        planned = [y.planned_fen for y in yearly if y.planned_fen is not None]
        done = [y.completed_fen for y in yearly if y.completed_fen is not None]
        p_sum = sum(planned) if planned else None
        d_sum = sum(done) if done else None
        total = ["合计", show(p_sum), show(d_sum), rate(d_sum, p_sum)]
    return {
        "header": ["年度", f"计划投资（{unit}）", f"完成投资（{unit}）", "完成率"],
        "rows": rows,
        "total": total,
        "numeric": [1, 2, 3],
        "empty_note": "" if rows else "尚无分年度投资计划与完成数据",
    }
