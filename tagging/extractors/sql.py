"""SQL shared by the extractors: the window's counted orders, the output columns, money as text.

"Counted order" is the order fields' definition (members/conditions/order_fields.py): paid (a status
in PAID_STATUSES), not deleted, paid more than refunded, judged by `paid_at` against the Shanghai
midnights of the window; its amount is paid minus refunded. A window of `window_days` N is the
condition language's `{"last_days": N}` (windows.resolve_window), so a variable tag and a
condition over the same orders agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.bulk_insert import array_param
from members.conditions.windows import resolve_window
from members.models import Member, MemberStatus, Order, OrderLine, Store
from members.models.choices import PAID_STATUSES, Channel

ORDERS = Order._meta.db_table
LINES = OrderLine._meta.db_table
MEMBERS = Member._meta.db_table
STORES = Store._meta.db_table
VALUE_CHARS = 64  # TagMembership.value
SHANGHAI_DAY = "(({column}) AT TIME ZONE 'Asia/Shanghai')::date"  # windows.SHANGHAI


@dataclass(frozen=True)
class Scope:
    """What one run covers: the evaluation date, the window, the tag's minimum of orders, and the
    members (None: all); it writes the shared CTEs and their parameters."""

    as_of: date
    window_days: int
    min_orders: int
    member_ids: list[int] | None

    def sql_params(self) -> dict:
        start, end = resolve_window({"last_days": self.window_days}, self.as_of).instant_bounds()
        values = {"active": MemberStatus.ACTIVE, "paid_statuses": array_param(PAID_STATUSES),
                  "start": start, "end": end, "min_orders": self.min_orders}
        if self.member_ids is not None:
            values["ids"] = array_param(int(pk) for pk in self.member_ids)
        return values

    def counted_cte(self) -> str:
        """The CTE `counted`: one row per counted order of an active member in the window."""
        # both sides named, so the planner can reach each table through its own index
        only = (" AND o.member_id = ANY(%(ids)s::bigint[]) AND m.id = ANY(%(ids)s::bigint[])"
                if self.member_ids is not None else "")
        # NOT MATERIALIZED: each use is planned into its own query, so the join with the order lines
        # can run in parallel workers (a materialized CTE scan cannot) and a filter such as
        # "has a store" reaches the order scan and its partial index.
        return f"""counted AS NOT MATERIALIZED (
    -- the window's counted orders of active members, each with its amount net of refunds
    SELECT o.id, o.member_id, o.paid_amount - o.refunded_amount AS net, o.paid_at, o.channel, o.store_id
    FROM {ORDERS} o JOIN {MEMBERS} m ON m.id = o.member_id
    WHERE m.status = %(active)s AND o.status = ANY(%(paid_statuses)s::text[]) AND NOT o.is_deleted
      AND o.paid_at >= %(start)s AND o.paid_at < %(end)s AND o.paid_amount > o.refunded_amount{only}
)"""

    def enough_cte(self) -> str:
        """The CTE `enough`: per member with at least min_orders counted orders, their count and net total."""
        return """enough AS (
    -- members with enough counted orders: their order count and net total
    SELECT member_id, count(*) AS orders, sum(net) AS total
    FROM counted GROUP BY member_id HAVING count(*) >= %(min_orders)s
)"""


def money_text(expression: str) -> str:
    """¥-less money for evidence text: 2340 → "2,340", 2340.5 → "2,340.50"."""
    return rf"regexp_replace(to_char(round({expression}, 2), 'FM999,999,999,990.00'), '\.00$', '')"


def value_text(expression: str) -> str:
    return f"left({expression}, {VALUE_CHARS})"


def channel_label_sql(expression: str) -> str:
    """The channel's Chinese label (the code itself when unknown)."""
    whens = " ".join(f"WHEN '{code}' THEN '{label}'" for code, label in Channel.choices)
    return f"(CASE {expression} {whens} ELSE {expression} END)"
