"""Refund clawback: proportional, capped, never twice, own lot first, then debt or unrecovered."""

from decimal import Decimal

import pytest

from loyalty.models import EntryKind, LedgerEntry, LotAllocation
from loyalty.services import award_orders, claw_back_refund, clawback_target, earn, redeem
from tests.conftest import at

from .conftest import assert_ledger_ok, balances

pytestmark = pytest.mark.django_db


def refund(order, amount, status="partially_refunded"):
    order.refunded_amount, order.status = Decimal(amount), status
    order.save()
    return award_orders(order_ids=[order.pk], now=at("2026-03-10"))


def clawbacks(order):
    return list(LedgerEntry.objects.filter(kind=EntryKind.CLAWBACK, order=order).order_by("pk"))


@pytest.fixture
def setup(member, make_type, make_rule, make_order):
    """A buyer whose ¥200 order earned 200 points."""

    def _make(**type_fields):
        account_type = make_type(**type_fields)
        make_rule(account_type)
        buyer = member()
        order = make_order(buyer, paid="200.00", paid_at=at("2026-03-01"))
        award_orders(order_ids=[order.pk], now=at("2026-03-01"))
        account = buyer.points_accounts.get()
        return account, order

    return _make


def test_the_target_is_proportional_rounded_down_and_capped():
    assert clawback_target(200, Decimal("50.00"), Decimal("200.00")) == 50
    assert clawback_target(99, Decimal("33.33"), Decimal("100.00")) == 32  # 32.9967 → 32
    assert clawback_target(200, Decimal("250.00"), Decimal("200.00")) == 200
    assert clawback_target(200, Decimal("0"), Decimal("200.00")) == 0


def test_a_partial_refund_claws_back_its_share_from_the_orders_own_lot(setup):
    account, order = setup()

    result = refund(order, "50.00")

    [entry] = clawbacks(order)
    assert (entry.amount, entry.lifetime_delta, entry.unrecovered) == (-50, -50, 0)
    assert result.clawbacks == 1
    assert LotAllocation.objects.get(entry=entry).lot.earn_entry.order_id == order.pk
    assert balances(account) == (150, 0, 150)
    assert_ledger_ok()


def test_the_same_refund_seen_twice_claws_back_once(setup):
    account, order = setup()
    refund(order, "50.00")

    again = refund(order, "50.00")

    assert again.clawbacks == 0 and len(clawbacks(order)) == 1
    assert balances(account)[0] == 150


def test_a_growing_refund_claws_back_only_the_difference(setup):
    account, order = setup()
    refund(order, "50.00")

    refund(order, "120.00")

    assert [e.amount for e in clawbacks(order)] == [-50, -70]
    assert balances(account)[0] == 80


def test_a_full_refund_takes_everything_back(setup):
    account, order = setup()

    refund(order, "0", status="refunded")  # the platform sent only the status

    assert sum(e.amount for e in clawbacks(order)) == -200
    assert balances(account) == (0, 0, 0)
    assert_ledger_ok()


def test_spent_points_are_recorded_as_unrecovered_when_debt_is_not_allowed(setup):
    # given the buyer spent 180 of the 200 points
    account, order = setup(allow_negative=False)
    redeem(account=account, points=180, idempotency_key="r1", now=at("2026-03-05"))

    # when the whole order is refunded
    refund(order, "200.00", status="refunded")

    # then 20 come back from the lot, 180 cannot be recovered
    [entry] = clawbacks(order)
    assert (entry.amount, entry.unrecovered, entry.lifetime_delta) == (-20, 180, -200)
    assert balances(account) == (0, 0, 0)
    assert_ledger_ok()


def test_spent_points_become_debt_when_allowed_and_the_next_earn_repays_it(setup):
    account, order = setup(allow_negative=True)
    redeem(account=account, points=180, idempotency_key="r1", now=at("2026-03-05"))

    refund(order, "200.00", status="refunded")
    assert balances(account)[0] == -180
    [entry] = clawbacks(order)
    assert (entry.amount, entry.unrecovered) == (-200, 0)

    earn(account=account, points=300, occurred_at=at("2026-03-20"), idempotency_key="e2", now=at("2026-03-20"))
    assert balances(account)[0] == 120
    assert_ledger_ok()


def test_other_points_are_taken_nearest_expiry_first_once_the_orders_lot_is_spent(setup):
    account, order = setup()
    soon = earn(account=account, points=40, occurred_at=at("2026-03-02"), idempotency_key="bonus", now=at("2026-03-02"))
    redeem(account=account, points=200, idempotency_key="r1", now=at("2026-03-03"))  # spends the order's lot (the oldest)

    refund(order, "50.00")

    [entry] = clawbacks(order)
    assert entry.amount == -40 and entry.unrecovered == 10
    assert soon.pk in set(LotAllocation.objects.filter(entry=entry).values_list("lot__entry_id", flat=True))
    assert_ledger_ok()


def test_a_refund_while_points_are_pending_takes_them_from_pending(member, make_type, make_rule, make_order):
    account_type = make_type(pending_days=7)
    make_rule(account_type)
    buyer = member()
    order = make_order(buyer, paid="100.00", paid_at=at("2026-03-01"))
    award_orders(order_ids=[order.pk], now=at("2026-03-01"))

    order.refunded_amount, order.status = Decimal("100.00"), "refunded"
    order.save()
    award_orders(order_ids=[order.pk], now=at("2026-03-02"))

    [entry] = clawbacks(order)
    assert (entry.amount, entry.pending_delta) == (0, -100)
    assert balances(buyer.points_accounts.get()) == (0, 0, 0)
    assert_ledger_ok()


def test_claw_back_refund_can_be_called_directly(setup):
    account, order = setup()
    order.refunded_amount, order.status = Decimal("100.00"), "partially_refunded"
    order.save()

    written = claw_back_refund(order=order, now=at("2026-03-10"))

    assert [e.amount for e in written] == [-100]
    assert claw_back_refund(order=order, now=at("2026-03-10")) == []
