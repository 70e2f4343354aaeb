"""Earn, redeem, reverse, adjust: lots, allocations, idempotency, debt."""

import pytest

from loyalty.errors import AccountClosed, IdempotencyConflict, InsufficientPoints, LoyaltyError
from loyalty.models import EntryKind, LedgerEntry, LotAllocation, LotState, PointsLot
from loyalty.services import adjust, earn, redeem, reverse_redeem
from tests.conftest import at

from .conftest import assert_ledger_ok, balances

pytestmark = pytest.mark.django_db


def give(account, points, day, key=None, **kw):
    return earn(account=account, points=points, occurred_at=at(day), idempotency_key=key or f"k-{day}-{points}",
                now=kw.pop("now", at(day)), **kw)


def test_an_earn_writes_an_entry_and_a_lot_and_moves_the_balances(account):
    acct = account()

    entry = give(acct, 120, "2026-03-01")

    assert (entry.kind, entry.amount, entry.lifetime_delta) == (EntryKind.EARN, 120, 120)
    lot = PointsLot.objects.get(entry=entry)
    assert (lot.amount, lot.remaining, lot.state, lot.earn_entry_id) == (120, 120, LotState.AVAILABLE, entry.pk)
    assert balances(acct) == (120, 0, 120)
    assert_ledger_ok()


def test_the_same_idempotency_key_twice_earns_once(account):
    acct = account()

    first = give(acct, 50, "2026-03-01", key="api-1")
    second = give(acct, 50, "2026-03-01", key="api-1")

    assert second.pk == first.pk and second.replayed is True
    assert balances(acct) == (50, 0, 50)
    assert LedgerEntry.objects.filter(account=acct).count() == 1


def test_a_key_reused_for_a_different_amount_is_refused(account):
    acct = account()
    give(acct, 50, "2026-03-01", key="api-1")

    with pytest.raises(IdempotencyConflict, match="api-1"):
        give(acct, 60, "2026-03-01", key="api-1")


@pytest.mark.parametrize("points", [0, -5, 1.5, "10", True])
def test_earning_a_non_positive_or_non_integer_amount_is_refused_in_chinese(account, points):
    acct = account()

    with pytest.raises(LoyaltyError, match="积分必须"):
        earn(account=acct, points=points, occurred_at=at("2026-03-01"), idempotency_key="x")


def test_redeem_draws_nearest_expiry_first_then_never_expiring(account, make_type):
    # given: lots expiring at different times and one that never expires
    acct = account(expiry_policy="days_after_earn", expiry_days=30)
    never = give(acct, 100, "2026-01-01", key="never")
    PointsLot.objects.filter(entry=never).update(expires_at=None)
    late = give(acct, 100, "2026-02-01")
    soon = give(acct, 100, "2026-01-15")

    # when
    entry = redeem(account=acct, points=150, idempotency_key="r1", now=at("2026-02-05"))

    # then: the lot expiring first is used up, then the next one
    drawn = dict(LotAllocation.objects.filter(entry=entry).values_list("lot__entry_id", "amount"))
    assert drawn == {soon.pk: 100, late.pk: 50}
    assert balances(acct)[0] == 150
    assert_ledger_ok()


def test_equal_expiry_draws_the_oldest_first(account):
    acct = account(expiry_policy="fixed_date", fixed_expiry_date="2026-12-31")
    old = give(acct, 10, "2026-01-01")
    give(acct, 10, "2026-02-01")

    entry = redeem(account=acct, points=10, idempotency_key="r1", now=at("2026-03-01"))

    assert LotAllocation.objects.get(entry=entry).lot.entry_id == old.pk


def test_redeeming_more_than_available_is_refused_and_changes_nothing(account):
    acct = account()
    give(acct, 40, "2026-03-01")

    with pytest.raises(InsufficientPoints, match="需要 50，当前可用 40"):
        redeem(account=acct, points=50, idempotency_key="r1", now=at("2026-03-02"))

    assert balances(acct) == (40, 0, 40)
    assert not LedgerEntry.objects.filter(kind=EntryKind.REDEEM).exists()


def test_redeem_needs_an_idempotency_key(account):
    acct = account()
    give(acct, 40, "2026-03-01")

    with pytest.raises(LoyaltyError, match="幂等键"):
        redeem(account=acct, points=10, idempotency_key="")


def test_a_repeated_redeem_request_spends_once(account):
    acct = account()
    give(acct, 40, "2026-03-01")

    first = redeem(account=acct, points=30, idempotency_key="pos-77", now=at("2026-03-02"))
    again = redeem(account=acct, points=30, idempotency_key="pos-77", now=at("2026-03-02"))

    assert again.pk == first.pk and again.replayed
    assert balances(acct)[0] == 10


def test_a_reversal_gives_back_to_the_same_lots_with_their_expiry(account):
    # given a redemption drawn from two lots
    acct = account(expiry_policy="days_after_earn", expiry_days=30)
    a = give(acct, 60, "2026-01-01")
    b = give(acct, 60, "2026-01-10")
    spent = redeem(account=acct, points=100, idempotency_key="r1", now=at("2026-01-12"))

    # when
    reversal = reverse_redeem(entry=spent, now=at("2026-01-13"))

    # then
    assert reversal.amount == 100 and reversal.related_entry_id == spent.pk
    back = dict(LotAllocation.objects.filter(entry=reversal).values_list("lot__entry_id", "amount"))
    assert back == {a.pk: -60, b.pk: -40}
    assert sorted(PointsLot.objects.filter(account=acct).values_list("remaining", flat=True)) == [60, 60]
    assert balances(acct)[0] == 120
    assert_ledger_ok()


