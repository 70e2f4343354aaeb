"""The reached level and the review calendar as pure Python rules (no database); the review's
decision itself is SQL, tested in test_ladder_sql.py."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from loyalty.levels.ladder import Rung, reached
from loyalty.levels.review_dates import next_review_on

D = Decimal
LADDER = [Rung(1, 0, D(0), D(0)), Rung(2, 1, D(1000), D(800)), Rung(3, 2, D(5000), D(4000)),
          Rung(4, 3, D(20000), D(16000))]
BASE, SILVER, GOLD, PLATINUM = LADDER


def scheme(period, **fields):
    return SimpleNamespace(review_period=period, review_month=fields.get("month"), review_day=fields.get("day"),
                           review_every_months=fields.get("every"))


@pytest.mark.parametrize("metric, expected", [
    (D("999.99"), BASE), (D("1000"), SILVER), (D("1000.00"), SILVER), (D("4999"), SILVER), (D("5000"), GOLD),
    (D("20000"), PLATINUM), (D("999999"), PLATINUM), (D("0"), BASE),
])
def test_an_upgrade_threshold_is_inclusive(metric, expected):
    # Given the ladder, when the metric is exactly at or around a threshold, then it reaches that level
    assert reached(LADDER, metric) == expected


@pytest.mark.parametrize("after, expected", [
    (date(2026, 1, 31), date(2026, 2, 1)), (date(2026, 2, 1), date(2026, 3, 1)),
    (date(2026, 12, 31), date(2027, 1, 1)), (date(2026, 12, 1), date(2027, 1, 1)),
])
def test_monthly_reviews_fall_on_the_first_of_each_month_across_the_year_end(after, expected):
    assert next_review_on(scheme("monthly"), after=after) == expected


@pytest.mark.parametrize("after, expected", [
    (date(2026, 3, 31), date(2026, 4, 1)), (date(2026, 4, 1), date(2026, 7, 1)),
    (date(2026, 12, 31), date(2027, 1, 1)), (date(2026, 10, 1), date(2027, 1, 1)),
])
def test_quarterly_reviews_fall_on_the_first_day_of_each_quarter(after, expected):
    assert next_review_on(scheme("quarterly"), after=after) == expected


@pytest.mark.parametrize("after, expected", [
    (date(2026, 12, 30), date(2026, 12, 31)), (date(2026, 12, 31), date(2027, 12, 31)),
    (date(2027, 1, 1), date(2027, 12, 31)),
])
def test_yearly_reviews_fall_on_their_month_day(after, expected):
    assert next_review_on(scheme("yearly", month=12, day=31), after=after) == expected


def test_a_yearly_review_on_february_29_falls_back_to_the_28th_in_a_common_year():
    assert next_review_on(scheme("yearly", month=2, day=29), after=date(2026, 1, 1)) == date(2026, 2, 28)
    assert next_review_on(scheme("yearly", month=2, day=29), after=date(2027, 3, 1)) == date(2028, 2, 29)


@pytest.mark.parametrize("reached_on, after, expected", [
    (date(2026, 1, 31), date(2026, 1, 31), date(2026, 4, 30)),   # month end falls back
    (date(2026, 1, 31), date(2026, 4, 30), date(2026, 7, 31)),   # and comes back on the 31st
    (date(2025, 11, 15), date(2026, 2, 14), date(2026, 2, 15)),  # across the year end
    (date(2025, 11, 15), date(2026, 2, 15), date(2026, 5, 15)),
])
def test_reviews_n_months_after_the_level_was_reached(reached_on, after, expected):
    assert next_review_on(scheme("after_reached", every=3), after=after, reached_on=reached_on) == expected
