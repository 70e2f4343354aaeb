"""A scheme's levels (sorted by rank) and the one level rule decided per member in Python.

Thresholds are inclusive: a metric exactly at a threshold qualifies. The review and the impact
preview decide every other rule over all members at once, in SQL (`ladder_sql`).
"""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Rung:
    pk: int
    rank: int
    upgrade: Decimal
    retain: Decimal


def reached(rungs: list[Rung], metric: Decimal) -> Rung:
    """The highest level whose upgrade threshold the metric meets (the base level at least)."""
    # Also in SQL as ladder_sql.reached_idx; test_ladder_sql.py::test_reached_agrees_with_its_sql_twin proves it.
    best = rungs[0]
    for rung in rungs:
        if metric >= rung.upgrade:
            best = rung
    return best
