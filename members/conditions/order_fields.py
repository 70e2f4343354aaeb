"""The order fields members registers: count, paid amount net of refunds, average order value,
first/last order date, and the channels, stores, SKUs, categories and titles bought — each over the
leaf's window of Shanghai business dates, judged by the payment time.

An order counts when it is paid (a status in PAID_STATUSES), not deleted, and not wholly refunded
(paid more than refunded) — the same rule the level metrics use. Its amount is paid minus refunded.
A member without such orders has 0 orders and ¥0 in every window; only the order dates are empty.

Each field's `read` runs the very aggregate its `per_member` query runs, filtered to one member, so
explain() and the compiled query cannot disagree on rounding or time zones.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Round, TruncDate

from members.models import Channel, Order, OrderLine, Store
from members.models.choices import PAID_STATUSES

from .registry import Field, FieldRegistry, FieldType, PerMember
from .windows import SHANGHAI

_MONEY = DecimalField(max_digits=14, decimal_places=2)
_ZERO_MONEY = Value(Decimal("0.00"), output_field=_MONEY)


def _window_filter(ctx, prefix: str = "") -> dict:
    start, end = ctx.window.instant_bounds() if ctx.window else (None, None)  # Shanghai midnights
    bounds = {f"{prefix}paid_at__gte": start, f"{prefix}paid_at__lt": end}
    return {key: value for key, value in bounds.items() if value is not None}


EVERY_MEMBER = object()


def _counted(ctx, member, prefix: str = "") -> dict:
    """Lookups (from an order, or from a line through `prefix`) for the member's orders that count,
    paid in the leaf's window; `member` None: the outer query's member; EVERY_MEMBER: every
    member's (a resolved order: member ids feed `IN` lists, where a NULL would be unknown)."""
    whose = ({f"{prefix}member__isnull": False} if member is EVERY_MEMBER
             else {f"{prefix}member": OuterRef("pk") if member is None else member})
    return {**whose, f"{prefix}status__in": PAID_STATUSES, f"{prefix}is_deleted": False,
            f"{prefix}paid_at__isnull": False, f"{prefix}paid_amount__gt": F(f"{prefix}refunded_amount"),
            **_window_filter(ctx, prefix)}


def counted_orders(ctx, member=None):
    return Order.objects.filter(**_counted(ctx, member))


def counted_lines(ctx, member=None):
    return OrderLine.objects.filter(**_counted(ctx, member, prefix="order__"))


_NET = Sum(F("paid_amount") - F("refunded_amount"), output_field=_MONEY)
_PAID_DAY = TruncDate("paid_at", tzinfo=SHANGHAI)
# name: (aggregate over the window's orders, the value when there are none)
_AGGREGATES = {
    "count": (Count("pk"), Value(0)),
    "paid_amount": (_NET, _ZERO_MONEY),
    # net amount per counted order, rounded to the fen
    "average_order_value": (Round(_NET / Count("pk"), 2, output_field=_MONEY), _ZERO_MONEY),
    "first_order_date": (Min(_PAID_DAY), None),
    "last_order_date": (Max(_PAID_DAY), None),
}


def _aggregate_per_member(name: str):
    aggregate, default = _AGGREGATES[name]

    def per_member(ctx):
        rows = counted_orders(ctx, EVERY_MEMBER).values("member").annotate(value=aggregate)
        return PerMember(rows=rows, member="member", default=None if default is None else default.value)
    return per_member


def _aggregate_read(name: str):
    aggregate, default = _AGGREGATES[name]

    def read(member, ctx):
        value = counted_orders(ctx, member).aggregate(value=aggregate)["value"]
        if value is None and default is not None:
            return default.value
        return value
    return read


def _aggregate_field(name: str, label: str, kind: FieldType, help_text: str) -> Field:
    return Field(key=f"orders.{name}", label=label, type=kind, windowed=True, help=help_text,
                 per_member=_aggregate_per_member(name), read=_aggregate_read(name))


def _bought_field(name: str, label: str, rows, column: str, **extra) -> Field:
    """A SET field: the distinct `column` values of the window's orders (`rows=counted_orders`) or
    their lines (`rows=counted_lines`)."""
    has_contains = "contains" in extra.get("extra_operators", ())
    return Field(
        key=f"orders.{name}", label=label, type=FieldType.SET, windowed=True,
        has_sql=lambda ctx, value: Q(Exists(rows(ctx).filter(**{column: value}))),
        contains_sql=(lambda ctx, text: Q(Exists(rows(ctx).filter(**{f"{column}__contains": text})))
                      ) if has_contains else None,
        read=lambda member, ctx: set(rows(ctx, member).exclude(**{f"{column}__isnull": True})
                                     .values_list(column, flat=True)),
        **extra,
    )


def _store_choices():
    return Store.objects.order_by("code").values_list("code", "name")


ORDER_FIELDS = (
    _aggregate_field("count", "订单数", FieldType.NUMBER, "窗口内已付款且未全额退款的订单数"),
    _aggregate_field("paid_amount", "实付金额（扣除退款）", FieldType.MONEY, "窗口内订单实付金额减退款金额"),
    _aggregate_field("average_order_value", "客单价", FieldType.MONEY, "窗口内实付净额 ÷ 订单数，保留两位小数"),
    _aggregate_field("first_order_date", "首单日期", FieldType.DATE, "窗口内最早付款的上海日期"),
    _aggregate_field("last_order_date", "末单日期", FieldType.DATE, "窗口内最近付款的上海日期"),
    _bought_field("channels", "购买渠道", counted_orders, "channel", choices=tuple(Channel.choices)),
    _bought_field("stores", "购买门店", counted_orders, "store__code", choices=_store_choices, help="门店编码"),
    _bought_field("skus", "购买SKU", counted_lines, "sku", extra_operators=("contains",)),
    _bought_field("categories", "购买品类", counted_lines, "category", extra_operators=("contains",)),
    _bought_field("titles", "购买商品名称", counted_lines, "title", extra_operators=("contains",)),
)


def register(registry: FieldRegistry) -> None:
    for item in ORDER_FIELDS:
        registry.register(item)
