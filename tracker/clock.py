"""The one place that reads the wall clock: everything else takes `today` or `now` as an argument."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now_utc() -> datetime:
    """The current instant, timezone-aware UTC (what is stored in created/updated columns)."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in Asia/Shanghai, the calendar the bureau works in."""
    return datetime.now(SHANGHAI).date()


def local(moment: datetime | None) -> datetime | None:
    """A stored instant shown in Asia/Shanghai (naive values from SQLite are taken as UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI)
