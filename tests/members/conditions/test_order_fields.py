"""The order fields members registers, through the global registry: windows at the Shanghai midnight,
refunds netted, members without orders at zero, and the compiled query agreeing with explain()."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members.conditions.compiler import active_members, matching_members
from members.conditions.explain import explain
from members.conditions.registry import FieldType, fields
from members.conditions.tree import parse
from members.conditions.windows import SHANGHAI
from members.models import Member, Order, OrderLine, Store
from tests.conftest import at

from .helpers import make_member

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 31)
LAST_30 = {"last_days": 30}  # 2026-03-01 00:00 Shanghai through 2026-03-31
_numbers = iter(range(1, 10**9))


def order(member, paid_at, paid="100", refunded="0", status="paid", channel="pos", store=None, lines=(),
          deleted=False):
    placed = Order.objects.create(
        channel=channel, external_no=f"O{next(_numbers)}", member=member, status=status, store=store,
        paid_amount=Decimal(paid), refunded_amount=Decimal(refunded), paid_at=paid_at, is_deleted=deleted)
    for number, (sku, category, title) in enumerate(lines, start=1):
        OrderLine.objects.create(order=placed, line_no=number, sku=sku, category=category, title=title)
    return placed


def holds(member, leaf: dict) -> bool:
    """Whether `member` matches `leaf`, asserting that the query and explain() agree."""
    condition = parse(leaf)
    found = matching_members(condition, AS_OF).filter(pk=member.pk).exists()
    assert explain(condition, member, AS_OF).matches is found, leaf
    return found


def actual(member, key: str, window=None):
    field = fields.get(key)
    held = next(iter(field.choice_values() or {"x": ""}))  # any value the field accepts
    leaf = {"field": key, "op": "has", "value": held} if field.type == FieldType.SET else \
        {"field": key, "op": "is_not_empty"}
    return explain(parse(leaf | ({"window": window} if window else {})), member, AS_OF).root.actual


def test_the_order_fields_are_registered_with_windows():
    for key in ("orders.count", "orders.paid_amount", "orders.average_order_value", "orders.first_order_date",
                "orders.last_order_date", "orders.channels", "orders.stores", "orders.skus", "orders.categories",
                "orders.titles"):
        assert fields.get(key).windowed, key


@pytest.mark.parametrize("paid, inside", [
    (at("2026-02-28", "23:59").replace(second=59), False),  # the evening before, Shanghai time
    (at("2026-03-01", "00:00"), True),  # 16:00 UTC on 28 February
    (at("2026-03-31", "23:59").replace(second=59), True),
    (at("2026-04-01", "00:00"), False),
])
def test_every_order_field_counts_an_order_by_its_shanghai_payment_date(paid, inside):
    # Given one order at the edge of the last 30 days
    member = make_member()
    store = Store.objects.create(code="S01", name="静安店")
    order(member, paid, paid="120.50", refunded="20.50", channel="tmall", store=store,
          lines=[("SKU-1", "护肤", "保湿面霜 50ml")])
    w = {"window": LAST_30}

    # Then every field sees it inside the window exactly when its Shanghai date is inside
    assert holds(member, {"field": "orders.count", "op": "eq", "value": int(inside)} | w)
    assert holds(member, {"field": "orders.paid_amount", "op": "eq", "value": 100 if inside else 0} | w)
    assert holds(member, {"field": "orders.average_order_value", "op": "eq", "value": 100 if inside else 0} | w)
    for key in ("orders.first_order_date", "orders.last_order_date"):
        assert holds(member, {"field": key, "op": "is_not_empty"} | w) is inside
        assert holds(member, {"field": key, "op": "is_not_empty"})  # all time
    assert holds(member, {"field": "orders.channels", "op": "has", "value": "tmall"} | w) is inside
    assert holds(member, {"field": "orders.stores", "op": "has_not", "value": "S01"} | w) is not inside
    assert holds(member, {"field": "orders.skus", "op": "has", "value": "SKU-1"} | w) is inside
    assert holds(member, {"field": "orders.categories", "op": "contains", "value": "护"} | w) is inside
    assert holds(member, {"field": "orders.titles", "op": "contains", "value": "面霜"} | w) is inside


def test_order_dates_are_shanghai_dates_and_compare_with_date_operators():
    # Given orders paid at 00:30 Shanghai on 2 March (still 1 March in UTC) and on 20 March
    member = make_member()
    order(member, at("2026-03-02", "00:30"))
    order(member, at("2026-03-20"))

    assert actual(member, "orders.first_order_date") == date(2026, 3, 2)
    assert actual(member, "orders.last_order_date") == date(2026, 3, 20)
    assert holds(member, {"field": "orders.first_order_date", "op": "eq", "value": "2026-03-02"})
    assert holds(member, {"field": "orders.first_order_date", "op": "between", "value": ["2026-03-02", "2026-03-05"]})
    assert holds(member, {"field": "orders.last_order_date", "op": "within_last_days", "value": 11})
    assert not holds(member, {"field": "orders.last_order_date", "op": "within_last_days", "value": 10})
    assert holds(member, {"field": "orders.first_order_date", "op": "before_days_ago", "value": 28})
    assert not holds(member, {"field": "orders.first_order_date", "op": "before_days_ago", "value": 29})
    # a window narrows which orders are first and last
    assert actual(member, "orders.first_order_date", {"from": "2026-03-03"}) == date(2026, 3, 20)
    assert actual(member, "orders.last_order_date", {"to": "2026-03-19"}) == date(2026, 3, 2)


def test_refunds_are_netted_and_unpaid_or_wholly_refunded_orders_do_not_count():
    # Given a partly refunded order, a wholly refunded one, an unpaid, a closed and a deleted one
    member = make_member()
    order(member, at("2026-03-10"), paid="300", refunded="100", status="partially_refunded", channel="jd")
    order(member, at("2026-03-11"), paid="200", refunded="200", status="refunded", channel="tmall")
    order(member, at("2026-03-12"), paid="50", refunded="50", status="completed", channel="tmall")
    order(member, at("2026-03-13"), paid="80", status="pending", channel="tmall")
    order(member, at("2026-03-14"), paid="80", status="closed", channel="tmall")
    order(member, at("2026-03-15"), paid="100", status="completed", channel="wechat_mp", deleted=True)
    order(member, at("2026-03-16"), paid="101", status="completed", channel="pos")

    # Then only the partly refunded and the last order count, each at its net amount
    assert actual(member, "orders.count") == 2
    assert actual(member, "orders.paid_amount") == Decimal("301.00")
    assert actual(member, "orders.average_order_value") == Decimal("150.50")
    assert actual(member, "orders.channels") == {"jd", "pos"}
    assert actual(member, "orders.last_order_date") == date(2026, 3, 16)
    assert holds(member, {"field": "orders.paid_amount", "op": "between", "value": [301, 301]})
    assert not holds(member, {"field": "orders.paid_amount", "op": "gt", "value": 301})
    assert holds(member, {"field": "orders.average_order_value", "op": "gte", "value": "150.5"})
    assert holds(member, {"field": "orders.count", "op": "lt", "value": 3})
    assert not holds(member, {"field": "orders.channels", "op": "has", "value": "tmall"})
    assert holds(member, {"field": "orders.channels", "op": "has_not", "value": "wechat_mp"})


def test_average_order_value_is_rounded_to_the_fen_alike_in_both():
    member = make_member()
    for paid in ("10.00", "10.00", "10.01"):
        order(member, at("2026-03-10"), paid=paid)
    assert actual(member, "orders.average_order_value") == Decimal("10.00")
    assert holds(member, {"field": "orders.average_order_value", "op": "eq", "value": "10.00"})


def test_a_member_without_orders_has_zero_orders_and_zero_yuan_in_every_window():
    # Given a member without orders and one whose only order is outside the window
    none, outside = make_member(), make_member()
    order(outside, at("2025-01-01"), paid="500")
    w = {"window": LAST_30}

    for member in (none, outside):
        assert actual(member, "orders.count", LAST_30) == 0
        assert actual(member, "orders.paid_amount", LAST_30) == Decimal("0")
        assert actual(member, "orders.average_order_value", LAST_30) == Decimal("0")
        assert actual(member, "orders.first_order_date", LAST_30) is None
        assert actual(member, "orders.channels", LAST_30) == set()
        assert holds(member, {"field": "orders.count", "op": "eq", "value": 0} | w)
        assert holds(member, {"field": "orders.paid_amount", "op": "lte", "value": 0} | w)
        assert not holds(member, {"field": "orders.paid_amount", "op": "is_empty"} | w)
        assert holds(member, {"field": "orders.last_order_date", "op": "is_empty"} | w)
        assert not holds(member, {"field": "orders.last_order_date", "op": "lt", "value": "2030-01-01"} | w)
        assert holds(member, {"field": "orders.titles", "op": "has_not", "value": "面霜"} | w)
    # and `not` of a comparison keeps them: two-valued
    ever = parse({"not": {"field": "orders.paid_amount", "op": "gt", "value": 0}})
    assert list(matching_members(ever, AS_OF)) == [none]


def test_an_order_of_no_member_does_not_make_fewer_than_n_orders_unknown():
    # Given a member with one order, one without, and two orders not yet resolved to anyone
    one, none = make_member(), make_member()
    order(one, at("2026-03-20"))
    order(None, at("2026-03-21"))
    order(None, at("2026-03-22"))

    # When "fewer than 2 orders" is compiled (a member without orders meets it: NOT IN the others)
    fewer = {"field": "orders.count", "op": "lt", "value": 2, "window": LAST_30}

    # Then both members meet it, and its negation none of them
    assert set(matching_members(parse(fewer), AS_OF)) == {one, none}
    assert not matching_members(parse({"not": fewer}), AS_OF).exists()


def test_store_sku_category_and_title_sets_hold_what_was_bought():
    member = make_member()
    jingan = Store.objects.create(code="S01", name="静安店")
    Store.objects.create(code="S02", name="徐汇店")
    order(member, at("2026-03-20"), store=jingan, lines=[("A-100", "护肤", "保湿面霜"), ("B-200", "彩妆", "口红")])
    order(member, at("2026-03-21"), channel="tmall")  # online: no store

    assert actual(member, "orders.stores") == {"S01"}
    assert actual(member, "orders.skus") == {"A-100", "B-200"}
    assert holds(member, {"field": "orders.stores", "op": "has", "value": "S01"})
    assert not holds(member, {"field": "orders.stores", "op": "has", "value": "S02"})
    assert holds(member, {"field": "orders.skus", "op": "contains", "value": "B-"})
    assert not holds(member, {"field": "orders.skus", "op": "has", "value": "B-"})
    assert holds(member, {"field": "orders.categories", "op": "has", "value": "彩妆"})
    assert holds(member, {"field": "orders.categories", "op": "has_not", "value": "香氛"})
    assert holds(member, {"field": "orders.titles", "op": "has", "value": "口红"})
    assert not holds(member, {"field": "orders.titles", "op": "contains", "value": "唇釉"})


# ---- property: random orders, random leaves over the order fields ------------------------------------

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
DAYS = [date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 15), date(2026, 3, 31), date(2026, 4, 1)]
AMOUNTS = ["0", "10.00", "10.01", "99.99", "100"]
TITLES = ["保湿面霜", "洁面乳", "面膜"]
recent = st.sampled_from(DAYS)
amounts = st.sampled_from([0, 10, "10.01", 100, 200, "33.33"])
counts = st.sampled_from([0, 1, 2, 3])
dates = st.sampled_from([d.isoformat() for d in DAYS])
day_counts = st.sampled_from([0, 1, 15, 30, 31, 400])
FIELDS = {
    "orders.count": (counts, None),
    "orders.paid_amount": (amounts, None),
    "orders.average_order_value": (amounts, None),
    "orders.first_order_date": (dates, None),
    "orders.last_order_date": (dates, None),
    "orders.channels": (st.sampled_from(["pos", "tmall", "jd"]), None),
    "orders.stores": (st.sampled_from(["S01", "S02"]), None),
    "orders.skus": (st.sampled_from(["A-1", "A-2", "B-1"]), st.sampled_from(["A-", "-1"])),
    "orders.categories": (st.sampled_from(["护肤", "彩妆"]), st.sampled_from(["护", "妆"])),
    "orders.titles": (st.sampled_from(TITLES), st.sampled_from(["面", "面霜"])),
}
windows = st.one_of(st.none(), st.sampled_from([0, 1, 30, 365]).map(lambda n: {"last_days": n}),
                    st.tuples(st.none() | dates, st.none() | dates).filter(lambda pair: any(pair) and (
                        None in pair or pair[0] <= pair[1])).map(
                        lambda pair: {k: v for k, v in zip(("from", "to"), pair, strict=True) if v}))


@st.composite
def leaves(draw):
    key = draw(st.sampled_from(sorted(FIELDS)))
    scalar, fragment = FIELDS[key]
    field = fields.get(key)
    op = draw(st.sampled_from(field.allowed_operators))
    if op in ("is_empty", "is_not_empty"):
        value = None
    elif op == "between":
        value = sorted(draw(st.lists(scalar, min_size=2, max_size=2)), key=lambda v: Decimal(str(v))
                       if field.type != FieldType.DATE else v)
    elif op == "contains":
        value = draw(fragment)
    elif op in ("within_last_days", "before_days_ago"):
        value = draw(day_counts)
    else:
        value = draw(scalar)
    window = draw(windows)
    return ({"field": key, "op": op} | ({} if value is None else {"value": value})
            | ({"window": window} if window else {}))


orders_data = st.lists(st.fixed_dictionaries({
    "day": recent, "minutes": st.sampled_from([0, 1, 479, 480, 1439]),
    "paid": st.sampled_from(AMOUNTS), "refunded": st.sampled_from(["0", "10.00", "100"]),
    "status": st.sampled_from(["paid", "completed", "refunded", "partially_refunded", "pending"]),
    "channel": st.sampled_from(["pos", "tmall", "jd"]), "store": st.sampled_from([None, "S01", "S02"]),
    "deleted": st.sampled_from([False, False, False, True]),
    "lines": st.lists(st.tuples(st.sampled_from(["A-1", "A-2", "B-1", ""]), st.sampled_from(["护肤", "彩妆", ""]),
                                st.sampled_from(TITLES)), max_size=2),
}), max_size=4)


@PROPERTY
@given(leaf=leaves(), people=st.lists(orders_data, min_size=1, max_size=4), as_of=recent)
def test_the_compiled_order_leaves_agree_with_explain_on_random_orders(leaf, people, as_of):
    with transaction.atomic():
        stores = {code: Store.objects.create(code=code, name=code) for code in ("S01", "S02")}
        created = []
        for placed in people:
            member = make_member()
            created.append(member)
            for item in placed:
                if Decimal(item["refunded"]) > Decimal(item["paid"]):
                    continue
                paid_at = datetime.combine(item["day"], time.min, tzinfo=SHANGHAI) + timedelta(minutes=item["minutes"])
                order(member, paid_at, paid=item["paid"], refunded=item["refunded"], status=item["status"],
                      channel=item["channel"], store=stores.get(item["store"]), lines=item["lines"],
                      deleted=item["deleted"])
        condition = parse(leaf)
        chosen = set(matching_members(condition, as_of).values_list("pk", flat=True))
        negated = set(matching_members({"not": leaf}, as_of).values_list("pk", flat=True))
        assert chosen.isdisjoint(negated) and chosen | negated == set(active_members().values_list("pk", flat=True))
        # limited to some members (a refresh of the members whose orders changed), the same answer for them
        some = [member.pk for member in created[::2]]
        assert set(matching_members(condition, as_of, within=some).values_list("pk", flat=True)) == chosen & set(some)
        for member in Member.objects.filter(pk__in=[m.pk for m in created]):
            assert explain(condition, member, as_of).matches == (member.pk in chosen), (leaf, member.pk)
        transaction.set_rollback(True)

