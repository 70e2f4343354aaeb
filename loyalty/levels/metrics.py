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
    metric = scheme.metric
    params: dict = {"roles": role_ids, "type": scheme.account_type_id, "until": as_of}
    roles = "SELECT unnest(%(roles)s::bigint[]) AS role_id"
    if metric == LevelMetric.LIFETIME_EARNED:
        sql = (f"SELECT a.member_role_id, a.lifetime_earned FROM ({roles}) t JOIN loyalty_pointsaccount a "
               "ON a.member_role_id = t.role_id AND a.account_type_id = %(type)s")
    elif metric == LevelMetric.WINDOW_EARNED:
        params.update(since=window_start(scheme, as_of), kinds=list(WINDOW_EARN_KINDS))
        sql = f"""
            WITH t AS ({roles}),
            own AS (SELECT t.role_id, a.id AS account_id FROM t JOIN loyalty_pointsaccount a
                    ON a.member_role_id = t.role_id AND a.account_type_id = %(type)s),
            acc AS (SELECT role_id, account_id FROM own
                    UNION ALL
                    SELECT own.role_id, x.id FROM own JOIN loyalty_pointsaccount x ON x.merged_into_id = own.account_id)
            SELECT acc.role_id, sum(e.lifetime_delta) FROM acc JOIN loyalty_ledgerentry e
              ON e.account_id = acc.account_id AND e.kind = ANY(%(kinds)s)
             AND e.occurred_at >= %(since)s AND e.occurred_at < %(until)s
            GROUP BY acc.role_id"""
    else:
        params.update(since=window_start(scheme, as_of), statuses=[str(s) for s in PAID_STATUSES])
        value = ("sum(o.paid_amount - o.refunded_amount)" if metric == LevelMetric.WINDOW_PAID
                 else "count(*) FILTER (WHERE o.paid_amount > o.refunded_amount)")
        sql = f"""
            SELECT r.id, {value} FROM ({roles}) t JOIN loyalty_memberrole r ON r.id = t.role_id
            JOIN members_order o ON o.member_id = r.member_id AND o.status = ANY(%(statuses)s)
             AND o.paid_at >= %(since)s AND o.paid_at < %(until)s
            GROUP BY r.id"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


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
