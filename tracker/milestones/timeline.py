"""Geometry for the server-rendered SVG timelines (pure: dates in, coordinates out)."""

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Scale:
    start: date
    end: date
    left: int  # px reserved for labels
    width: int  # px of the time axis

    def x(self, day: date | None) -> float | None:
        if day is None:
            return None
        span = max(1, (self.end - self.start).days)
        return round(self.left + (day - self.start).days / span * self.width, 1)

    def years(self) -> list[tuple[float, int]]:
        """x of each 1 January inside the scale, for the axis labels."""
        return [
            (self.x(date(y, 1, 1)), y)
            for y in range(self.start.year + 1, self.end.year + 1)
            if self.start < date(y, 1, 1) <= self.end
        ]

    def cutoffs(self, month: int, day: int) -> list[tuple[float, int]]:
        """x of the term cut-off (31 August) of every year inside the scale."""
        result = []
        for y in range(self.start.year, self.end.year + 1):
            d = date(y, month, day)
            if self.start <= d <= self.end:
                result.append((self.x(d), y))
        return result


def scale_for(dates, today: date, *, left: int, width: int, pad_days: int = 45) -> Scale:
    """A scale covering every given date and today, with a margin."""
    known = [d for d in dates if d is not None] + [today]
    return Scale(
        min(known) - timedelta(days=pad_days), max(known) + timedelta(days=pad_days), left, width
    )
