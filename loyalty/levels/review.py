"""The daily level review: members whose review is due on a date go up, stay or go down.

Set-based and chunked by id: per chunk of due rows, one locking read, one metric aggregate, one
`UPDATE … FROM` for the new levels and review dates, one insert of the changes. Idempotent: a
reviewed row's next review date moves past the day, so running the same day again finds nothing
due; a unique (member level, review date) on the changes backs that up.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models.functions import TruncDate

from loyalty.calendar import SHANGHAI, start_of_day
from loyalty.models import LevelChange, LevelChangeKind, LevelScheme, MemberLevel, MemberRole, RoleStatus
from members.services.bulk_insert import insert_rows

from .bulk import update_rows
from .ladder import after_review, floor_in_force, with_floor
from .metrics import metric_values
from .review_dates import next_review_on
from .services import active_schemes, ensure_levels, rungs_of

CHUNK = 100_000  # large on purpose: the metric joins run as hash joins, close to one aggregate


@dataclass
class ReviewResult:
    reviewed: int = 0
    by_kind: Counter = field(default_factory=Counter)  # upgrade / downgrade / floor_expired / kept

    def as_counts(self) -> dict:
        return {"reviewed": self.reviewed, **{k: v for k, v in self.by_kind.items()}}


def review_levels(*, on: date, scheme: LevelScheme | None = None, chunk: int = CHUNK) -> ReviewResult:
    """Review every row due on or before `on` (as of 00:00 Asia/Shanghai of that day)."""
    result = ReviewResult()
    for each in ([scheme] if scheme else active_schemes()):
        assign_missing_levels(each, start_of_day(on))
        last_id = 0
        while True:
            with transaction.atomic():
                last_id, done = _review_chunk(each, on, last_id, chunk, result)
            if done:
                break
    return result


def assign_missing_levels(scheme: LevelScheme, now, chunk: int = CHUNK) -> None:
    """Give every active holder of the scheme's role without a level row the base level."""
    roles = (MemberRole.objects.filter(role_type_id=scheme.role_type_id, status=RoleStatus.ACTIVE)
             .exclude(levels__scheme=scheme).order_by("pk").values_list("pk", "member_id"))
    while True:
        with transaction.atomic():
            part = list(roles[:chunk])
            if not part:
                return
            ensure_levels(scheme, part, now)


def _review_chunk(scheme: LevelScheme, on: date, after_id: int, size: int, result: ReviewResult) -> tuple[int, bool]:
    rows = list(
        MemberLevel.objects.select_for_update(of=("self",))
        .filter(scheme=scheme, next_review_on__lte=on, pk__gt=after_id, member_role__status=RoleStatus.ACTIVE)
        .annotate(reached_on=TruncDate("reached_at", tzinfo=SHANGHAI))
        .order_by("pk")
        .values_list("pk", "member_id", "member_role_id", "level_id", "reached_on", "floor_level_id", "floor_until")
        [:size]
    )
    if not rows:
        return after_id, True
    rungs = rungs_of(scheme)
    by_pk = {r.pk: r for r in rungs}
    as_of = start_of_day(on)
    metrics = metric_values(scheme, [row[2] for row in rows], as_of)
    moved, kept_until, floors_cleared, changes = [], defaultdict(list), [], []
    for pk, member_id, role_id, level_id, reached_on, floor_id, floor_until in rows:
        current, metric = by_pk[level_id], metrics[role_id]
        floor = by_pk.get(floor_id) if floor_id else None
        expired = floor is not None and not floor_in_force(floor_until, on)
        if expired:
            floors_cleared.append(pk)
            floor = None
        target = with_floor(after_review(rungs, current, metric, scheme.downgrade_policy), floor)
        if target.rank == current.rank:
            result.by_kind["kept"] += 1
            kept_until[next_review_on(scheme, after=on, reached_on=reached_on)].append(pk)
            continue
        up = target.rank > current.rank
        kind = LevelChangeKind.UPGRADE if up else LevelChangeKind.FLOOR_EXPIRED if expired else LevelChangeKind.DOWNGRADE
        relation = f"≥ 升级门槛 {target.upgrade}" if up else f"< 保级门槛 {current.retain}"
        changes.append({
            "member_id": member_id, "member_level_id": pk, "scheme_id": scheme.pk, "kind": kind,
            "from_level_id": current.pk, "to_level_id": target.pk, "metric_value": metric, "review_date": on,
            "actor_label": "review", "rule": f"{on:%Y-%m-%d} 考核：指标 {metric} {relation}",
        })
        result.by_kind[kind] += 1
        moved.append((pk, target.pk, as_of, next_review_on(scheme, after=on, reached_on=on)))
    update_rows(MemberLevel, ("level_id", "reached_at", "next_review_on"), moved)
    # Kept rows share their next review date (calendar periods): one UPDATE per distinct date.
    for review_on, pks in kept_until.items():
        MemberLevel.objects.filter(pk__in=pks).update(next_review_on=review_on)
    if floors_cleared:
        MemberLevel.objects.filter(pk__in=floors_cleared).update(floor_level=None, floor_until=None, floor_reason="")
    insert_rows(LevelChange, changes)
    result.reviewed += len(rows)
    return rows[-1][0], len(rows) < size
