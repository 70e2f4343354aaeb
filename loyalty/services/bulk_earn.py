"""Set-based earn for a chunk of orders on PostgreSQL: one statement writes the entries, the lots
and the account balances (data-modifying CTEs over an unnest of the awards).

The caller has locked the accounts (ascending id). `ON CONFLICT DO NOTHING` makes a repeated
chunk a no-op: the (order, rule) and (account, idempotency key) unique constraints hold whatever
was already written, and only what was inserted moves a balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils import timezone

from loyalty.hooks import points_posted
from loyalty.models import EntryKind, LotState

BULK_EARN_SQL = """
WITH input AS (
    SELECT * FROM unnest(%(account)s::bigint[], %(order)s::bigint[], %(rule)s::bigint[], %(points)s::bigint[],
                         %(occurred)s::timestamptz[], %(available)s::timestamptz[], %(expires)s::timestamptz[],
                         %(pending)s::boolean[], %(key)s::text[], %(reason)s::text[])
        AS t(account_id, order_id, rule_id, points, occurred_at, available_at, expires_at, is_pending, key, reason)
),
entries AS (
    INSERT INTO loyalty_ledgerentry (account_id, kind, amount, pending_delta, lifetime_delta, unrecovered, order_id,
                                     rule_id, idempotency_key, reason, actor_label, occurred_at, created_at)
    SELECT account_id, 'earn', CASE WHEN is_pending THEN 0 ELSE points END, CASE WHEN is_pending THEN points ELSE 0 END,
           points, 0, order_id, rule_id, key, reason, %(actor_label)s, occurred_at, %(now)s
    FROM input ORDER BY account_id, order_id, rule_id
    ON CONFLICT DO NOTHING
    RETURNING id, account_id, order_id, rule_id, amount, pending_delta, lifetime_delta
),
lots AS (
    INSERT INTO loyalty_pointslot (account_id, entry_id, earn_entry_id, amount, remaining, expired_amount, state,
                                   earned_at, available_at, expires_at)
    SELECT e.account_id, e.id, e.id, i.points, i.points, 0,
           CASE WHEN i.is_pending THEN %(pending_state)s ELSE %(available_state)s END,
           i.occurred_at, i.available_at, i.expires_at
    FROM entries e JOIN input i ON i.order_id = e.order_id AND i.rule_id = e.rule_id
    RETURNING 1
),
totals AS (
    SELECT account_id, sum(amount) AS a, sum(pending_delta) AS p, sum(lifetime_delta) AS l FROM entries
    GROUP BY account_id
),
balances AS (
    UPDATE loyalty_pointsaccount acc
    SET available = acc.available + t.a, pending = acc.pending + t.p, lifetime_earned = acc.lifetime_earned + t.l,
        updated_at = %(now)s
    FROM totals t WHERE acc.id = t.account_id
    RETURNING 1
)
SELECT (SELECT count(*) FROM entries), (SELECT coalesce(sum(l), 0) FROM totals), (SELECT count(*) FROM lots),
       (SELECT count(*) FROM balances), (SELECT array_agg(account_id) FROM totals)
"""


@dataclass
class BulkRow:
    account_id: int
    order_id: int
    rule_id: int
    points: int
    occurred_at: datetime
    available_at: datetime | None
    expires_at: datetime | None
    pending: bool
    key: str
    reason: str


def bulk_earn(rows: list[BulkRow], *, actor_label: str) -> tuple[int, int]:
    """Insert the awards not yet written; returns (entries written, points). Accounts must be locked
    and not in debt (an earn into debt repays it, which the per-account service does). Pending or
    not was decided by the caller (`BulkRow.pending`); entries are stamped with the real time."""
    if not rows:
        return 0, 0
    params = {
        "account": [r.account_id for r in rows], "order": [r.order_id for r in rows], "rule": [r.rule_id for r in rows],
        "points": [r.points for r in rows], "occurred": [r.occurred_at for r in rows],
        "available": [r.available_at for r in rows], "expires": [r.expires_at for r in rows],
        "pending": [r.pending for r in rows], "key": [r.key for r in rows], "reason": [r.reason[:255] for r in rows],
        "actor_label": actor_label[:64], "now": timezone.now(), "pending_state": LotState.PENDING.value,
        "available_state": LotState.AVAILABLE.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(BULK_EARN_SQL, params)
        written, points, lots, _, account_ids = cursor.fetchone()
    assert written == lots, "every bulk earn entry has its lot"
    points_posted.send_on_commit(account_ids=account_ids or [], kinds=[EntryKind.EARN.value])
    return written, int(points)
