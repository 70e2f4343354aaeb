"""Two portraits side by side (a segment against another, or against everyone): each row's share in
both and the difference in percentage points; a difference of at least NOTABLE points is highlighted."""

from __future__ import annotations

from dataclasses import dataclass

from .portrait import Portrait

NOTABLE = 5.0  # percentage points


@dataclass(frozen=True)
class ComparedRow:
    label: str
    left: int
    left_share: float  # % of the left portrait's members
    right: int
    right_share: float
    difference: float  # left − right, percentage points

    @property
    def notable(self) -> bool:
        return abs(self.difference) >= NOTABLE


@dataclass(frozen=True)
class ComparedDimension:
    key: str
    title: str
    rows: list[ComparedRow]


def _share(n: int, size: int) -> float:
    return round(100 * n / size, 1) if size else 0.0


def compare(left: Portrait, right: Portrait) -> list[ComparedDimension]:
    compared = []
    for dimension in left.dimensions:
        other = right.dimension(dimension.key)
        theirs = dict(other.rows) if other else {}
        labels = [label for label, _ in dimension.rows] + [label for label in theirs if label not in dict(dimension.rows)]
        ours = dict(dimension.rows)
        rows = []
        for label in labels:
            a, b = ours.get(label, 0), theirs.get(label, 0)
            a_share, b_share = _share(a, left.size), _share(b, right.size)
            rows.append(ComparedRow(label, a, a_share, b, b_share, round(a_share - b_share, 1)))
        compared.append(ComparedDimension(dimension.key, dimension.title, rows))
    return compared
