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
from django.db.models import Count, F, Q, Sum

from loyalty.calendar import SHANGHAI, add_months_keep_day
from loyalty.models import EntryKind, LedgerEntry, LevelMetric, LevelScheme, MemberRole, PointsAccount
from members.models import Order
from members.models.choices import PAID_STATUSES

CHUNK = 5000
SQL_CHUNK = 100_000
ZERO = Decimal("0")
WINDOW_EARN_KINDS = (EntryKind.EARN, EntryKind.CLAWBACK, EntryKind.ADJUST)


def window_start(scheme: LevelScheme, as_of: datetime) -> datetime:
    local = as_of.astimezone(SHANGHAI)
    day = add_months_keep_day(local.date(), -scheme.window_months)
    return local.replace(year=day.year, month=day.month, day=day.day)


def metric_values(scheme: LevelScheme, role_ids: list[int], as_of: datetime) -> dict[int, Decimal]:
    """member_role id → metric value (0 for a role with nothing counted)."""
    values: dict[int, Decimal] = dict.fromkeys(role_ids, ZERO)
    chunked = _metric_sql if connection.vendor == "postgresql" else _metric_chunk
    size = SQL_CHUNK if connection.vendor == "postgresql" else CHUNK
    for start in range(0, len(role_ids), size):
        part = role_ids[start:start + size]
        for role_id, value in chunked(scheme, part, as_of):
            values[role_id] = Decimal(value or 0)
    return values


def _metric_sql(scheme: LevelScheme, role_ids: list[int], as_of: datetime):
    """The same metrics in one statement per chunk (PostgreSQL): the roles arrive as one array."""
    sql, params = metric_query(scheme, as_of, "SELECT unnest(%(roles)s::bigint[]) AS role_id")
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "roles": role_ids})
        return cursor.fetchall()


def metric_query(scheme: LevelScheme, as_of: datetime, roles: str | None) -> tuple[str, dict]:
    """PostgreSQL: (role_id, value) for the roles that `roles` selects (a query of one column of
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


def _metric_chunk(scheme: LevelScheme, role_ids: list[int], as_of: datetime):
    metric = scheme.metric
    if metric == LevelMetric.LIFETIME_EARNED:
        return (PointsAccount.objects.filter(member_role_id__in=role_ids, account_type_id=scheme.account_type_id)
                .values_list("member_role_id", "lifetime_earned"))
    since = window_start(scheme, as_of)
    if metric == LevelMetric.WINDOW_EARNED:
        accounts = PointsAccount.objects.filter(member_role_id__in=role_ids, account_type_id=scheme.account_type_id)
        owner = dict(accounts.values_list("pk", "member_role_id"))
        owner.update(PointsAccount.objects.filter(merged_into_id__in=list(owner)).annotate(
            owner_role=F("merged_into__member_role_id")).values_list("pk", "owner_role"))
        sums: dict[int, int] = {}
        rows = (LedgerEntry.objects.filter(account_id__in=list(owner), kind__in=WINDOW_EARN_KINDS,
                                           occurred_at__gte=since, occurred_at__lt=as_of)
                .values("account_id").annotate(total=Sum("lifetime_delta")).values_list("account_id", "total"))
        for account_id, total in rows:
            role_id = owner[account_id]
            sums[role_id] = sums.get(role_id, 0) + (total or 0)
        return sums.items()
    member_of = dict(MemberRole.objects.filter(pk__in=role_ids).values_list("member_id", "pk"))
    orders = Order.objects.filter(member_id__in=list(member_of), status__in=PAID_STATUSES,
                                  paid_at__gte=since, paid_at__lt=as_of)
    if metric == LevelMetric.WINDOW_PAID:
        rows = orders.values("member_id").annotate(total=Sum(F("paid_amount") - F("refunded_amount")))
    else:
        rows = orders.filter(~Q(paid_amount__lte=F("refunded_amount"))).values("member_id").annotate(total=Count("id"))
    return [(member_of[row["member_id"]], row["total"]) for row in rows]
