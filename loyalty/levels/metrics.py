"""The metric a scheme ranks by, for many member-roles at once: one aggregate query per chunk.

Window metrics look at [as_of − window_months, as_of): the review of day D (as of 00:00 D)
counts what happened before D. Points earned in the window are the earn, clawback and manual
adjustment entries of the role's account and of the accounts merged into it (their history
stays on the absorbed account; only its remaining balance moves).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import connection

from loyalty.calendar import SHANGHAI, add_months_keep_day
from loyalty.models import EntryKind, LevelMetric, LevelScheme
from members.models.choices import PAID_STATUSES

CHUNK = 100_000
ZERO = Decimal("0")
WINDOW_EARN_KINDS = (EntryKind.EARN, EntryKind.CLAWBACK, EntryKind.ADJUST)


def window_start(scheme: LevelScheme, as_of: datetime) -> datetime:
    local = as_of.astimezone(SHANGHAI)
    day = add_months_keep_day(local.date(), -scheme.window_months)
    return local.replace(year=day.year, month=day.month, day=day.day)


def metric_values(scheme: LevelScheme, role_ids: list[int], as_of: datetime) -> dict[int, Decimal]:
    """member_role id → metric value (0 for a role with nothing counted)."""
    values: dict[int, Decimal] = dict.fromkeys(role_ids, ZERO)
    for start in range(0, len(role_ids), CHUNK):
        for role_id, value in _metric_chunk(scheme, role_ids[start:start + CHUNK], as_of):
            values[role_id] = Decimal(value or 0)
    return values


def _metric_chunk(scheme: LevelScheme, role_ids: list[int], as_of: datetime):
    """`metric_query` for one chunk of roles, passed as one array."""
    sql, params = metric_query(scheme, as_of, "SELECT unnest(%(roles)s::bigint[]) AS role_id")
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "roles": role_ids})
        return cursor.fetchall()


def metric_query(scheme: LevelScheme, as_of: datetime, roles: str | None) -> tuple[str, dict]:
    """(role_id, value) for the roles that `roles` selects (a query of one column of
    member role ids; None: every role); a role with nothing counted has no row. Parameters are
    named `m_*`, so the query can sit inside a larger statement."""
    metric = scheme.metric
    params: dict = {"m_type": scheme.account_type_id, "m_until": as_of}

    def of_roles(column: str) -> str:
        return f"AND {column} IN ({roles})" if roles else ""

    if metric == LevelMetric.LIFETIME_EARNED:
        sql = (f"SELECT a.member_role_id AS role_id, a.lifetime_earned AS value FROM loyalty_pointsaccount a "
               f"WHERE a.account_type_id = %(m_type)s {of_roles('a.member_role_id')}")
    elif metric == LevelMetric.WINDOW_EARNED:
        params.update(m_since=window_start(scheme, as_of), m_kinds=list(WINDOW_EARN_KINDS))
        entries = ("JOIN loyalty_ledgerentry e ON e.account_id = {account} AND e.kind = ANY(%(m_kinds)s) "
                   "AND e.occurred_at >= %(m_since)s AND e.occurred_at < %(m_until)s")
        # The role's own account, and the (few) accounts merged into it, as two plain branches:
        # a shared CTE would hide the tables' statistics from the planner, and starting the merged
        # branch from `merged_into_id IS NOT NULL` keeps it from joining every role's account twice.
        sql = f"""
            SELECT role_id, sum(lifetime_delta) AS value FROM (
                SELECT a.member_role_id AS role_id, e.lifetime_delta FROM loyalty_pointsaccount a
                {entries.format(account="a.id")}
                WHERE a.account_type_id = %(m_type)s {of_roles("a.member_role_id")}
                UNION ALL
                SELECT a.member_role_id, e.lifetime_delta FROM loyalty_pointsaccount x
                JOIN loyalty_pointsaccount a ON a.id = x.merged_into_id AND a.account_type_id = %(m_type)s
                {entries.format(account="x.id")}
                WHERE x.merged_into_id IS NOT NULL {of_roles("a.member_role_id")}
            ) s GROUP BY role_id"""
    else:
        params.update(m_since=window_start(scheme, as_of), m_statuses=[str(s) for s in PAID_STATUSES])
        value = ("sum(o.paid_amount - o.refunded_amount)" if metric == LevelMetric.WINDOW_PAID
                 else "count(*) FILTER (WHERE o.paid_amount > o.refunded_amount)")
        sql = f"""
            SELECT r.id AS role_id, {value} AS value FROM loyalty_memberrole r
            JOIN members_order o ON o.member_id = r.member_id AND o.status = ANY(%(m_statuses)s)
             AND o.paid_at >= %(m_since)s AND o.paid_at < %(m_until)s
            WHERE true {of_roles("r.id")}
            GROUP BY r.id"""
    return sql, params
