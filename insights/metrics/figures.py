"""The SELECT that computes member metrics as of a business date — for everyone or for given members.

An order counts as in the condition language (members/conditions/order_fields.py): paid (a status
in PAID_STATUSES, a payment time), not deleted, not wholly refunded; its amount is paid minus
refunded. The refund rate alone also reads the wholly refunded ones: refunded ÷ paid over every
paid order. Windows are whole Shanghai days ending with the business date D: "30 days" runs from
00:00 of D-30 through D 24:00, as `{"last_days": 30}` does in a condition; orders paid after D are
not counted at all, so a run for a past date gives that date's figures.

Aggregates, each one pass grouped by member, joined onto the active members (a member without
orders gets zeros and empty dates): the orders; the purchase days (orders summed per Shanghai day, a
window function over them: the median and latest gap, their count and the average value of the repeat
days — the frequency and monetary value of the CLV model); the latest day points were earned or
redeemed; points and levels as JSON objects keyed by code.
"""

from __future__ import annotations

from datetime import date, timedelta

from loyalty.models import (
    AccountStatus,
    EntryKind,
    LedgerEntry,
    Level,
    LevelScheme,
    MemberLevel,
    PointsAccount,
    PointsAccountType,
)
from members.conditions.windows import start_of_day
from members.models import Member, MemberStatus, Order
from members.models.choices import PAID_STATUSES

from ..models.metrics import WINDOWS

# A member's own doing with points: earning and redeeming (not expiry, merges or the system's unlocks).
ACTIVITY_KINDS = (EntryKind.EARN, EntryKind.REDEEM)
LOCAL_DAY = "(o.paid_at AT TIME ZONE 'Asia/Shanghai')::date"

# Column order of the SELECT, which is the column order of the table the refresh writes.
COLUMNS = (
    "member_id", "as_of", "first_order_date", "last_order_date",
    *(f"orders_{days}d" for days in WINDOWS), "orders_total",
    *(f"paid_{days}d" for days in WINDOWS), "paid_total",
    "average_order_value", "purchase_days", "repeat_purchase_value", "purchase_interval_days", "last_gap_days",
    "last_points_date", "refund_rate", "channels", "store_ids", "points", "levels",
)
COUNTED = "o.paid_amount > o.refunded_amount"  # not wholly refunded
NET = "o.paid_amount - o.refunded_amount"


def paid_orders_sql(members: str | None = None) -> str:
    """FROM … WHERE of the paid orders of resolved members paid before %(until)s, parameter
    %(paid_statuses)s; `members`: SQL of a bigint[] the orders' members are limited to. AND COUNTED
    to keep the orders that count."""
    only = f"AND o.member_id = ANY({members})" if members else ""
    return (f"FROM {Order._meta.db_table} o WHERE o.member_id IS NOT NULL {only} "
            "AND o.status = ANY(%(paid_statuses)s) AND NOT o.is_deleted "
            "AND o.paid_at IS NOT NULL AND o.paid_at < %(until)s")


def paid_statuses() -> list[str]:
    return [str(s) for s in PAID_STATUSES]


