"""The level rules in SQL (ladder_sql): the review decision against hand-worked cases, and the two
rules that also exist in Python for per-member work against their Python twin on random inputs."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty.levels import ladder_sql
from loyalty.levels.ladder import Rung, reached
from loyalty.levels.review_dates import next_review_on

pytestmark = pytest.mark.django_db
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
amounts = st.decimals(min_value=0, max_value=50_000, places=2)
D = Decimal
LADDER = [Rung(1, 0, D(0), D(0)), Rung(2, 1, D(1000), D(800)), Rung(3, 2, D(5000), D(4000)),
          Rung(4, 3, D(20000), D(16000))]
BASE, SILVER, GOLD, PLATINUM = LADDER
ON = date(2026, 6, 30)


def sql_value(expression: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {expression}", params)
        return cursor.fetchone()[0]


def decide(rungs, current, metric, policy, *, floor=None, floor_until=None, on=ON):
    """The review decision as review.review_statement makes it, for one member: the level it lands on."""
    metric_sql = f"'{metric}'::numeric"
    current_idx = str(rungs.index(current))
    up = ladder_sql.reached_idx(rungs, metric_sql)
    after = ladder_sql.after_review_idx(rungs, policy, current=current_idx, retain=f"'{current.retain}'::numeric",
                                        metric=metric_sql, up=up)
    floor_idx = (f"CASE WHEN {ladder_sql.floor_in_force('%(until)s::date', '%(on)s::date')} "
                 f"THEN {rungs.index(floor)} END" if floor is not None else "NULL::int")
    return rungs[sql_value(ladder_sql.with_floor_idx(after, floor_idx), {"until": floor_until, "on": on})]


@pytest.mark.parametrize("current, metric, policy, expected", [
    (GOLD, D("4000"), "one_level", GOLD),  # the retain threshold met exactly keeps the level
    (GOLD, D("3999.99"), "one_level", SILVER),
    (PLATINUM, D("0"), "one_level", GOLD),  # one level, even when the metric supports none
    (PLATINUM, D("800"), "to_supported", SILVER),  # the highest level whose retain threshold is met
    (PLATINUM, D("0"), "to_supported", BASE),
    (PLATINUM, D("15999.99"), "to_supported", GOLD),
    (SILVER, D("5000"), "one_level", GOLD),  # a review raises as well
    (SILVER, D("20000"), "to_supported", PLATINUM),  # several levels at once
    (BASE, D("0"), "one_level", BASE),
    (BASE, D("0"), "to_supported", BASE),
])
def test_a_review_keeps_lowers_or_raises_by_the_thresholds(current, metric, policy, expected):
    assert decide(LADDER, current, metric, policy) == expected


def test_one_level_can_land_above_what_the_metric_supports_and_to_supported_skips_levels():
    # Given a ladder whose retain thresholds do not rise with the rank, and a top member at 1000
    rungs = [Rung(1, 0, D(0), D(0)), Rung(2, 1, D(1000), D(300)), Rung(3, 2, D(2000), D(1500)),
             Rung(4, 3, D(5000), D(4000))]

    # When reviewed: one level down lands on the third level, "to supported" skips it for the second
    assert decide(rungs, rungs[3], D(1000), "one_level") == rungs[2]
    assert decide(rungs, rungs[3], D(1000), "to_supported") == rungs[1]


@pytest.mark.parametrize("floor_until, expected", [
    (None, PLATINUM),  # a floor without an end holds until removed
    (ON, PLATINUM),  # and through its last day
    (ON - timedelta(days=1), GOLD),  # ended the day before: the rules decide
])
def test_a_manual_floor_holds_through_its_last_day(floor_until, expected):
    assert decide(LADDER, PLATINUM, D("0"), "one_level", floor=PLATINUM, floor_until=floor_until) == expected


def test_a_manual_floor_never_lowers_and_lets_the_rules_raise():
    assert decide(LADDER, GOLD, D("4000"), "one_level", floor=SILVER) == GOLD
    assert decide(LADDER, SILVER, D("20000"), "one_level", floor=GOLD) == PLATINUM


@st.composite
def ladders(draw):
    """2–5 rungs by rank; thresholds not necessarily increasing (the rules must not assume it);
    retain ≤ upgrade as the model demands; the base level may have thresholds too."""
    size = draw(st.integers(2, 5))
    rungs = []
    for index in range(size):
        upgrade = draw(amounts)
        retain = draw(st.decimals(min_value=0, max_value=upgrade, places=2))
        rungs.append(Rung(pk=100 + index, rank=index * 10, upgrade=upgrade, retain=retain))
    return rungs


@st.composite
def ladders_and_metrics(draw):
    rungs = draw(ladders())
    near = st.sampled_from([r.upgrade for r in rungs]).flatmap(
        lambda t: st.sampled_from([t, t - D("0.01"), t + D("0.01")]))
    return rungs, draw(st.one_of(near, amounts).filter(lambda m: m >= 0))


@PROPERTY
@given(ladders_and_metrics())
def test_reached_agrees_with_its_sql_twin(case):
    # Given a ladder and a metric (thresholds hit exactly included)
    rungs, metric = case

    # When the SQL decides which level the metric reaches
    got = sql_value(ladder_sql.reached_idx(rungs, "%s::numeric"), [metric] * len(rungs))

    # Then it is the level the real-time upgrade computes in Python
    assert rungs[got] == reached(rungs, metric)


@PROPERTY
@given(st.sampled_from(["monthly", "quarterly", "yearly", "after_reached"]), st.integers(1, 24),
       st.integers(1, 12), st.integers(1, 31), st.dates(date(2020, 1, 1), date(2032, 12, 31)),
       st.dates(date(2018, 1, 1), date(2032, 12, 31)))
def test_next_review_agrees_with_its_python_twin(period, every, month, day, after, reached_on):
    # Given a scheme's review calendar (month ends and Feb 29 included by the day drawn)
    day = min(day, 29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)
    scheme = SimpleNamespace(review_period=period, review_every_months=every, review_month=month, review_day=day)

    # When the next review after a date is computed in SQL for a level reached on a date
    sql = ladder_sql.next_review_sql(scheme, after=after, reached_on="%s::date")
    got = sql_value(sql, [reached_on] * sql.count("%s::date"))

    # Then it is the date the Python calendar gives
    assert got == next_review_on(scheme, after=after, reached_on=reached_on)


def test_a_threshold_that_is_not_a_number_never_reaches_the_sql():
    with pytest.raises(ArithmeticError):
        ladder_sql.rung_values([Rung(1, 0, "0; DROP TABLE x", Decimal(0))])
