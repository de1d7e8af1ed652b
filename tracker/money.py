"""Exact money: amounts are stored as integer fen (0.01 元) and shown in 亿元 or 万元."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN_PER_YI = Decimal(10) ** 10  # 1 亿元 = 10^8 元 = 10^10 分
FEN_PER_WAN = Decimal(10) ** 6  # 1 万元 = 10^4 元 = 10^6 分
UNIT_FEN = {"亿元": FEN_PER_YI, "万元": FEN_PER_WAN, "元": Decimal(100)}


class MoneyError(ValueError):
    """A text that is not an exact, non-negative amount."""


def parse_amount(text: str, unit: str) -> int:
    """Parse an amount written in `unit` into integer fen, rounding half-up to the fen."""
    cleaned = (text or "").strip().replace(",", "").replace("，", "")
    if not cleaned:
        raise MoneyError("金额为空")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise MoneyError(f"「{text.strip()}」不是数字") from exc
    if not value.is_finite():
        raise MoneyError(f"「{text.strip()}」不是数字")
    if value < 0:
        raise MoneyError(f"金额不能为负数（{cleaned}）")
    fen = (value * UNIT_FEN[unit]).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(fen)


def fen_to(fen: int | None, unit: str, places: int = 2) -> Decimal | None:
    """Convert fen to a Decimal in `unit`, rounded half-up to `places` decimals."""
    if fen is None:
        return None
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(fen) / UNIT_FEN[unit]).quantize(quantum, rounding=ROUND_HALF_UP)


def yi(fen: int | None) -> str:
    """Format fen as 亿元 with two decimals, e.g. '77.80'."""
    value = fen_to(fen, "亿元")
    return "" if value is None else f"{value:,.2f}"


def wan(fen: int | None) -> str:
    """Format fen as 万元 with two decimals."""
    value = fen_to(fen, "万元")
    return "" if value is None else f"{value:,.2f}"


def plain(fen: int | None, unit: str) -> str:
    """Amount in `unit` without thousands separators, trailing zeros trimmed (for exports)."""
    value = fen_to(fen, unit, places=10 if unit == "亿元" else 6)
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text
