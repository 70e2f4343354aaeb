"""The level ladder and the review calendar as pure rules (no database)."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from loyalty.levels.ladder import Rung, after_review, floor_in_force, reached, with_floor
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


def test_a_review_keeps_a_level_whose_retain_threshold_is_met_exactly():
    # Given a gold member whose metric is exactly the gold retain threshold
    # When reviewed, then they stay gold
    assert after_review(LADDER, GOLD, D("4000"), "one_level") == GOLD


def test_one_level_policy_drops_a_single_level_even_when_the_metric_supports_none():
    # Given a platinum member with nothing earned, when reviewed one level at a time
    # Then they fall to gold only
    assert after_review(LADDER, PLATINUM, D("0"), "one_level") == GOLD


def test_to_supported_policy_drops_to_the_highest_level_whose_retain_threshold_is_met():
    # Given a platinum member whose metric keeps silver (800) but not gold (4000)
    # When reviewed with "to the supported level", then they land on silver; with nothing, on the base
    assert after_review(LADDER, PLATINUM, D("800"), "to_supported") == SILVER
    assert after_review(LADDER, PLATINUM, D("0"), "to_supported") == BASE


def test_a_review_also_raises_a_member_whose_metric_reaches_higher():
    assert after_review(LADDER, SILVER, D("5000"), "one_level") == GOLD


def test_a_manual_floor_holds_through_its_last_day_and_never_lowers():
    # Given a floor until 2026-06-30
    # Then it is in force on 06-30 and not on 07-01; a floor below the target changes nothing
    assert floor_in_force(date(2026, 6, 30), date(2026, 6, 30))
    assert not floor_in_force(date(2026, 6, 30), date(2026, 7, 1))
    assert floor_in_force(None, date(2099, 1, 1))
    assert with_floor(SILVER, GOLD) == GOLD
    assert with_floor(PLATINUM, GOLD) == PLATINUM


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
