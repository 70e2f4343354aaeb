"""Windows count whole Asia/Shanghai business days, checked through a windowed field registered the
way a higher app would (order count), so the engine needs no change for windowed fields."""

from datetime import date

import pytest
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from members.conditions.compiler import matching_members
from members.conditions.explain import explain
from members.conditions.registry import Field, FieldRegistry, FieldType
from members.conditions.tree import ConditionError, parse
from members.conditions.windows import DateRange, resolve_window
from members.models import Order, OrderLine
from tests.conftest import at

from .helpers import make_member

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 31)


def orders_in(ctx, member=None):
    orders = Order.objects.filter(member=OuterRef("pk") if member is None else member)
    start, end = ctx.window.instant_bounds() if ctx.window else (None, None)
    if start:
        orders = orders.filter(paid_at__gte=start)
    if end:
        orders = orders.filter(paid_at__lt=end)
    return orders


ORDER_COUNT = Field(
    key="orders.count", label="订单数", type=FieldType.NUMBER, windowed=True,
    value_sql=lambda ctx: Coalesce(Subquery(orders_in(ctx).values("member").annotate(n=Count("*")).values("n")),
                                   Value(0)),
    read=lambda member, ctx: orders_in(ctx, member).count(),
)


def lines_in(ctx, member=None):
    start, end = ctx.window.instant_bounds() if ctx.window else (None, None)
    lines = OrderLine.objects.filter(order__member=OuterRef("pk") if member is None else member)
    return lines.filter(**{key: value for key, value in
                           (("order__paid_at__gte", start), ("order__paid_at__lt", end)) if value})


TITLES = Field(
    key="orders.titles", label="购买商品名称", type=FieldType.SET, windowed=True, extra_operators=("contains",),
    has_sql=lambda ctx, title: Q(Exists(lines_in(ctx).filter(title=title))),
    contains_sql=lambda ctx, text: Q(Exists(lines_in(ctx).filter(title__contains=text))),
    read=lambda member, ctx: set(lines_in(ctx, member).values_list("title", flat=True)),
)
REGISTRY = FieldRegistry()
REGISTRY.register(ORDER_COUNT)
REGISTRY.register(TITLES)


def test_last_days_run_from_midnight_n_days_before_through_the_evaluation_date():
    assert resolve_window({"last_days": 30}, AS_OF) == DateRange(date(2026, 3, 1), AS_OF)
    assert resolve_window({"from": "2026-01-01"}, AS_OF) == DateRange(date(2026, 1, 1), None)


@pytest.mark.parametrize("paid, inside", [
    ("2026-02-28 23:59:59", False),  # the evening before the window, Shanghai time
    ("2026-03-01 00:00:00", True),  # 00:00 thirty days before 31 March (= 16:00 UTC on 28 Feb)
    ("2026-03-31 23:59:59", True),  # the last second of the evaluation date
    ("2026-04-01 00:00:00", False),
])
def test_an_order_counts_by_its_shanghai_business_date(paid, inside):
    # Given a member with one order paid at a Shanghai time at the edge of the window
    member = make_member()
    day, time = paid.split()
    Order.objects.create(channel="pos", external_no=paid, member=member, status="paid",
                         paid_at=at(day, time[:5]).replace(second=int(time[6:])))
    condition = parse({"field": "orders.count", "op": "gte", "value": 1, "window": {"last_days": 30}},
                      registry=REGISTRY)

    # Then the query and the explanation agree on whether it is in the last 30 days
    assert matching_members(condition, AS_OF).filter(pk=member.pk).exists() is inside
    why = explain(condition, member, AS_OF).root
    assert (why.actual, why.passed, why.window) == (int(inside), inside, "2026-03-01 至 2026-03-31")


def test_a_member_without_orders_has_zero_in_every_window():
    member = make_member()
    zero = parse({"field": "orders.count", "op": "eq", "value": 0, "window": {"from": "2026-01-01", "to": "2026-01-31"}},
                 registry=REGISTRY)
    assert list(matching_members(zero, AS_OF)) == [member]
    ever_ordered = parse({"not": {"field": "orders.count", "op": "eq", "value": 0}}, registry=REGISTRY)
    assert list(matching_members(ever_ordered, AS_OF)) == []


@pytest.mark.parametrize("window, message", [
    ({"last_days": -1}, "window.last_days: 需要 0 到 36600 之间的整数天数"),
    ({"last_days": 10**9}, "window.last_days: 需要 0 到 36600 之间的整数天数"),
    ({"last_days": 3, "from": "2026-01-01"}, "window: last_days 不能与 from/to 同时使用"),
    ({"from": "2026-13-01"}, "window.from: 需要日期（YYYY-MM-DD）"),
    ({"from": "2026-02-01", "to": "2026-01-01"}, "window: 开始日期不能晚于结束日期"),
    ({"days": 3}, 'window: 需要 {"last_days": N} 或 {"from": 日期, "to": 日期}'),
])
def test_bad_windows_are_refused_with_their_path(window, message):
    with pytest.raises(ConditionError) as caught:
        parse({"field": "orders.count", "op": "gte", "value": 1, "window": window}, registry=REGISTRY)
    assert caught.value.errors == [message]


def test_a_set_field_over_order_lines_takes_has_and_contains_in_its_window():
    # Given a face cream bought this month and a cleanser bought last year
    member = make_member()
    for number, (paid, title) in enumerate((("2026-03-20", "保湿面霜 50ml"), ("2025-03-20", "洁面乳"))):
        order = Order.objects.create(channel="pos", external_no=str(number), member=member, status="paid",
                                     paid_at=at(paid))
        OrderLine.objects.create(order=order, line_no=1, title=title)

    def holds(op, value, window):
        condition = parse({"field": "orders.titles", "op": op, "value": value} | window, registry=REGISTRY)
        found = matching_members(condition, AS_OF).exists()
        assert explain(condition, member, AS_OF).matches is found
        return found

    last_month = {"window": {"last_days": 30}}
    assert holds("contains", "面霜", last_month) and not holds("contains", "洁面", last_month)
    assert holds("contains", "洁面", {}) and holds("has", "洁面乳", {}) and not holds("has", "洁面", {})
    assert not holds("has_not", "保湿面霜 50ml", last_month)
