"""When earned points become available and when they expire (fixed at earn time, Asia/Shanghai)."""

from datetime import datetime, timedelta

from .calendar import end_of_day, local_date, month_day, start_of_day
from .models import ExpiryPolicy, PointsAccountType


def expires_at_for(account_type: PointsAccountType, earned_at: datetime) -> datetime | None:
    """The instant a lot earned at `earned_at` expires; None = never.

    - days_after_earn N: valid to the end of the N-th day after the earn day (00:00 of day N+1);
    - yearly_clearing (month, day, k): cleared at the end of the clearing day of year Y for lots earned
      in year Y−k or earlier — i.e. the first clearing day of a year ≥ earned year + k that ends
      after the earn (a lot earned after the clearing day waits for the next one);
    - fixed_date: the end of that date.
    """
    policy = account_type.expiry_policy
    if policy == ExpiryPolicy.NEVER:
        return None
    earned_on = local_date(earned_at)
    if policy == ExpiryPolicy.DAYS_AFTER_EARN:
        return end_of_day(earned_on + timedelta(days=account_type.expiry_days or 0))
    if policy == ExpiryPolicy.YEARLY_CLEARING:
        year = earned_on.year + account_type.clearing_keep_years
        while True:
            clearing = end_of_day(month_day(year, account_type.clearing_month, account_type.clearing_day))
            if clearing > earned_at:
                return clearing
            year += 1
    if policy == ExpiryPolicy.FIXED_DATE:
        return end_of_day(account_type.fixed_expiry_date)
    raise ValueError(f"unknown expiry policy {policy!r}")


def available_at_for(earned_at: datetime, pending_days: int) -> datetime | None:
    """00:00 Asia/Shanghai of the earn day + pending_days; None when there is no pending period."""
    if not pending_days:
        return None
    return start_of_day(local_date(earned_at) + timedelta(days=pending_days))
