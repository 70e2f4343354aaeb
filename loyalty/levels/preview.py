"""What new thresholds would do to a scheme's members, computed without writing anything.

For every member level of the scheme: the metric now; "up" if the new upgrade thresholds lift
them at once (upgrades are real time), "down" if at their next review they would fall under the
new retain threshold (by the scheme's downgrade policy, respecting manual floors), else "stay".
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from loyalty.models import LevelScheme, MemberLevel, MemberRole, RoleStatus

from .ladder import Rung, after_review, floor_in_force, reached, with_floor
from .metrics import metric_values
from .services import rungs_of

CHUNK = 100_000  # see review.CHUNK: large chunks let the metric joins hash
SAMPLE = 20


@dataclass
class Impact:
    up: int = 0
    down: int = 0
    stay: int = 0
    moves: Counter = field(default_factory=Counter)  # (from level pk, to level pk) → members
    samples: dict = field(default_factory=lambda: {"up": [], "down": []})  # (member id, from, to, metric)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return self.up + self.down + self.stay


def proposed_rungs(scheme: LevelScheme, thresholds: dict[int, tuple[Decimal, Decimal]]) -> list[Rung]:
    """The scheme's levels with (upgrade, retain) replaced for the level pks given."""
    return [Rung(r.pk, r.rank, *thresholds.get(r.pk, (r.upgrade, r.retain))) for r in rungs_of(scheme)]


def preview_impact(scheme: LevelScheme, thresholds: dict[int, tuple[Decimal, Decimal]],
                   now: datetime | None = None, chunk: int = CHUNK) -> Impact:
    started = time.perf_counter()
    now = now or timezone.now()
    rungs = proposed_rungs(scheme, thresholds)
    by_pk = {r.pk: r for r in rungs}
    impact = Impact()
    last = 0
    base = MemberLevel.objects.filter(scheme=scheme, member_role__status=RoleStatus.ACTIVE).order_by("pk")
    while True:
        rows = list(base.filter(pk__gt=last).values_list(
            "pk", "member_id", "member_role_id", "level_id", "floor_level_id", "floor_until", "next_review_on"
        )[:chunk])
        if not rows:
            break
        last = rows[-1][0]
        metrics = metric_values(scheme, [row[2] for row in rows], now)
        for _, member_id, role_id, level_id, floor_id, floor_until, review_on in rows:
            current, metric = by_pk[level_id], metrics[role_id]
            lifted = reached(rungs, metric)
            if lifted.rank > current.rank:
                _count(impact, "up", member_id, current, lifted, metric)
                continue
            floor = by_pk.get(floor_id) if floor_id and floor_in_force(floor_until, review_on) else None
            target = with_floor(after_review(rungs, current, metric, scheme.downgrade_policy), floor)
            if target.rank < current.rank:
                _count(impact, "down", member_id, current, target, metric)
            else:
                impact.stay += 1
    _without_rows(scheme, rungs, now, chunk, impact)
    impact.seconds = time.perf_counter() - started
    return impact


def _without_rows(scheme: LevelScheme, rungs: list[Rung], now: datetime, chunk: int, impact: Impact) -> None:
    """Role holders never evaluated yet stand at the base level; they can only go up."""
    roles = (MemberRole.objects.filter(role_type_id=scheme.role_type_id, status=RoleStatus.ACTIVE)
             .exclude(levels__scheme=scheme).order_by("pk"))
    last = 0
    while True:
        rows = list(roles.filter(pk__gt=last).values_list("pk", "member_id")[:chunk])
        if not rows:
            return
        last = rows[-1][0]
        metrics = metric_values(scheme, [pk for pk, _ in rows], now)
        for role_id, member_id in rows:
            lifted = reached(rungs, metrics[role_id])
            if lifted.rank > rungs[0].rank:
                _count(impact, "up", member_id, rungs[0], lifted, metrics[role_id])
            else:
                impact.stay += 1


def _count(impact: Impact, way: str, member_id: int, current: Rung, target: Rung, metric: Decimal) -> None:
    setattr(impact, way, getattr(impact, way) + 1)
    impact.moves[(current.pk, target.pk)] += 1
    if len(impact.samples[way]) < SAMPLE:
        impact.samples[way].append((member_id, current.pk, target.pk, metric))
