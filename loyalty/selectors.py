"""Reads that need care: the rule preview, the points liability report, a member's points summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, DateTimeField, DecimalField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce, Floor, TruncMonth
from django.utils import timezone

from members.models import Order, OrderStatus

from .calendar import SHANGHAI, add_months, end_of_day, local_date, month_start, start_of_day
from .earning import COMPLETED_TRIGGER_STATUSES, PAID_TRIGGER_STATUSES, multiplier_providers
from .models import (
    AccountStatus,
    EarnBasis,
    EarnRule,
    EarnTrigger,
    EntryKind,
    LedgerEntry,
    PointsAccount,
    PointsAccountType,
    PointsLot,
)

ONE_SECOND = timedelta(seconds=1)


@dataclass
class RulePreview:
    start: date
    end: date  # exclusive
    orders: int
    members: int
    points: int
    unit: str
    multipliers_ignored: bool

    def __str__(self):
        text = (f"按 {self.start:%Y-%m} 的订单，这条规则会为 {self.members} 位会员的 {self.orders} 笔订单"
                f"发放 {self.points} {self.unit}")
        if self.multipliers_ignored:
            text += "（未计等级倍率）"
        return text + "；单独计算，不考虑与其他规则的优先级/叠加。"


def last_month(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate(timezone=SHANGHAI)
    end = month_start(today)
    return add_months(end, -1), end


def _in(field: str, start, end) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def rule_orders(rule: EarnRule, start: date, end: date):
    """Orders whose trigger time falls in [start, end) (Asia/Shanghai dates) and that qualify for the rule."""
    low, high = start_of_day(max(start, rule.starts_on or start)), start_of_day(end)
    if rule.ends_on:
        high = min(high, end_of_day(rule.ends_on))
    if rule.trigger == EarnTrigger.PAID:
        when = Q(status__in=PAID_TRIGGER_STATUSES) & _in("paid_at", low, high)
    else:
        when = (Q(status__in=COMPLETED_TRIGGER_STATUSES) & _in("completed_at", low, high)) | (
            Q(status=OrderStatus.COMPLETED, completed_at__isnull=True) & _in("paid_at", low, high)
        )
    orders = Order.objects.filter(when, member__isnull=False, paid_amount__gt=0,
                                  paid_amount__gte=rule.min_order_amount)
    if rule.channels:
        orders = orders.filter(channel__in=rule.channels)
    return orders


def preview_rule(rule: EarnRule, *, start: date | None = None, end: date | None = None) -> RulePreview:
    """What the rule alone would have earned on a month's orders (last month by default). Read-only."""
    if start is None or end is None:
        start, end = last_month()
    orders = rule_orders(rule, start, end)
    if rule.basis == EarnBasis.AMOUNT:
        per_order = Floor(ExpressionWrapper(F("paid_amount") * Value(rule.points_per_yuan or Decimal("0")),
                                            output_field=DecimalField(max_digits=20, decimal_places=4)))
        points_expr = Coalesce(Sum(per_order), Value(Decimal("0")), output_field=DecimalField())
    else:
        points_expr = Count("pk") * Value(rule.fixed_points or 0)
    row = orders.aggregate(orders=Count("pk"), members=Count("member_id", distinct=True), points=points_expr)
    return RulePreview(start=start, end=end, orders=row["orders"], members=row["members"],
                       points=int(row["points"] or 0), unit=rule.account_type.name,
                       multipliers_ignored=bool(multiplier_providers))


@dataclass
class Liability:
    generated_at: object
    outstanding: list[dict]
    expiring: list[dict]  # per account type and month: points expiring
    months: list[date]
    activity: list[dict]
    activity_months: list[date]


ACTIVITY_KINDS = {
    "earned": (EntryKind.EARN,),
    "redeemed": (EntryKind.REDEEM, EntryKind.REVERSAL),
    "expired": (EntryKind.EXPIRE,),
    "clawed_back": (EntryKind.CLAWBACK,),
    "adjusted": (EntryKind.ADJUST,),
}