def test_reversing_twice_returns_the_first_reversal(account):
    acct = account()
    give(acct, 60, "2026-01-01")
    spent = redeem(account=acct, points=20, idempotency_key="r1", now=at("2026-01-02"))

    first = reverse_redeem(entry=spent, now=at("2026-01-03"))
    second = reverse_redeem(entry=spent, now=at("2026-01-03"))

    assert second.pk == first.pk and second.replayed
    assert balances(acct)[0] == 60


def test_only_a_redemption_can_be_reversed(account):
    acct = account()
    entry = give(acct, 60, "2026-01-01")

    with pytest.raises(LoyaltyError, match="只能撤销兑换"):
        reverse_redeem(entry=entry)


def test_points_given_back_to_a_lot_that_expired_meanwhile_expire_again(account):
    acct = account(expiry_policy="days_after_earn", expiry_days=10)
    give(acct, 50, "2026-01-01")
    spent = redeem(account=acct, points=50, idempotency_key="r1", now=at("2026-01-05"))

    reverse_redeem(entry=spent, now=at("2026-02-01"))

    assert balances(acct)[0] == 0
    assert list(LedgerEntry.objects.filter(account=acct).values_list("kind", flat=True).order_by("pk"))[-2:] == [
        EntryKind.REVERSAL, EntryKind.EXPIRE]
    assert_ledger_ok()


def test_adjust_needs_a_reason(account):
    acct = account()

    with pytest.raises(LoyaltyError, match="原因"):
        adjust(account=acct, points=10, reason="  ")


def test_a_positive_adjustment_credits_a_lot_and_lifetime(account):
    acct = account()

    entry = adjust(account=acct, points=25, reason="客诉补偿")

    assert PointsLot.objects.get(entry=entry).remaining == 25
    assert balances(acct) == (25, 0, 25)
    assert_ledger_ok()


def test_a_negative_adjustment_beyond_the_balance_is_refused_without_debt(account):
    acct = account()
    give(acct, 10, "2026-01-01")

    with pytest.raises(InsufficientPoints):
        adjust(account=acct, points=-20, reason="误发", now=at("2026-01-02"))


def test_a_negative_adjustment_beyond_the_balance_becomes_debt_that_the_next_earn_repays(account):
    # given
    acct = account(allow_negative=True)
    give(acct, 10, "2026-01-01")
    adjust(account=acct, points=-30, reason="误发", now=at("2026-01-02"))
    assert balances(acct)[0] == -20

    # when
    entry = give(acct, 50, "2026-01-03")

    # then: the new lot repaid the debt first
    assert balances(acct)[0] == 30
    lot = PointsLot.objects.get(entry=entry)
    assert lot.remaining == 30
    assert LotAllocation.objects.get(entry=entry, lot=lot).amount == 20
    assert_ledger_ok()


def test_a_merged_account_refuses_new_movements(account, member):
    from loyalty.models import AccountStatus, PointsAccount

    acct, other = account(), account()
    PointsAccount.objects.filter(pk=acct.pk).update(status=AccountStatus.MERGED, merged_into=other)

    with pytest.raises(AccountClosed, match="并入"):
        give(acct, 10, "2026-01-01")


def test_a_plain_earn_and_redeem_are_one_round_trip_each(account, django_assert_num_queries):
    acct = account()
    give(acct, 10, "2026-03-01", key="warm-up")  # loads the account types the fast path keeps in memory

    with django_assert_num_queries(1):
        give(acct, 50, "2026-03-02", key="fast-earn")
    with django_assert_num_queries(1):
        redeem(account=acct, points=30, idempotency_key="fast-redeem", now=at("2026-03-03"))

    assert balances(acct) == (30, 0, 60)
    assert_ledger_ok()


def test_the_fast_path_notices_a_changed_account_type(account):
    from loyalty.models import PointsAccountType

    acct = account(expiry_policy="days_after_earn", expiry_days=10)
    give(acct, 10, "2026-03-01", key="a")
    PointsAccountType.objects.filter(pk=acct.account_type_id).update(expiry_days=1)  # bypasses save()

    entry = give(acct, 10, "2026-03-01", key="b")

    assert entry.created_lots.get().expires_at == at("2026-03-03", "00:00")


def test_a_spend_right_after_pending_points_repay_a_debt_draws_each_point_once(account):
    # found by the state machine: the unlock repaid the debt from freshly read lots, and the
    # deduction then drew again from a stale copy of the same lot
    acct = account(pending_days=2, allow_negative=True)
    adjust(account=acct, points=-66, reason="欠款", now=at("2026-03-01"))
    give(acct, 1, "2026-03-01", key="small")

    adjust(account=acct, points=-1, reason="再扣", now=at("2026-03-03", "02:00"))

    assert balances(acct) == (-66, 0, 1)
    assert_ledger_ok()
