"""The level rules as pure functions over a scheme's levels (sorted by rank) and a metric value.

Thresholds are inclusive: a metric exactly at a threshold qualifies.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Rung:
    pk: int
    rank: int
    upgrade: Decimal
    retain: Decimal


def reached(rungs: list[Rung], metric: Decimal) -> Rung:
    """The highest level whose upgrade threshold the metric meets (the base level at least)."""
    best = rungs[0]
    for rung in rungs:
        if metric >= rung.upgrade:
            best = rung
    return best


def after_review(rungs: list[Rung], current: Rung, metric: Decimal, policy: str) -> Rung:
    """The level after a review: up if the metric reaches higher, kept if it meets the retain
    threshold, otherwise down — one level, or to the highest level whose retain threshold it meets."""
    up = reached(rungs, metric)
    if up.rank > current.rank:
        return up
    if metric >= current.retain:
        return current
    below = [r for r in rungs if r.rank < current.rank]
    if not below:
        return current
    if policy == "one_level":
        return below[-1]
    supported = [r for r in below if metric >= r.retain]
    return supported[-1] if supported else rungs[0]


def floor_in_force(floor_until: date | None, on: date) -> bool:
    """A manual floor holds through its end date (inclusive); without one it holds until removed."""
    return floor_until is None or on <= floor_until


def with_floor(target: Rung, floor: Rung | None) -> Rung:
    return floor if floor is not None and floor.rank > target.rank else target
