"""What new thresholds would do to a scheme's members, computed without writing anything.

For every member level of the scheme: the metric now; "up" if the new upgrade thresholds lift
them at once (upgrades are real time), "down" if at their next review they would fall under the
new retain threshold (by the scheme's downgrade policy, respecting manual floors), else "stay".

One statement does it all — the metric of the whole scheme, the decision in SQL (`ladder_sql`) —
and returns only the counts per move and the first samples.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from loyalty.models import LevelScheme, RoleStatus

from . import ladder_sql
from .ladder import Rung
from .metrics import metric_query
from .services import rungs_of

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
                   now: datetime | None = None) -> Impact:
    started = time.perf_counter()
    now = now or timezone.now()
    rungs = proposed_rungs(scheme, thresholds)
    impact = Impact()
    _preview_sql(scheme, rungs, now, impact)
    impact.seconds = time.perf_counter() - started
    return impact


def _preview_sql(scheme: LevelScheme, rungs: list[Rung], now: datetime, impact: Impact) -> None:
    """One statement over the scheme's level rows and the role holders without one yet (at the base
    level; they can only go up): (way, from, to, count) per move, then (way, from, to, member,
    metric) for the first SAMPLE of each way, level rows first, each part in id order."""
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
