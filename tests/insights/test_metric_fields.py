"""The metrics fields of the condition language: they agree with the live order fields on the same
windows, read one stored row (compiled query and explain agree), and stay two-valued."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights.metrics import refresh_all_metrics
from members.conditions.compiler import matching_members
from members.conditions.explain import explain
from members.conditions.tree import parse
from members.models import Store
from tests.conftest import at
from tests.loyalty.test_condition_fields import give_level, give_points, set_up_loyalty

from .helpers import make_member, order

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 31)
START = date(2025, 1, 1)


def value(member, key: str, window=None):
    leaf = {"field": key, "op": "is_not_empty"} | ({"window": window} if window else {})
    return explain(parse(leaf), member, AS_OF).root.actual


def matches(member, leaf: dict) -> bool:
    condition = parse(leaf)
    found = matching_members(condition, AS_OF).filter(pk=member.pk).exists()
    assert explain(condition, member, AS_OF).matches is found, leaf
    return found


_orders = st.lists(st.tuples(st.integers(0, (AS_OF - START).days + 3), st.sampled_from(["50", "120.50", "300"]),
                             st.sampled_from(["0", "20", "all"]), st.sampled_from(["completed", "closed"])),
                   max_size=6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(orders=_orders)
def test_metrics_agree_with_the_live_order_fields_on_every_window(orders):
    with transaction.atomic():
        # given a member with random orders (some after the date, refunded or unpaid)
        member = make_member()
        for offset, paid, refunded, status in orders:
            order(member, at((START + timedelta(days=offset)).isoformat(), "23:30"), paid=paid,
                  refunded=paid if refunded == "all" else refunded, status=status)
        # when the metrics are computed
        refresh_all_metrics(AS_OF)
        # then each stored window equals the live field over the same window
        for days in (30, 90, 180, 365):
            window = {"last_days": days}
            assert value(member, f"metrics.orders_{days}d") == value(member, "orders.count", window)
            assert value(member, f"metrics.paid_{days}d") == value(member, "orders.paid_amount", window)
        lifetime = {"to": AS_OF.isoformat()}
        assert value(member, "metrics.orders_total") == value(member, "orders.count", lifetime)
        assert value(member, "metrics.average_order_value") == value(member, "orders.average_order_value", lifetime)
        assert value(member, "metrics.last_order_date") == value(member, "orders.last_order_date", lifetime)
        transaction.set_rollback(True)


def test_days_since_last_order_counts_from_the_evaluation_date():
    member = make_member()
    order(member, at("2026-03-01"))
    refresh_all_metrics(AS_OF)
    assert value(member, "metrics.days_since_last_order") == 30
    assert matches(member, {"field": "metrics.days_since_last_order", "op": "gte", "value": 30})
    assert not matches(member, {"field": "metrics.days_since_last_order", "op": "gt", "value": 30})


def test_a_member_without_a_row_reads_as_a_member_without_orders():
    # given a member created after the last refresh
    refresh_all_metrics(AS_OF)
    newcomer = make_member()
    # then they have 0 orders and no last order, on both sides of every operator
    assert matches(newcomer, {"field": "metrics.orders_365d", "op": "lt", "value": 1})
    assert not matches(newcomer, {"field": "metrics.orders_365d", "op": "gte", "value": 1})
    assert matches(newcomer, {"field": "metrics.last_order_date", "op": "is_empty"})
    assert matches(newcomer, {"not": {"field": "metrics.days_since_last_order", "op": "gt", "value": 90}})
    assert matches(newcomer, {"field": "metrics.channels", "op": "has_not", "value": "pos"})


def test_channels_stores_and_refund_rate_as_conditions():
    store = Store.objects.create(code="JA", name="静安店")
    member = make_member()
    order(member, at("2026-03-01"), paid="200", refunded="50", channel="pos", store=store)
    refresh_all_metrics(AS_OF)
    assert matches(member, {"field": "metrics.channels", "op": "has", "value": "pos"})
    assert not matches(member, {"field": "metrics.channels", "op": "has", "value": "tmall"})
    assert matches(member, {"field": "metrics.stores", "op": "has", "value": "JA"})
    assert value(member, "metrics.refund_rate") == Decimal("25.0000")
    assert matches(member, {"field": "metrics.refund_rate", "op": "between", "value": [20, 30]})



def test_points_and_levels_as_of_the_metrics_agree_with_the_live_loyalty_fields():
    # given a member holding 250 积分A available and level 银 in the scheme vip
    _, scheme = set_up_loyalty()
    member = make_member()
    give_level(member, scheme, 1)
    give_points(member, "pa", 250, "2026-03-01", "m-1")
    bystander = make_member()
    # when the metrics are computed
    refresh_all_metrics(AS_OF)
    # then the metrics fields read what loyalty's live fields read, for both members
    for who in (member, bystander):
        assert value(who, "metrics.points_available.pa") == value(who, "loyalty.points_available.pa")
        assert value(who, "metrics.points_lifetime.pa") == value(who, "loyalty.points_lifetime.pa")
        assert value(who, "metrics.level.vip") == value(who, "loyalty.level.vip")
    assert (value(member, "metrics.points_available.pa"), value(member, "metrics.level.vip")) == (250, 1)
    assert matches(member, {"field": "metrics.points_available.pa", "op": "gte", "value": 250})
    assert matches(bystander, {"field": "metrics.level.vip", "op": "is_empty"})
