"""Earn rules: basis, rounding, minimum, channels, date window, trigger, priority and stacking."""

from decimal import Decimal

import pytest

from loyalty import earning
from loyalty.models import EntryKind, LedgerEntry, PointsAccount
from loyalty.services import award_orders
from tests.conftest import at

from .conftest import assert_ledger_ok

pytestmark = pytest.mark.django_db


def earned(order) -> dict[str, int]:
    return dict(LedgerEntry.objects.filter(kind=EntryKind.EARN, order=order).values_list("rule__name", "lifetime_delta"))


@pytest.fixture
def points(make_type):
    return make_type(name="积分")


def test_ratio_basis_rounds_down_to_whole_points(member, points, make_rule, make_order):
    make_rule(points, name="1.5倍", points_per_yuan=Decimal("1.5"))
    order = make_order(member(), paid="99.99")

    award_orders(order_ids=[order.pk])

    assert earned(order) == {"1.5倍": 149}  # 149.985 → 149
    assert_ledger_ok()


def test_per_order_basis_gives_fixed_points(member, points, make_rule, make_order):
    make_rule(points, name="每单10分", basis="per_order", points_per_yuan=None, fixed_points=10)
    order = make_order(member(), paid="3.00")

    award_orders(order_ids=[order.pk])

    assert earned(order) == {"每单10分": 10}


def test_orders_below_the_minimum_amount_earn_nothing(member, points, make_rule, make_order):
    make_rule(points, name="满100", min_order_amount=Decimal("100.00"))
    buyer = member()
    small, exact = make_order(buyer, paid="99.99"), make_order(buyer, paid="100.00")

    award_orders(order_ids=[small.pk, exact.pk])

    assert earned(small) == {} and earned(exact) == {"满100": 100}


def test_channel_restricted_rules_only_earn_on_those_channels(member, points, make_rule, make_order):
    make_rule(points, name="天猫专享", channels=["tmall"])
    buyer = member()
    tmall, pos = make_order(buyer, channel="tmall"), make_order(buyer, channel="pos")

    award_orders(order_ids=[tmall.pk, pos.pk])

    assert earned(tmall) == {"天猫专享": 100} and earned(pos) == {}


def test_the_date_window_is_checked_on_the_shanghai_date_of_payment(member, points, make_rule, make_order):
    from datetime import date

    make_rule(points, name="三月活动", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31))
    buyer = member()
    before = make_order(buyer, paid_at=at("2026-02-28", "23:59"))
    first = make_order(buyer, paid_at=at("2026-03-01", "00:00"))
    last = make_order(buyer, paid_at=at("2026-03-31", "23:59"))
    after = make_order(buyer, paid_at=at("2026-04-01", "00:00"))

    award_orders(order_ids=[before.pk, first.pk, last.pk, after.pk])

    assert [bool(earned(o)) for o in (before, first, last, after)] == [False, True, True, False]


def test_a_completion_rule_waits_for_completion(member, points, make_rule, make_order):
    make_rule(points, name="完成后", trigger="completed")
    order = make_order(member(), status="paid")

    award_orders(order_ids=[order.pk])
    assert earned(order) == {}

    order.status, order.completed_at = "completed", at("2026-03-05")
    order.save()
    award_orders(order_ids=[order.pk])

    assert earned(order) == {"完成后": 100}
    assert LedgerEntry.objects.get(order=order).occurred_at == at("2026-03-05")


def test_a_payment_rule_earns_at_payment_time(member, points, make_rule, make_order):
    make_rule(points, name="付款后", trigger="paid")
    order = make_order(member(), status="shipped", paid_at=at("2026-03-02", "09:30"))

    award_orders(order_ids=[order.pk])

    assert LedgerEntry.objects.get(order=order).occurred_at == at("2026-03-02", "09:30")


@pytest.mark.parametrize("status", ["pending", "closed", "refunded"])
def test_unpaid_closed_or_refunded_orders_earn_nothing(member, points, make_rule, make_order, status):
    make_rule(points)
    order = make_order(member(), status=status)

    award_orders(order_ids=[order.pk])

    assert earned(order) == {}


def test_only_the_best_non_stackable_rule_applies_but_stackable_ones_add_up(member, points, make_rule, make_order):
    make_rule(points, name="基础", priority=100)
    make_rule(points, name="会员日", priority=10, points_per_yuan=Decimal("2"))
    make_rule(points, name="加赠", priority=50, stackable=True, basis="per_order", points_per_yuan=None,
              fixed_points=5)
    order = make_order(member())

    award_orders(order_ids=[order.pk])

    assert earned(order) == {"会员日": 200, "加赠": 5}


def test_rules_of_different_account_types_each_apply(member, points, make_type, make_rule, make_order):
    growth = make_type(name="成长值")
    make_rule(points, name="积分")
    make_rule(growth, name="成长值")
    buyer = member()
    order = make_order(buyer)

    award_orders(order_ids=[order.pk])

    assert earned(order) == {"积分": 100, "成长值": 100}
    assert PointsAccount.objects.filter(member=buyer).count() == 2


def test_an_inactive_rule_earns_nothing(member, points, make_rule, make_order):
    make_rule(points, active=False)
    order = make_order(member())

    award_orders(order_ids=[order.pk])

    assert earned(order) == {}


def test_an_order_without_a_member_earns_nothing(points, make_rule, make_order):
    make_rule(points)
    orphan = make_order(None)

    result = award_orders(order_ids=[orphan.pk])

    assert earned(orphan) == {} and result.earned_entries == 0


def test_the_same_order_twice_earns_once(member, points, make_rule, make_order):
    make_rule(points)
    order = make_order(member())

    first = award_orders(order_ids=[order.pk])
    second = award_orders(order_ids=[order.pk, order.pk])

    assert (first.earned_entries, second.earned_entries) == (1, 0)
    assert LedgerEntry.objects.filter(order=order).count() == 1


def test_a_rule_pending_days_override_the_account_types(member, make_type, make_rule, make_order):
    typed = make_type(pending_days=3)
    make_rule(typed, pending_days=15)
    order = make_order(member(), paid_at=at("2026-11-01"))

    award_orders(order_ids=[order.pk], now=at("2026-11-02"))

    lot = LedgerEntry.objects.get(order=order).created_lots.get()
    assert (lot.state, lot.available_at) == ("pending", at("2026-11-16", "00:00"))


def test_level_multipliers_plug_in_through_the_registry(member, points, make_rule, make_order):
    rule = make_rule(points, name="基础")
    gold, plain = member(), member()
    orders = [make_order(gold, paid="100.00"), make_order(plain, paid="100.00")]

    def gold_card(rule_, member_ids):
        return {gold.pk: Decimal("1.5")} if rule_.pk == rule.pk else {}

    earning.multiplier_providers.connect(gold_card)
    try:
        award_orders(order_ids=[o.pk for o in orders])
    finally:
        earning.multiplier_providers.disconnect(gold_card)

    assert [earned(o)["基础"] for o in orders] == [150, 100]


def test_without_providers_every_multiplier_is_one(points, make_rule):
    rule = make_rule(points)

    assert earning.multipliers_for(rule, [1, 2]) == {1: Decimal("1"), 2: Decimal("1")}


def test_rule_validation_explains_bad_settings(points, make_rule, consumer):
    from django.core.exceptions import ValidationError

    from loyalty.models import EarnRule

    bad = EarnRule(name="x", account_type=points, role_type=consumer, basis="amount", points_per_yuan=None,
                   channels=["taobao"])
    with pytest.raises(ValidationError) as error:
        bad.clean()

    assert "每元积分" in str(error.value) and "taobao" in str(error.value)
