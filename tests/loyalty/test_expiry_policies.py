"""Expiry and pending policies, computed on the Asia/Shanghai calendar."""

from datetime import UTC, date, datetime

import pytest

from loyalty.errors import InsufficientPoints
from loyalty.models import EntryKind, LedgerEntry, LotState, PointsAccountType
from loyalty.policies import available_at_for, expires_at_for
from loyalty.services import earn, redeem
from tests.conftest import at

from .conftest import assert_ledger_ok, balances


def policy(**fields) -> PointsAccountType:
    return PointsAccountType(code="x", name="积分", **fields)


def test_never_expires():
    assert expires_at_for(policy(expiry_policy="never"), at("2026-05-01")) is None


def test_days_after_earn_runs_to_the_end_of_the_nth_day_in_shanghai():
    # earned 2026-01-01 00:30 Shanghai (= 2025-12-31 16:30 UTC): the earn day is Shanghai's 01-01
    earned = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)

    expires = expires_at_for(policy(expiry_policy="days_after_earn", expiry_days=30), earned)

    assert expires == at("2026-02-01", "00:00")
    assert expires == datetime(2026, 1, 31, 16, 0, tzinfo=UTC)


def test_yearly_clearing_clears_last_years_points_at_the_end_of_12_31():
    yearly = policy(expiry_policy="yearly_clearing", clearing_month=12, clearing_day=31, clearing_keep_years=1)

    assert expires_at_for(yearly, at("2025-01-01", "00:00")) == at("2027-01-01", "00:00")
    assert expires_at_for(yearly, at("2025-12-31", "23:59")) == at("2027-01-01", "00:00")
    assert expires_at_for(yearly, at("2026-01-01", "00:00")) == at("2028-01-01", "00:00")


def test_yearly_clearing_uses_the_shanghai_year_not_utc():
    yearly = policy(expiry_policy="yearly_clearing", clearing_month=12, clearing_day=31, clearing_keep_years=1)
    # 2025-12-31 17:00 UTC is already 2026-01-01 01:00 in Shanghai: earned in 2026
    assert expires_at_for(yearly, datetime(2025, 12, 31, 17, 0, tzinfo=UTC)) == at("2028-01-01", "00:00")


def test_yearly_clearing_with_k_0_waits_for_the_next_clearing_day_when_earned_after_it():
    midyear = policy(expiry_policy="yearly_clearing", clearing_month=6, clearing_day=30, clearing_keep_years=0)

    assert expires_at_for(midyear, at("2026-03-01")) == at("2026-07-01", "00:00")
    assert expires_at_for(midyear, at("2026-08-01")) == at("2027-07-01", "00:00")


def test_yearly_clearing_on_02_29_falls_back_to_02_28_in_a_common_year():
    leap = policy(expiry_policy="yearly_clearing", clearing_month=2, clearing_day=29, clearing_keep_years=1)

    assert expires_at_for(leap, at("2027-03-01")) == at("2028-03-01", "00:00")  # 2028-02-29 exists
    assert expires_at_for(leap, at("2025-03-01")) == at("2026-03-01", "00:00")  # end of 2026-02-28


def test_fixed_date_expires_at_the_end_of_that_day():
    fixed = policy(expiry_policy="fixed_date", fixed_expiry_date=date(2026, 12, 31))

    assert expires_at_for(fixed, at("2026-05-01")) == at("2027-01-01", "00:00")


def test_pending_days_start_at_shanghai_midnight_of_the_earn_day():
    # 23:30 Shanghai on 03-01 with 7 pending days → available from 03-08 00:00 Shanghai
    assert available_at_for(at("2026-03-01", "23:30"), 7) == at("2026-03-08", "00:00")
    assert available_at_for(at("2026-03-01"), 0) is None


@pytest.mark.django_db
@pytest.mark.parametrize(("moment", "spendable"), [("23:59:59", True), ("00:00:00", False)])
def test_year_end_boundary_points_are_spendable_until_235959_and_gone_at_000000(account, moment, spendable):
    # given 100 points earned in 2025 on a "12-31 clears last year's points" account
    acct = account(expiry_policy="yearly_clearing", clearing_month=12, clearing_day=31, clearing_keep_years=1)
    earn(account=acct, points=100, occurred_at=at("2025-06-01"), idempotency_key="e1", now=at("2025-06-01"))
    now = at("2026-12-31", moment) if spendable else at("2027-01-01", moment)

    # when / then
    if spendable:
        redeem(account=acct, points=100, idempotency_key="r1", now=now)
        assert balances(acct)[0] == 0
        assert not LedgerEntry.objects.filter(kind=EntryKind.EXPIRE).exists()
    else:
        with pytest.raises(InsufficientPoints):
            redeem(account=acct, points=100, idempotency_key="r1", now=now)


@pytest.mark.django_db
def test_days_after_earn_boundary_in_shanghai(account):
    acct = account(expiry_policy="days_after_earn", expiry_days=1)
    earn(account=acct, points=10, occurred_at=at("2026-03-01", "08:00"), idempotency_key="e1", now=at("2026-03-01"))

    redeem(account=acct, points=5, idempotency_key="r1", now=at("2026-03-02", "23:59:59"))
    with pytest.raises(InsufficientPoints):
        redeem(account=acct, points=5, idempotency_key="r2", now=at("2026-03-03", "00:00:00"))


@pytest.mark.django_db
def test_pending_points_are_not_spendable_until_their_day(account):
    acct = account(pending_days=7)
    earn(account=acct, points=30, occurred_at=at("2026-03-01"), idempotency_key="e1", now=at("2026-03-01"))
    assert balances(acct) == (0, 30, 30)

    with pytest.raises(InsufficientPoints):
        redeem(account=acct, points=30, idempotency_key="r1", now=at("2026-03-07", "23:59:59"))
    entry = redeem(account=acct, points=30, idempotency_key="r2", now=at("2026-03-08", "00:00:00"))

    assert entry.amount == -30
    assert list(LedgerEntry.objects.filter(account=acct).values_list("kind", flat=True).order_by("pk")) == [
        EntryKind.EARN, EntryKind.UNLOCK, EntryKind.REDEEM]
    assert_ledger_ok()


@pytest.mark.django_db
def test_an_old_order_past_its_pending_days_earns_available_points_at_once(account):
    acct = account(pending_days=7)

    entry = earn(account=acct, points=30, occurred_at=at("2026-01-01"), idempotency_key="e1", now=at("2026-03-01"))

    assert entry.created_lots.get().state == LotState.AVAILABLE
    assert balances(acct) == (30, 0, 30)


@pytest.mark.django_db
def test_account_type_validation_explains_each_missing_setting():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as days:
        policy(expiry_policy="days_after_earn").clean()
    with pytest.raises(ValidationError) as yearly:
        policy(expiry_policy="yearly_clearing", clearing_month=2, clearing_day=30).clean()
    with pytest.raises(ValidationError) as fixed:
        policy(expiry_policy="fixed_date").clean()

    assert "有效天数" in str(days.value)
    assert "2 月没有 30 日" in str(yearly.value)
    assert "固定过期日" in str(fixed.value)
