"""The level rules as PostgreSQL expressions: the review and the impact preview decide in the database.

A scheme has a handful of levels, so each rule becomes a CASE over literal thresholds. Levels are
numbered by position in rank order (0 = base): `rung_values` maps a position back to the level
and its thresholds. Thresholds are inclusive: a metric exactly at a threshold qualifies.

Two rules are also needed per member in Python (real-time upgrades, new levels): `reached_idx`
is `ladder.reached`, `next_review_sql` is `review_dates.next_review_on`; tests/loyalty/
test_ladder_sql.py proves each pair agrees on random inputs. The others exist only here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loyalty.models import DowngradePolicy, LevelScheme, ReviewPeriod

from .ladder import Rung
from .review_dates import next_review_on


def _num(value: Decimal) -> str:
    # Thresholds are inlined (few, and a CASE over literals is what makes the decision cheap);
    # Decimal() refuses anything that is not a number, so nothing but digits reaches the SQL.
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"threshold must be a finite number, got {value}")
    return f"'{value}'::numeric"


def rung_values(rungs: list[Rung]) -> str:
    """A VALUES list (pk, idx, upgrade, retain), for `JOIN (…) AS rung(pk, idx, upgrade, retain)`."""
    return "VALUES " + ", ".join(
        f"({int(r.pk)}::bigint, {i}, {_num(r.upgrade)}, {_num(r.retain)})" for i, r in enumerate(rungs))


def reached_idx(rungs: list[Rung], metric: str) -> str:
    """The highest position whose upgrade threshold `metric` meets, else 0 (the base level)."""
    # Also in Python as ladder.reached; test_ladder_sql.py::test_reached_agrees_with_its_sql_twin proves it.
    whens = " ".join(f"WHEN {metric} >= {_num(r.upgrade)} THEN {i}" for i, r in reversed(list(enumerate(rungs))))
    return f"(CASE {whens} ELSE 0 END)"


def after_review_idx(rungs: list[Rung], policy: str, *, current: str, retain: str, metric: str, up: str) -> str:
    """The position after a review: up if the metric reaches higher, kept if it meets the retain
    threshold, otherwise down — one level, or to the highest level below whose retain threshold it
    meets (else the base). `current` is the current position, `retain` its retain threshold and
    `up` the value of `reached_idx` for the metric."""
    if policy == DowngradePolicy.ONE_LEVEL:
        down = f"{current} - 1"
    else:  # to the highest level below whose retain threshold the metric meets, else the base
        whens = " ".join(f"WHEN {current} > {i} AND {metric} >= {_num(r.retain)} THEN {i}"
                         for i, r in reversed(list(enumerate(rungs))) if i > 0)
        down = f"CASE {whens} ELSE 0 END" if whens else "0"
    return (f"(CASE WHEN {up} > {current} THEN {up} WHEN {metric} >= {retain} THEN {current} "
            f"WHEN {current} = 0 THEN 0 ELSE {down} END)")


def with_floor_idx(target: str, floor: str) -> str:
    """A manual floor lifts the target to it, never lowers it: `floor` is NULL when none is in force."""
    return f"GREATEST({target}, {floor})"


def floor_in_force(floor_until: str, on: str) -> str:
    """A manual floor holds through its end date (inclusive); without one it holds until removed."""
    return f"({floor_until} IS NULL OR {on} <= {floor_until})"


def next_review_sql(scheme: LevelScheme, *, after: date, reached_on: str) -> str:
    """review_dates.next_review_on(scheme, after=after, reached_on=<column>) as SQL.

    Calendar periods do not depend on when the level was reached: one literal date. For "N months
    after reached" the review falls on reached_on + k·N months (PostgreSQL's date + interval keeps
    the day or falls back to the month's last day, like add_months_keep_day), for the first k ≥ 1
    past `after`: k is the first multiple reaching after's month, or one more if that date is not
    past `after` yet.
    """
    # Also in Python as review_dates.next_review_on; test_ladder_sql.py::test_next_review_agrees_with_its_python_twin
    if scheme.review_period != ReviewPeriod.AFTER_REACHED:
        return f"DATE '{next_review_on(scheme, after=after).isoformat()}'"
    step = int(scheme.review_every_months or 12)
    months = (f"({after.year * 12 + after.month - 1} - (extract(year FROM {reached_on})::int * 12 "
              f"+ extract(month FROM {reached_on})::int - 1))")
    k = f"(CASE WHEN {months} <= 0 THEN 1 ELSE ({months} + {step - 1}) / {step} END)"
    first = f"({reached_on} + make_interval(months => {k} * {step}))::date"
    return (f"(CASE WHEN {first} > DATE '{after.isoformat()}' THEN {first} "
            f"ELSE ({reached_on} + make_interval(months => ({k} + 1) * {step}))::date END)")