def metrics_select(as_of: date, *, members: str | None = None) -> tuple[str, dict]:
    """SQL and parameters of (COLUMNS) rows for the active members; `members`, when given, is SQL
    naming a bigint[] of member ids (e.g. "%(ids)s") and limits every aggregate to them."""
    until = start_of_day(as_of + timedelta(days=1))
    params = {"as_of": as_of, "until": until, "paid_statuses": paid_statuses(),
              "active": MemberStatus.ACTIVE, "account_active": AccountStatus.ACTIVE,
              "activity_kinds": [str(kind) for kind in ACTIVITY_KINDS]}
    for days in WINDOWS:
        params[f"since_{days}"] = start_of_day(as_of - timedelta(days=days))

    def only(column: str) -> str:
        return f"AND {column} = ANY({members})" if members else ""

    paid_orders = paid_orders_sql(members)
    counted, net = COUNTED, NET
    windowed = ",\n".join(
        [f"count(*) FILTER (WHERE {counted} AND o.paid_at >= %(since_{d})s) AS orders_{d}d" for d in WINDOWS]
        + [f"coalesce(sum({net}) FILTER (WHERE {counted} AND o.paid_at >= %(since_{d})s), 0) AS paid_{d}d"
           for d in WINDOWS])
    sql = f"""
WITH bought AS (
    SELECT o.member_id,
           min({LOCAL_DAY}) FILTER (WHERE {counted}) AS first_order_date,
           max({LOCAL_DAY}) FILTER (WHERE {counted}) AS last_order_date,
           {windowed},
           count(*) FILTER (WHERE {counted}) AS orders_total,
           coalesce(sum({net}) FILTER (WHERE {counted}), 0) AS paid_total,
           sum(o.paid_amount) AS gross, sum(o.refunded_amount) AS refunded,
           array_agg(DISTINCT o.channel ORDER BY o.channel) FILTER (WHERE {counted}) AS channels,
           array_agg(DISTINCT o.store_id ORDER BY o.store_id)
               FILTER (WHERE {counted} AND o.store_id IS NOT NULL) AS store_ids
    {paid_orders}
    GROUP BY o.member_id
),
intervals AS (
    SELECT member_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS median_gap,
           (array_agg(gap ORDER BY day DESC))[1] AS last_gap, count(*) AS purchase_days,
           CASE WHEN count(*) > 1 THEN round((sum(amount) - (array_agg(amount ORDER BY day))[1]) / (count(*) - 1), 2)
           END AS repeat_value
    FROM (SELECT member_id, day, amount, day - lag(day) OVER (PARTITION BY member_id ORDER BY day) AS gap
          FROM (SELECT o.member_id, {LOCAL_DAY} AS day, sum({net}) AS amount {paid_orders} AND {counted}
                GROUP BY o.member_id, {LOCAL_DAY}) days) gaps
    GROUP BY member_id
),
points AS (
    SELECT member_id, jsonb_object_agg(code, jsonb_build_object(
               'available', available, 'pending', pending, 'lifetime', lifetime)) AS points
    FROM (SELECT a.member_id, t.code, sum(a.available) AS available, sum(a.pending) AS pending,
                 sum(a.lifetime_earned) AS lifetime
          FROM {PointsAccount._meta.db_table} a JOIN {PointsAccountType._meta.db_table} t ON t.id = a.account_type_id
          WHERE a.status = %(account_active)s {only('a.member_id')}
          GROUP BY a.member_id, t.code) per_type
    GROUP BY member_id
),
points_moved AS (
    SELECT a.member_id, max((e.occurred_at AT TIME ZONE 'Asia/Shanghai')::date) AS last_points_date
    FROM {LedgerEntry._meta.db_table} e JOIN {PointsAccount._meta.db_table} a ON a.id = e.account_id
    WHERE e.kind = ANY(%(activity_kinds)s) AND e.occurred_at < %(until)s {only('a.member_id')}
    GROUP BY a.member_id
),
levels AS (
    SELECT ml.member_id, jsonb_object_agg(s.code, l.rank) AS levels
    FROM {MemberLevel._meta.db_table} ml
    JOIN {LevelScheme._meta.db_table} s ON s.id = ml.scheme_id
    JOIN {Level._meta.db_table} l ON l.id = ml.level_id
    WHERE true {only('ml.member_id')}
    GROUP BY ml.member_id
)
SELECT m.id AS member_id, %(as_of)s::date AS as_of, b.first_order_date, b.last_order_date,
       {", ".join(f"coalesce(b.orders_{d}d, 0) AS orders_{d}d" for d in WINDOWS)},
       coalesce(b.orders_total, 0) AS orders_total,
       {", ".join(f"coalesce(b.paid_{d}d, 0) AS paid_{d}d" for d in WINDOWS)},
       coalesce(b.paid_total, 0) AS paid_total,
       coalesce(round(b.paid_total / nullif(b.orders_total, 0), 2), 0) AS average_order_value,
       coalesce(i.purchase_days, 0) AS purchase_days, i.repeat_value AS repeat_purchase_value,
       round(i.median_gap::numeric, 1) AS purchase_interval_days, i.last_gap AS last_gap_days,
       pm.last_points_date,
       CASE WHEN b.gross > 0 THEN least(round(b.refunded / b.gross, 4), 1) END AS refund_rate,
       coalesce(b.channels, '{{}}') AS channels, coalesce(b.store_ids, '{{}}') AS store_ids,
       coalesce(p.points, '{{}}') AS points, coalesce(l.levels, '{{}}') AS levels
FROM {Member._meta.db_table} m
LEFT JOIN bought b ON b.member_id = m.id
LEFT JOIN intervals i ON i.member_id = m.id
LEFT JOIN points p ON p.member_id = m.id
LEFT JOIN points_moved pm ON pm.member_id = m.id
LEFT JOIN levels l ON l.member_id = m.id
WHERE m.status = %(active)s {only('m.id')}"""
    return sql, params
