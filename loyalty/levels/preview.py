"""What new thresholds would do to a scheme's members, computed without writing anything.

For every member level of the scheme: the metric now; "up" if the new upgrade thresholds lift
them at once (upgrades are real time), "down" if at their next review they would fall under the
new retain threshold (by the scheme's downgrade policy, respecting manual floors), else "stay".

On PostgreSQL one statement does it all — the metric of the whole scheme, the decision in SQL
(`ladder_sql`) — and returns only the counts per move and the first samples. Elsewhere the
members are walked in chunks in Python (`ladder`), the reference the SQL is tested against.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from loyalty.models import LevelScheme, MemberLevel, MemberRole, RoleStatus

from . import ladder_sql
from .ladder import Rung, after_review, floor_in_force, reached, with_floor
from .metrics import metric_query, metric_values
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
    impact = Impact()
    if connection.vendor == "postgresql":
        _preview_sql(scheme, rungs, now, impact)
    else:
        _preview_rows(scheme, rungs, now, chunk, impact)
        _without_rows(scheme, rungs, now, chunk, impact)
    impact.seconds = time.perf_counter() - started
    return impact


def _preview_rows(scheme: LevelScheme, rungs: list[Rung], now: datetime, chunk: int, impact: Impact) -> None:
    by_pk = {r.pk: r for r in rungs}
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


def _preview_sql(scheme: LevelScheme, rungs: list[Rung], now: datetime, impact: Impact) -> None:
    """What _preview_rows + _without_rows count, in one statement: (way, from, to, count) per
    move, then (way, from, to, member, metric) for the first SAMPLE of each way in their order."""
    values = ladder_sql.rung_values(rungs)
    # The metric of every role: nearly all of them are the population, and no filter is cheaper.
    metric, params = metric_query(scheme, now, None)
    after = ladder_sql.after_review_idx(rungs, scheme.downgrade_policy, current="s.cur", retain="s.cur_retain",
                                        metric="s.metric", up="s.up")
    target = ladder_sql.with_floor_idx(after, "s.floor_idx")
    sql = f"""
        WITH population AS (
            SELECT 0 AS part, ml.id AS key, ml.member_id, ml.member_role_id AS role_id, ml.level_id,
                   ml.floor_level_id, ml.floor_until, ml.next_review_on
            FROM loyalty_memberlevel ml JOIN loyalty_memberrole r ON r.id = ml.member_role_id AND r.status = %(active)s
            WHERE ml.scheme_id = %(scheme)s
            UNION ALL  -- role holders never evaluated stand at the base level
            SELECT 1, r.id, r.member_id, r.id, %(base)s, NULL, NULL, NULL FROM loyalty_memberrole r
            WHERE r.role_type_id = %(role_type)s AND r.status = %(active)s AND NOT EXISTS (
                SELECT 1 FROM loyalty_memberlevel ml WHERE ml.member_role_id = r.id AND ml.scheme_id = %(scheme)s)
        ),
        metric AS ({metric}),
        scored AS (
            SELECT p.part, p.key, p.member_id, cur.idx AS cur, cur.pk AS cur_pk, cur.retain AS cur_retain, m.metric,
                   {ladder_sql.reached_idx(rungs, "m.metric")} AS up,
                   CASE WHEN {ladder_sql.floor_in_force("p.floor_until", "p.next_review_on")} THEN fl.idx END AS floor_idx
            FROM population p
            JOIN ({values}) AS cur(pk, idx, upgrade, retain) ON cur.pk = p.level_id
            LEFT JOIN ({values}) AS fl(pk, idx, upgrade, retain) ON fl.pk = p.floor_level_id
            LEFT JOIN metric ON metric.role_id = p.role_id
            CROSS JOIN LATERAL (SELECT coalesce(metric.value, 0)::numeric AS metric) m
        ),
        decided AS (
            SELECT d.*, tgt.pk AS to_pk,
                   CASE WHEN d.target > d.cur AND d.up > d.cur THEN 'up' WHEN d.target < d.cur THEN 'down'
                        ELSE 'stay' END AS way
            FROM (SELECT s.*, CASE WHEN s.up > s.cur THEN s.up ELSE {target} END AS target FROM scored s) d
            JOIN ({values}) AS tgt(pk, idx, upgrade, retain) ON tgt.idx = d.target
        )
        SELECT way, cur_pk, to_pk, count(*), NULL::bigint, NULL::numeric, NULL::int, NULL::bigint
        FROM decided GROUP BY way, cur_pk, to_pk
        UNION ALL
        SELECT w.way, s.cur_pk, s.to_pk, NULL, s.member_id, s.metric, s.part, s.key FROM (VALUES ('up'), ('down')) AS w(way)
        CROSS JOIN LATERAL (SELECT * FROM decided d WHERE d.way = w.way ORDER BY d.part, d.key LIMIT {SAMPLE}) s"""
    params.update(scheme=scheme.pk, role_type=scheme.role_type_id, active=RoleStatus.ACTIVE, base=rungs[0].pk)
    samples = []
    with transaction.atomic(), connection.cursor() as cursor:
        # One statement over every member of the scheme, costed high enough for PostgreSQL to
        # compile it (JIT): at a million members that took a second and saved none.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        for way, from_pk, to_pk, count, member_id, metric_value, part, key in cursor.fetchall():
            if count is None:
                samples.append((part, key, way, (member_id, from_pk, to_pk, metric_value)))
            elif way == "stay":
                impact.stay += count
            else:
                setattr(impact, way, getattr(impact, way) + count)
                impact.moves[(from_pk, to_pk)] += count
    for _, _, way, sample in sorted(samples, key=lambda row: row[:2]):
        impact.samples[way].append(sample)
