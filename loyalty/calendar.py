"""The business calendar: every day and year boundary of the loyalty rules is in Asia/Shanghai.

A day "ends" at the next local midnight: a lot valid "to the end of 2026-12-31" has
`expires_at` = 2027-01-01 00:00 Asia/Shanghai (= 2026-12-31 16:00 UTC), and it is expired from that
instant on (`expires_at <= now`).
"""

import calendar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def start_of_day(day: date) -> datetime:
    """00:00:00 Asia/Shanghai of `day` (an aware datetime)."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def end_of_day(day: date) -> datetime:
    """The instant `day` ends: 00:00 Asia/Shanghai of the next day."""
    return start_of_day(day + timedelta(days=1))


def month_day(year: int, month: int, day: int) -> date:
    """date(year, month, day), with 02-29 falling back to 02-28 in a common year."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def add_months_keep_day(day: date, months: int) -> date:
    """`day` moved by `months`, keeping the day of month (the 31st falls back to the month's last day)."""
    first = add_months(day.replace(day=1), months)
    return month_day(first.year, first.month, day.day)
