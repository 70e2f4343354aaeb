"""The daily level review: members whose review is due on a date go up, stay or go down.

Set-based and chunked by id, one transaction per chunk. Three main statements per chunk, with
nothing per member travelling to Python, all under the scheme's exclusive lock (`scheme_lock`:
meanwhile no other writer holds a lock on its level rows):
1. read the due rows into a temporary table;
2. aggregate their metric;
3. decide each new level in SQL (`ladder_sql`), `UPDATE … FROM` the rows, and insert the history
   rows from the UPDATE's RETURNING.
Idempotent: a reviewed row's next review date moves past the day, so running the same day again
finds nothing due; a unique (member level, review date) on the changes backs that up.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from loyalty.calendar import start_of_day
from loyalty.hooks import levels_changed
from loyalty.models import LevelChangeKind, LevelScheme, MemberRole, RoleStatus

from . import ladder_sql
from .metrics import metric_query
from .review_dates import next_review_on
from .scheme_lock import hold_scheme
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


# How far back the sweep looks before its previous start: a role written by a transaction that was
# still open then (or by a server whose clock runs behind) carries an earlier time than the start.
SWEEP_OVERLAP = timedelta(hours=1)


def assign_missing_levels(scheme: LevelScheme, now, chunk: int = CHUNK) -> None:
    """Give every active holder of the scheme's role without a level row the base level.

    Only roles created or changed (re-opened) since the previous sweep can lack one: the sweep
    checks those, not every role of the type, and records where the next one may start.
    Writers of roles keep `updated_at` current, bulk updates included."""
    started = timezone.now()
    roles = (MemberRole.objects.filter(role_type_id=scheme.role_type_id, status=RoleStatus.ACTIVE)
             .exclude(levels__scheme=scheme).order_by("pk").values_list("pk", "member_id"))
    if scheme.levels_assigned_at:
        roles = roles.filter(updated_at__gte=scheme.levels_assigned_at - SWEEP_OVERLAP)
    while True:
        with transaction.atomic():
            part = list(roles[:chunk])
            if not part:
                break
            ensure_levels(scheme, part, now)
    LevelScheme.objects.filter(pk=scheme.pk, role_type_id=scheme.role_type_id).update(levels_assigned_at=started)
    scheme.levels_assigned_at = started


# Per chunk, in the chunk's transaction: the due rows and their metric go to temporary tables.
# The metric is its own read-only statement so PostgreSQL may run it in parallel (a statement
# that writes never is). Both start after the scheme's lock is held, so they see every change
# that committed before it.
_DUE, _METRIC = "lvl_review_due", "lvl_review_metric"
_READ_DUE = f"""
    CREATE TEMPORARY TABLE {_DUE} ON COMMIT DROP AS
    SELECT ml.id, ml.member_id, ml.member_role_id, ml.level_id, ml.floor_level_id, ml.floor_until,
           (ml.reached_at AT TIME ZONE 'Asia/Shanghai')::date AS reached_on
    FROM loyalty_memberlevel ml JOIN loyalty_memberrole r ON r.id = ml.member_role_id
    WHERE ml.scheme_id = %(scheme)s AND ml.next_review_on <= %(on)s AND ml.id > %(after)s AND r.status = %(active)s
    ORDER BY ml.id LIMIT %(size)s"""
# The roles of the due rows, found with the table's statistics (a temporary table has none, and
# would keep the metric from running in parallel). A superset is harmless: only the rows read
# into the temporary table are decided, and under the lock they stay as read.
_DUE_ROLES = """
    SELECT member_role_id FROM loyalty_memberlevel
    WHERE scheme_id = %(scheme)s AND next_review_on <= %(on)s AND id > %(after)s AND id <= %(last)s"""


def _review_chunk(scheme: LevelScheme, on: date, after_id: int, size: int,
                      result: ReviewResult) -> tuple[int, bool]:
    params = {"scheme": scheme.pk, "on": on, "after": after_id, "size": size, "active": RoleStatus.ACTIVE}
    with connection.cursor() as cursor:
        # The statement's working sets (the UPDATE's RETURNING, the hashes) stay in memory.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        # No wait for the WAL flush of the chunk's ~100 MB. A crash can only forget whole chunks, and
        # their rows stay due: running the day again reviews them. The job's run record, committed
        # synchronously afterwards, flushes them anyway.
        cursor.execute("SET LOCAL synchronous_commit TO off")
        hold_scheme(scheme.pk, exclusive=True)
        cursor.execute(_READ_DUE, params)
        cursor.execute(f"SELECT count(*), max(id) FROM {_DUE}")
        count, last = cursor.fetchone()
        if count:
            metric, metric_params = metric_query(scheme, start_of_day(on), _DUE_ROLES)
            cursor.execute(f"CREATE TEMPORARY TABLE {_METRIC} ON COMMIT DROP AS {metric}",
                           {**params, **metric_params, "last": last})
            cursor.execute(f"ANALYZE {_DUE}, {_METRIC}")  # row counts and distinct roles for the join below
            sql, review_params = review_statement(scheme, on, due=_DUE, metric=_METRIC)
            cursor.execute(sql, review_params)
            changed = []
            for kind, n, member_level_ids in cursor.fetchall():
                result.by_kind["kept" if kind == "kept" else LevelChangeKind(kind)] += n
                result.reviewed += n
                changed += member_level_ids or []
            levels_changed.send_on_commit(member_level_ids=changed)  # one per chunk
            cursor.execute(f"DROP TABLE {_METRIC}")
        # Dropped here too: inside an outer transaction (tests) ON COMMIT would come too late.
        cursor.execute(f"DROP TABLE {_DUE}")
    if not count:
        return after_id, True
    return last, count < size


def review_statement(scheme: LevelScheme, on: date, *, due: str, metric: str) -> tuple[str, dict]:
    """One statement reviewing the rows of table `due` (columns as in `_READ_DUE`, read under the
    scheme's lock) with the metric values of table `metric` (role_id, value). Returns (kind, count,
    the member level ids that changed) rows; kind "kept" (with no ids) when the level stays."""
    rungs = rungs_of(scheme)
    values = ladder_sql.rung_values(rungs)
    after = ladder_sql.after_review_idx(rungs, scheme.downgrade_policy, current="s.cur", retain="s.cur_retain",
                                        metric="s.metric", up="s.up")
    kept_next = ladder_sql.next_review_sql(scheme, after=on, reached_on="d.reached_on")
    sql = f"""
        WITH scored AS (
            SELECT due.*, cur.idx AS cur, cur.pk AS cur_pk, cur.retain AS cur_retain, m.metric,
                   {ladder_sql.reached_idx(rungs, "m.metric")} AS up,
                   fl.idx IS NOT NULL AND NOT {ladder_sql.floor_in_force("due.floor_until", "%(on)s::date")} AS expired,
                   fl.idx AS floor_idx
            FROM {due} due
            JOIN ({values}) AS cur(pk, idx, upgrade, retain) ON cur.pk = due.level_id
            LEFT JOIN ({values}) AS fl(pk, idx, upgrade, retain) ON fl.pk = due.floor_level_id
            LEFT JOIN {metric} metric ON metric.role_id = due.member_role_id
            CROSS JOIN LATERAL (SELECT coalesce(metric.value, 0)::numeric AS metric) m
        ),
        decided AS (
            SELECT s.*, {ladder_sql.with_floor_idx(after, "CASE WHEN s.expired THEN NULL ELSE s.floor_idx END")}
                   AS target
            FROM scored s
        ),
        moved AS (
            UPDATE loyalty_memberlevel t SET
                level_id = tgt.pk,
                reached_at = CASE WHEN d.target <> d.cur THEN %(as_of)s ELSE t.reached_at END,
                next_review_on = CASE WHEN d.target <> d.cur THEN %(moved_next)s::date ELSE {kept_next} END,
                floor_level_id = CASE WHEN d.expired THEN NULL ELSE t.floor_level_id END,
                floor_until = CASE WHEN d.expired THEN NULL ELSE t.floor_until END,
                floor_reason = CASE WHEN d.expired THEN '' ELSE t.floor_reason END
            FROM decided d JOIN ({values}) AS tgt(pk, idx, upgrade, retain) ON tgt.idx = d.target
            WHERE t.id = d.id
            RETURNING t.id, t.member_id, d.cur_pk, tgt.pk AS to_pk, d.metric,
                CASE WHEN d.target = d.cur THEN 'kept' WHEN d.target > d.cur THEN %(upgrade)s
                     WHEN d.expired THEN %(floor_expired)s ELSE %(downgrade)s END AS kind,
                %(rule)s || d.metric::text || CASE WHEN d.target > d.cur THEN ' ≥ 升级门槛 ' || tgt.upgrade::text
                                                   ELSE ' < 保级门槛 ' || d.cur_retain::text END AS rule
        ),
        history AS (
            INSERT INTO loyalty_levelchange (member_id, member_level_id, scheme_id, kind, from_level_id, to_level_id,
                                             metric_value, rule, review_date, actor_label, created_at)
            SELECT member_id, id, %(scheme)s, kind, cur_pk, to_pk, metric, rule, %(on)s, 'review', %(now)s
            FROM moved WHERE kind <> 'kept'
        )
        SELECT kind, count(*), array_agg(id) FILTER (WHERE kind <> 'kept') FROM moved GROUP BY kind"""
    params = {
        "scheme": scheme.pk, "on": on, "as_of": start_of_day(on), "now": timezone.now(),
        "rule": f"{on:%Y-%m-%d} 考核：指标 ", "moved_next": next_review_on(scheme, after=on, reached_on=on),
        "upgrade": LevelChangeKind.UPGRADE.value, "downgrade": LevelChangeKind.DOWNGRADE.value,
        "floor_expired": LevelChangeKind.FLOOR_EXPIRED.value,
    }
    return sql, params