def liability_report(*, today: date | None = None, months: int = 12) -> Liability:
    """Outstanding points per account type, what expires in each of the next months, and each past
    month's earned / redeemed / expired / clawed back / adjusted points (Asia/Shanghai months)."""
    today = today or timezone.localdate(timezone=SHANGHAI)
    types = list(PointsAccountType.objects.order_by("pk"))
    active = PointsAccount.objects.filter(status=AccountStatus.ACTIVE)
    balances = {
        row["account_type_id"]: row for row in active.values("account_type_id").annotate(
            n_accounts=Count("pk"), positive=Sum("available", filter=Q(available__gt=0)),
            negative=Sum("available", filter=Q(available__lt=0)), pending_sum=Sum("pending"),
        )
    }
    outstanding = []
    for account_type in types:
        row = balances.get(account_type.pk, {})
        available, pending = row.get("positive") or 0, row.get("pending_sum") or 0
        outstanding.append({
            "account_type": account_type, "accounts": row.get("n_accounts") or 0, "available": available,
            "pending": pending, "debt": -(row.get("negative") or 0), "total": available + pending,
        })

    first = month_start(today)
    future = [add_months(first, i) for i in range(months)]
    horizon = start_of_day(add_months(first, months))
    due = (
        PointsLot.objects.filter(remaining__gt=0, expires_at__isnull=False, expires_at__lt=horizon,
                                 account__status=AccountStatus.ACTIVE)
        # a lot expiring at 00:00 of the 1st ends on the last day of the month before
        .annotate(month=TruncMonth(ExpressionWrapper(F("expires_at") - Value(ONE_SECOND), output_field=DateTimeField()),
                                   tzinfo=SHANGHAI))
        .values("account__account_type_id", "month").annotate(points=Sum("remaining"))
    )
    expiring_by = {}
    for row in due:
        month = _as_date(row["month"])
        month = max(month, first)  # overdue remainders (tonight's job) count in this month
        key = (row["account__account_type_id"], month)
        expiring_by[key] = expiring_by.get(key, 0) + row["points"]
    expiring = [
        {"account_type": t, "months": [expiring_by.get((t.pk, m), 0) for m in future],
         "total": sum(expiring_by.get((t.pk, m), 0) for m in future)}
        for t in types
    ]

    past = [add_months(first, -i) for i in range(months - 1, -1, -1)]
    since = start_of_day(past[0])
    entries = (
        LedgerEntry.objects.filter(occurred_at__gte=since, kind__in=[k for ks in ACTIVITY_KINDS.values() for k in ks])
        .annotate(month=TruncMonth("occurred_at", tzinfo=SHANGHAI))
        .values("account__account_type_id", "month", "kind")
        .annotate(available=Sum("amount"), pending=Sum("pending_delta"), unrecovered=Sum("unrecovered"))
    )
    sums = {}
    for row in entries:
        key = (row["account__account_type_id"], _as_date(row["month"]), row["kind"])
        sums[key] = (row["available"] or 0) + (row["pending"] or 0)
    activity = []
    for account_type in types:
        for month in past:
            values = {
                name: sum(sums.get((account_type.pk, month, kind), 0) for kind in kinds)
                for name, kinds in ACTIVITY_KINDS.items()
            }
            values["redeemed"] = -values["redeemed"]
            values["expired"] = -values["expired"]
            values["clawed_back"] = -values["clawed_back"]
            activity.append({"account_type": account_type, "month": month, **values})
    return Liability(generated_at=timezone.now(), outstanding=outstanding, expiring=expiring, months=future,
                     activity=activity, activity_months=past)


def _as_date(value) -> date:
    if hasattr(value, "astimezone"):
        return local_date(value)
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def member_points(member, *, recent: int = 10) -> list[dict]:
    """Each of the member's accounts with balances and its most recent entries (API, 360° card)."""
    accounts = list(
        PointsAccount.objects.filter(member=member).select_related("account_type", "member_role__role_type")
        .order_by("member_role__role_type_id", "account_type_id")
    )
    out = []
    for account in accounts:
        entries = list(LedgerEntry.objects.filter(account=account).order_by("-occurred_at", "-pk")[:recent])
        next_expiry = (
            PointsLot.objects.filter(account=account, remaining__gt=0, expires_at__isnull=False)
            .values("expires_at").annotate(points=Sum("remaining")).order_by("expires_at").first()
        )
        out.append({"account": account, "entries": entries, "next_expiry": next_expiry})
    return out
