"""When a scheme reviews its members: business dates in Asia/Shanghai.

A review "on D" runs as of 00:00 of D (the job of that day) and looks at the metric up to then.
"""

from datetime import date

from loyalty.calendar import add_months, add_months_keep_day, month_day
from loyalty.models import LevelScheme, ReviewPeriod


def next_review_on(scheme: LevelScheme, *, after: date, reached_on: date | None = None) -> date:
    """The first review date strictly after `after`.

    For "N months after the level was reached" the reviews fall on reached_on + N, + 2N, …
    (the 31st falls back to the month's last day).
    """
    # Also in SQL as ladder_sql.next_review_sql; test_ladder_sql.py::test_next_review_agrees_with_its_python_twin
    period = scheme.review_period
    if period == ReviewPeriod.MONTHLY:
        return add_months(after.replace(day=1), 1)
    if period == ReviewPeriod.QUARTERLY:
        quarter_start = after.replace(month=(after.month - 1) // 3 * 3 + 1, day=1)
        return add_months(quarter_start, 3)
    if period == ReviewPeriod.YEARLY:
        this_year = month_day(after.year, scheme.review_month, scheme.review_day)
        return this_year if this_year > after else month_day(after.year + 1, scheme.review_month, scheme.review_day)
    step = scheme.review_every_months or 12
    start = reached_on or after
    n = 1
    while True:
        candidate = add_months_keep_day(start, step * n)
        if candidate > after:
            return candidate
        n += 1
