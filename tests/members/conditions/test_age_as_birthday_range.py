"""member.age compared as a birthday range (profile_fields._age_compare_sql) selects exactly the
members whose age_on (the Python reading, and explain's) meets the comparison — 29 February and the
year boundaries included. The database side of every operator is covered by test_property.py."""

from datetime import date

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from members.conditions.compiler import count
from members.conditions.profile_fields import _born_by, age_on

from .helpers import make_member

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@settings(max_examples=3000, deadline=None)
@example(birthday=date(2000, 2, 29), on=date(2025, 2, 28), years=25)
@example(birthday=date(2000, 2, 29), on=date(2025, 3, 1), years=25)
@example(birthday=date(2000, 2, 28), on=date(2028, 2, 29), years=28)
@example(birthday=date(2000, 3, 1), on=date(2028, 2, 29), years=28)
@example(birthday=date(1999, 12, 31), on=date(2026, 1, 1), years=26)
@given(birthday=dates, on=dates, years=st.integers(-50, 150))
def test_being_at_least_n_years_old_is_being_born_by_the_date(birthday, on, years):
    born_by = _born_by(on, years)
    assert born_by is not None  # within these dates the threshold always exists
    assert (age_on(birthday, on) >= years) == (birthday <= born_by)


def test_a_threshold_before_year_one_or_after_9999_is_none():
    assert _born_by(date(2026, 12, 7), 3000) is None and _born_by(date(2026, 12, 7), -8000) is None


@pytest.mark.django_db
def test_ages_no_one_can_have_select_nobody_or_everyone_with_a_birthday_and_never_fail():
    # given one member with a birthday and one without
    make_member(birthday=date(1990, 5, 1))
    make_member()
    as_of = date(2026, 12, 7)
    # when ages past any date are asked for, then nobody / everyone with a birthday, and no error
    assert count({"field": "member.age", "op": "gte", "value": 5000}, as_of) == 0
    assert count({"field": "member.age", "op": "lte", "value": 5000}, as_of) == 1
    assert count({"field": "member.age", "op": "gt", "value": -9000}, as_of) == 1
    assert count({"field": "member.age", "op": "between", "value": [36, 36]}, as_of) == 1
