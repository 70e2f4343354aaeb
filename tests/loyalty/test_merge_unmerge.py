"""Points follow merges and unmerges (members.hooks): lots keep their expiry, the round trip gives back."""

from decimal import Decimal

import pytest

from loyalty.models import (
    AccountStatus,
    EntryKind,
    LedgerEntry,
    MemberRole,
    PointsAccount,
    PointsLot,
    RoleStatus,
)
from loyalty.services import adjust, award_orders, earn, open_account, redeem
from members.models import Order, SourceProfile
from members.services import merge_members, unmerge
from tests.conftest import at

from .conftest import assert_ledger_ok, balances

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(person):
    survivor = person(channel="mall", external_id="m-1", mobile="13811112222", registered_at=at("2024-01-01")).member
    absorbed = person(channel="jd", external_id="j-1", mobile="13933334444", registered_at=at("2025-01-01")).member
    return survivor, absorbed


@pytest.fixture
def points(make_type):
    return make_type(name="积分", expiry_policy="days_after_earn", expiry_days=365, allow_negative=True)


def acct(owner, account_type, consumer):
    return open_account(member=owner, role_type=consumer, account_type=account_type)


def give(account, points, day, key):
    return earn(account=account, points=points, occurred_at=at(day), idempotency_key=key, now=at(day))


def lots_of(account):
    return sorted(PointsLot.objects.filter(account=account, remaining__gt=0).values_list("remaining", "expires_at"))


def test_a_merge_combines_accounts_and_keeps_each_lots_expiry(people, points, consumer):
    survivor, absorbed = people
    s, a = acct(survivor, points, consumer), acct(absorbed, points, consumer)
    give(s, 50, "2026-01-01", "s1")
    give(a, 100, "2026-02-01", "a1")
    expiries = sorted(PointsLot.objects.values_list("remaining", "expires_at"))

    record = merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual")

    assert balances(s) == (150, 0, 150) and balances(a) == (0, 0, 0)
    assert lots_of(s) == expiries
    a = PointsAccount.objects.get(pk=a.pk)
    assert (a.status, a.merged_into_id) == (AccountStatus.MERGED, s.pk)
    kinds = set(LedgerEntry.objects.filter(merge_record=record).values_list("kind", flat=True))
    assert kinds == {EntryKind.MERGE_IN, EntryKind.MERGE_OUT}
    assert MemberRole.objects.get(member=absorbed).status == RoleStatus.MERGED
    assert_ledger_ok()


def test_an_unmerge_right_after_a_merge_restores_both_accounts_exactly(people, points, consumer):
    survivor, absorbed = people
    s, a = acct(survivor, points, consumer), acct(absorbed, points, consumer)
    give(s, 50, "2026-01-01", "s1")
    give(a, 100, "2026-02-01", "a1")
    before = {"s": (balances(s), lots_of(s)), "a": (balances(a), lots_of(a))}
    record = merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual")

    unmerge(record_id=record.pk)

    assert {"s": (balances(s), lots_of(s)), "a": (balances(a), lots_of(a))} == before
    assert PointsAccount.objects.get(pk=a.pk).status == AccountStatus.ACTIVE
    assert MemberRole.objects.get(member=absorbed).status == RoleStatus.ACTIVE
    assert_ledger_ok()


def test_points_spent_while_merged_stay_spent_and_the_rest_goes_back(people, points, consumer):
    survivor, absorbed = people
    s, a = acct(survivor, points, consumer), acct(absorbed, points, consumer)
    give(s, 50, "2026-03-01", "s1")
    give(a, 100, "2026-01-01", "a1")  # expires first: spent first
    record = merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual")
    redeem(account=s, points=70, idempotency_key="r1", now=at("2026-04-01"))

    unmerge(record_id=record.pk)

    assert balances(a)[0] == 30 and balances(s)[0] == 50
    assert_ledger_ok()


def test_orders_returned_by_the_unmerge_take_their_points_along(people, points, consumer, make_rule):
    # given: after the merge the absorbed person's JD account places an order, earned by the survivor
    survivor, absorbed = people
    make_rule(points)
    record = merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual")
    order = Order.objects.create(channel="jd", external_no="JD-9", member=survivor, status="paid",
                                 paid_amount=Decimal("80.00"), paid_at=at("2026-05-01"),
                                 source_profile=SourceProfile.objects.get(external_id="j-1"))
    award_orders(order_ids=[order.pk], now=at("2026-05-01"))
    s = PointsAccount.objects.get(member=survivor)
    assert balances(s) == (80, 0, 80)

    # when
    unmerge(record_id=record.pk)

    # then the order and its 80 points are the absorbed person's again, and so is a later refund
    a = PointsAccount.objects.get(member=absorbed)
    assert balances(a) == (80, 0, 80) and balances(s) == (0, 0, 0)
    order.refresh_from_db()
    order.refunded_amount, order.status = Decimal("80.00"), "refunded"
    order.save()
    award_orders(order_ids=[order.pk], now=at("2026-05-10"))
    assert balances(a) == (0, 0, 0)
    assert_ledger_ok()


