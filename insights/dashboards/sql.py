"""The SELECT of each dashboard aggregate, in the column order aggregates.Aggregate declares.

Parameters: as_of (the business date), until (00:00 Shanghai of the day after), paid_statuses,
active (member status), account_active. Orders count as in the member metrics (insights/metrics/
figures.py): a paid status, a payment time, not deleted; `orders` and `paid` leave out the wholly
refunded ones, `refunded` includes them. Points count as the liability report counts them
(loyalty/selectors.py ACTIVITY_KINDS): issued = earned (pending included), redeemed net of reversals,
expired.
"""

from insights.models import MemberMetrics, MemberValue, TierChange, ValueModel
from loyalty.models import EntryKind, LedgerEntry, MemberLevel, PointsAccount
from members.models import Member, Order, Store

MEMBER = Member._meta.db_table
MEMBER_PLACE = "m.registered_channel AS channel, m.province, m.city, m.home_store_id AS store_id"
LOCAL_DAY = "({column} AT TIME ZONE 'Asia/Shanghai')::date"

SALES = f"""
SELECT {LOCAL_DAY.format(column="o.paid_at")} AS day, o.channel,
       CASE WHEN o.store_id IS NULL THEN m.province ELSE s.province END AS province,
       CASE WHEN o.store_id IS NULL THEN m.city ELSE s.city END AS city, o.store_id,
       count(*) FILTER (WHERE o.paid_amount > o.refunded_amount) AS orders,
       coalesce(sum(o.paid_amount - o.refunded_amount) FILTER (WHERE o.paid_amount > o.refunded_amount), 0) AS paid,
       sum(o.refunded_amount) AS refunded
FROM {Order._meta.db_table} o
JOIN {MEMBER} m ON m.id = o.member_id
LEFT JOIN {Store._meta.db_table} s ON s.id = o.store_id
WHERE o.status = ANY(%(paid_statuses)s) AND NOT o.is_deleted AND o.paid_at < %(until)s
GROUP BY 1, 2, 3, 4, 5"""

NEW_MEMBERS = f"""
SELECT {LOCAL_DAY.format(column="m.registered_at")} AS day, {MEMBER_PLACE}, count(*) AS members
FROM {MEMBER} m
WHERE m.status = %(active)s AND m.registered_at < %(until)s
GROUP BY 1, 2, 3, 4, 5"""

POINTS = f"""
SELECT {LOCAL_DAY.format(column="e.occurred_at")} AS day, a.account_type_id, {MEMBER_PLACE},
       coalesce(sum(e.amount + e.pending_delta) FILTER (WHERE e.kind = '{EntryKind.EARN}'), 0) AS issued,
       -coalesce(sum(e.amount + e.pending_delta)
                 FILTER (WHERE e.kind IN ('{EntryKind.REDEEM}', '{EntryKind.REVERSAL}')), 0) AS redeemed,
       -coalesce(sum(e.amount + e.pending_delta) FILTER (WHERE e.kind = '{EntryKind.EXPIRE}'), 0) AS expired
FROM {LedgerEntry._meta.db_table} e
JOIN {PointsAccount._meta.db_table} a ON a.id = e.account_id
JOIN {MEMBER} m ON m.id = a.member_id
WHERE e.kind IN ('{EntryKind.EARN}', '{EntryKind.REDEEM}', '{EntryKind.REVERSAL}', '{EntryKind.EXPIRE}')
  AND e.occurred_at < %(until)s
GROUP BY 1, 2, 3, 4, 5, 6"""

# Snapshots: active members as they stand after the night's metrics and model runs.
MEMBERS = f"""
SELECT %(as_of)s::date AS as_of, {MEMBER_PLACE}, count(*) AS members,
       count(*) FILTER (WHERE x.orders_90d > 0) AS active,
       count(*) FILTER (WHERE x.orders_365d > 0) AS buyers,
       count(*) FILTER (WHERE x.orders_365d >= 2) AS repeat_buyers
FROM {MEMBER} m
LEFT JOIN {MemberMetrics._meta.db_table} x ON x.member_id = m.id
WHERE m.status = %(active)s
GROUP BY 2, 3, 4, 5"""

POINTS_OUTSTANDING = f"""
SELECT %(as_of)s::date AS as_of, a.account_type_id, {MEMBER_PLACE}, count(*) AS accounts,
       sum(greatest(a.available, 0) + a.pending) AS outstanding
FROM {PointsAccount._meta.db_table} a
JOIN {MEMBER} m ON m.id = a.member_id
WHERE a.status = %(account_active)s
GROUP BY 2, 3, 4, 5, 6"""

LEVELS = f"""
SELECT %(as_of)s::date AS as_of, ml.level_id, {MEMBER_PLACE}, count(*) AS members
FROM {MemberLevel._meta.db_table} ml
JOIN {MEMBER} m ON m.id = ml.member_id
WHERE m.status = %(active)s
GROUP BY 2, 3, 4, 5, 6"""

TIERS = f"""
SELECT %(as_of)s::date AS as_of, v.model_id, v.tier, {MEMBER_PLACE}, count(*) AS members,
       coalesce(sum(x.paid_365d), 0) AS spend
FROM {MemberValue._meta.db_table} v
JOIN {ValueModel._meta.db_table} vm ON vm.id = v.model_id AND vm.active
JOIN {MEMBER} m ON m.id = v.member_id
LEFT JOIN {MemberMetrics._meta.db_table} x ON x.member_id = m.id
WHERE m.status = %(active)s
GROUP BY 2, 3, 4, 5, 6, 7"""

# Moves include the members who left the model (merged, erased): they are placed where they were.
TIER_MOVES = f"""
SELECT %(as_of)s::date AS as_of, c.model_id, c.from_tier, c.to_tier, {MEMBER_PLACE}, count(*) AS members
FROM {TierChange._meta.db_table} c
JOIN {ValueModel._meta.db_table} vm ON vm.id = c.model_id AND vm.active
JOIN {MEMBER} m ON m.id = c.member_id
WHERE c.as_of = %(as_of)s
GROUP BY 2, 3, 4, 5, 6, 7, 8"""
