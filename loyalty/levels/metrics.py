"""The metric a scheme ranks by, for many member-roles at once: one aggregate query per chunk.

Window metrics look at [as_of − window_months, as_of): the review of day D (as of 00:00 D)
counts what happened before D. Points earned in the window are the earn, clawback and manual
adjustment entries of the role's account and of the accounts merged into it (their history
stays on the absorbed account; only its remaining balance moves).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from loyalty.calendar import SHANGHAI
from loyalty.models import EntryKind, LedgerEntry, LevelMetric, LevelScheme, MemberRole, PointsAccount
from members.models import Order
from members.models.choices import PAID_STATUSES

CHUNK = 5000
ZERO = Decimal("0")
WINDOW_EARN_KINDS = (EntryKind.EARN, EntryKind.CLAWBACK, EntryKind.ADJUST)


def window_start(scheme: LevelScheme, as_of: datetime) -> datetime:
    local = as_of.astimezone(SHANGHAI)
    months = local.year * 12 + local.month - 1 - scheme.window_months
    year, month = divmod(months, 12)
    day = min(local.day, _days_in(year, month + 1))
    return local.replace(year=year, month=month + 1, day=day)


def _days_in(year: int, month: int) -> int:
    import calendar

    return calendar.monthrange(year, month)[1]


def metric_values(scheme: LevelScheme, role_ids: list[int], as_of: datetime) -> dict[int, Decimal]:
    """member_role id → metric value (0 for a role with nothing counted)."""
    values: dict[int, Decimal] = dict.fromkeys(role_ids, ZERO)
    for start in range(0, len(role_ids), CHUNK):
        part = role_ids[start:start + CHUNK]
        for role_id, value in _metric_chunk(scheme, part, as_of):
            values[role_id] = Decimal(value or 0)
    return values


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
