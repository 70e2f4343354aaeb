"""Upcoming birthdays across the year end, and 29 February birthdays in common years (kept on
28 February, so they stay in February)."""

from datetime import date

import pytest

from members.conditions.compiler import matching_members
from members.conditions.explain import explain

from .helpers import make_member

pytestmark = pytest.mark.django_db


def upcoming(days: int, as_of: date) -> set[date]:
    condition = {"field": "member.birthday", "op": "birthday_within_days", "value": days}
    chosen = {m.birthday for m in matching_members(condition, as_of)}
    from members.models import Member

    assert chosen == {m.birthday for m in Member.objects.all() if explain(condition, m, as_of).matches}
    return chosen


@pytest.fixture
def birthdays(db):
    for day in (date(1990, 12, 30), date(1985, 1, 2), date(2000, 2, 29), date(1970, 3, 1), date(1999, 12, 28)):
        make_member(birthday=day)


def test_the_window_runs_across_the_year_end(birthdays):
    # Evaluated on 29 December: 30 Dec this year and 2 Jan next year are within 5 days; 28 Dec has passed
    assert upcoming(5, date(2026, 12, 29)) == {date(1990, 12, 30), date(1985, 1, 2)}


def test_zero_days_means_today(birthdays):
    assert upcoming(0, date(2026, 12, 28)) == {date(1999, 12, 28)}


def test_a_29_february_birthday_falls_on_28_february_in_a_common_year(birthdays):
    assert upcoming(0, date(2027, 2, 28)) == {date(2000, 2, 29)}
    assert upcoming(0, date(2027, 3, 1)) == {date(1970, 3, 1)}
    # a leap year keeps the day itself
    assert upcoming(0, date(2028, 2, 28)) == set()
    assert upcoming(0, date(2028, 2, 29)) == {date(2000, 2, 29)}


def test_from_late_december_into_a_leap_february(birthdays):
    # Evaluated on 31 Dec 2027, 60 days reach 29 Feb 2028 — next year's occurrence is the leap day
    assert date(2000, 2, 29) in upcoming(60, date(2027, 12, 31))
    assert date(2000, 2, 29) not in upcoming(59, date(2027, 12, 31))


def test_a_whole_year_finds_everyone_with_a_birthday(birthdays):
    make_member()  # no birthday: never upcoming
    assert len(upcoming(365, date(2026, 7, 1))) == 5
