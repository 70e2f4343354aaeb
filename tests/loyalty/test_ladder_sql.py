"""The SQL form of the level rules (ladder_sql) decides exactly as the Python rules (ladder,
review_dates), on random ladders, metrics, floors and dates — thresholds hit exactly included."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty.levels import ladder_sql
from loyalty.levels.ladder import Rung, after_review, floor_in_force, with_floor
from loyalty.levels.review_dates import next_review_on
from tests.conftest import postgres_only

pytestmark = [postgres_only, pytest.mark.django_db]
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
amounts = st.decimals(min_value=0, max_value=50_000, places=2)


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
def cases(draw):
    rungs = draw(ladders())
    thresholds = [r.upgrade for r in rungs] + [r.retain for r in rungs]
    near = st.sampled_from(thresholds).flatmap(lambda t: st.sampled_from([t, t - Decimal("0.01"), t + Decimal("0.01")]))
    metric = draw(st.one_of(near, amounts).filter(lambda m: m >= 0))
    current = draw(st.sampled_from(rungs))
    floor = draw(st.one_of(st.none(), st.sampled_from(rungs)))
    on = draw(st.dates(date(2024, 1, 1), date(2030, 12, 31)))
    floor_until = draw(st.one_of(st.none(), st.sampled_from([on - timedelta(days=1), on, on + timedelta(days=1)])))
    policy = draw(st.sampled_from(["one_level", "to_supported"]))
    return rungs, current, metric, floor, floor_until, on, policy


def sql_value(expression: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {expression}", params)
        return cursor.fetchone()[0]


@PROPERTY
@given(cases())
def test_the_sql_review_decision_matches_the_python_rules(case):
    # Given a ladder, a member's current level, metric and manual floor (in force or not) on a date
    rungs, current, metric, floor, floor_until, on, policy = case
    in_force = floor is not None and floor_in_force(floor_until, on)
    expected = with_floor(after_review(rungs, current, metric, policy), floor if in_force else None)

    # When the SQL expressions decide the same review
    metric_sql, current_sql = "%s::numeric", str(rungs.index(current))
    up = ladder_sql.reached_idx(rungs, metric_sql)
    after = ladder_sql.after_review_idx(rungs, policy, current=current_sql, retain=f"'{current.retain}'::numeric",
                                        metric=metric_sql, up=up)
    floor_sql = (f"CASE WHEN {ladder_sql.floor_in_force('%s::date', '%s::date')} THEN {rungs.index(floor)} END"
                 if floor is not None else "NULL::int")
    decided = ladder_sql.with_floor_idx(after, floor_sql)
    metric_uses = decided.count("%s::numeric")
    params = [metric] * metric_uses + ([floor_until, on, floor_until] if floor is not None else [])

    # Then they land on the same level
    assert rungs[sql_value(decided, params)] == expected


@PROPERTY
@given(st.sampled_from(["monthly", "quarterly", "yearly", "after_reached"]), st.integers(1, 24),
       st.integers(1, 12), st.integers(1, 31), st.dates(date(2020, 1, 1), date(2032, 12, 31)),
       st.dates(date(2018, 1, 1), date(2032, 12, 31)))
def test_the_sql_next_review_date_matches_the_python_calendar(period, every, month, day, after, reached_on):
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