def test_a_refund_of_an_absorbed_persons_order_claws_back_from_the_copied_lot(people, points, consumer, make_rule):
    survivor, absorbed = people
    make_rule(points)
    order = Order.objects.create(channel="jd", external_no="JD-1", member=absorbed, status="paid",
                                 paid_amount=Decimal("100.00"), paid_at=at("2026-02-01"),
                                 source_profile=SourceProfile.objects.get(external_id="j-1"))
    award_orders(order_ids=[order.pk], now=at("2026-02-01"))
    merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual")
    s = PointsAccount.objects.get(member=survivor)

    order.refresh_from_db()
    order.refunded_amount, order.status = Decimal("40.00"), "partially_refunded"
    order.save()
    award_orders(order_ids=[order.pk], now=at("2026-02-10"))

    clawback = LedgerEntry.objects.get(kind=EntryKind.CLAWBACK)
    assert clawback.account_id == s.pk and clawback.amount == -40
    assert balances(s)[0] == 60
    assert_ledger_ok()


def test_the_same_order_never_earns_again_after_its_buyer_was_merged(people, points, consumer, make_rule):
    survivor, absorbed = people
    make_rule(points)
    order = Order.objects.create(channel="jd", external_no="JD-1", member=absorbed, status="paid",
                                 paid_amount=Decimal("100.00"), paid_at=at("2026-02-01"))
    award_orders(order_ids=[order.pk], now=at("2026-02-01"))
    merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual")

    result = award_orders(order_ids=[order.pk], now=at("2026-02-02"))

    assert result.earned_entries == 0
    assert balances(PointsAccount.objects.get(member=survivor))[0] == 100


def test_a_debt_moves_with_the_merge_and_comes_back_with_the_unmerge(people, points, consumer):
    survivor, absorbed = people
    s, a = acct(survivor, points, consumer), acct(absorbed, points, consumer)
    give(s, 50, "2026-01-01", "s1")
    adjust(account=a, points=-20, reason="退款欠款", now=at("2026-01-02"))
    before = (balances(s), lots_of(s), balances(a))

    record = merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual")
    assert balances(s)[0] == 30
    assert_ledger_ok()
    unmerge(record_id=record.pk)

    assert (balances(s), lots_of(s), balances(a)) == before
    assert_ledger_ok()


def test_a_survivor_in_debt_is_settled_from_the_absorbed_points_and_owes_again_after_unmerge(people, points,
                                                                                              consumer):
    survivor, absorbed = people
    s, a = acct(survivor, points, consumer), acct(absorbed, points, consumer)
    adjust(account=s, points=-20, reason="欠款", now=at("2026-01-02"))
    give(a, 100, "2026-01-01", "a1")
    before = (balances(s), balances(a), lots_of(a))

    record = merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual")
    assert balances(s)[0] == 80
    unmerge(record_id=record.pk)

    assert (balances(s), balances(a), lots_of(a)) == before
    assert_ledger_ok()


def test_the_survivor_gains_a_role_it_lacked_and_loses_it_on_unmerge(people, points, consumer):
    from loyalty.models import RoleType

    survivor, absorbed = people
    guide = RoleType.objects.get(code="guide")
    points.role_types.add(guide)
    a = open_account(member=absorbed, role_type=guide, account_type=points)
    give(a, 10, "2026-01-01", "g1")

    record = merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual")
    role = MemberRole.objects.get(member=survivor, role_type=guide)
    assert role.status == RoleStatus.ACTIVE and role.opened_by_merge_id == record.pk
    unmerge(record_id=record.pk)

    role.refresh_from_db()
    assert role.status == RoleStatus.ENDED
    assert balances(a)[0] == 10


def test_a_redemption_reversed_after_a_merge_goes_to_the_survivor_with_the_original_expiry(people, points,
                                                                                             consumer):
    from loyalty.services import reverse_redeem

    survivor, absorbed = people
    a = acct(absorbed, points, consumer)
    give(a, 100, "2026-01-01", "a1")
    spent = redeem(account=a, points=40, idempotency_key="r1", now=at("2026-01-05"))
    expiry = PointsLot.objects.get(account=a).expires_at
    merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual")
    s = PointsAccount.objects.get(member=survivor)

    reverse_redeem(entry=spent, now=at("2026-01-06"))

    assert balances(s)[0] == 100
    assert set(PointsLot.objects.filter(account=s, remaining__gt=0).values_list("expires_at", flat=True)) == {expiry}
    assert_ledger_ok()


def test_a_failing_loyalty_handler_rolls_the_merge_back(people, points, consumer, monkeypatch):
    from loyalty.services import merging as loyalty_merging
    from members.models import MemberStatus

    survivor, absorbed = people
    give(acct(absorbed, points, consumer), 10, "2026-01-01", "a1")
    monkeypatch.setattr(loyalty_merging, "_transfer", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))

    with pytest.raises(RuntimeError):
        merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual")

    absorbed.refresh_from_db()
    assert absorbed.status == MemberStatus.ACTIVE
