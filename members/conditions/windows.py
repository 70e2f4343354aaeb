"""Business dates in Asia/Shanghai: the evaluation date and the date ranges of windows.

A window is inclusive on both ends and counted in whole Shanghai days: "last 30 days" evaluated on
D runs from 00:00 of D-30 through the end of D. Timestamps are compared against the Shanghai
midnights that bound the range, so an order paid at 23:59:59 on D-31 is outside and one paid at
00:00:00 on D-30 is inside, whatever the server's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai_today() -> date:
    return datetime.now(SHANGHAI).date()


def start_of_day(day: date) -> datetime:
    """00:00 of `day` in Shanghai, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def shanghai_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


@dataclass(frozen=True)
class DateRange:
    """Inclusive business dates; None on a side means unbounded."""

    start: date | None
    end: date | None

    def instant_bounds(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) as aware datetimes: 00:00 of start, 00:00 of the day after end."""
        return (
            start_of_day(self.start) if self.start else None,
            start_of_day(self.end + timedelta(days=1)) if self.end else None,
        )

    def contains(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def contains_instant(self, moment: datetime) -> bool:
        return self.contains(shanghai_date(moment))

    def describe(self) -> str:
        return f"{self.start or '不限'} 至 {self.end or '不限'}"


def resolve_window(window: dict | None, as_of: date) -> DateRange | None:
    """A validated window (tree.py checked its shape) as the dates it covers on `as_of`."""
    if not window:
        return None
    if "last_days" in window:
        return DateRange(as_of - timedelta(days=window["last_days"]), as_of)
    parse = lambda key: date.fromisoformat(window[key]) if window.get(key) else None  # noqa: E731
    return DateRange(parse("from"), parse("to"))
