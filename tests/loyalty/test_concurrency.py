"""Concurrent spends, earns and jobs on PostgreSQL with real threads (each its own connection)."""

import random
from decimal import Decimal

import pytest

from loyalty.errors import InsufficientPoints
from loyalty.models import EntryKind, LedgerEntry, PointsAccount
from loyalty.services import award_orders, earn, expire_lots, redeem
from tests.conftest import at, in_thread, join_all, start_together

from .conftest import assert_ledger_ok, balances

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_concurrently(jobs):
    """Start every job at once (barrier); returns (results, unexpected errors). Fails the test
    if a job never finishes."""
    results, errors, barrier = [], [], start_together(len(jobs))

    def start(n, job):
        def work():
            barrier.wait()
            results.append(job())

        return in_thread(work, errors, name=f"job-{n}-{getattr(job, '__name__', 'job')}")

    join_all([start(n, job) for n, job in enumerate(jobs)], timeout=120)
    return results, errors


def attempt_redeem(account_id, points, key, now):
    def job():
        try:
            redeem(account=PointsAccount(pk=account_id), points=points, idempotency_key=key, now=now)
            return "ok"
        except InsufficientPoints:
            return "insufficient"

    return job


def test_fifty_concurrent_redeems_never_overdraw_and_none_is_lost(account):
    # given 1,000 points in ten lots
    acct = account(expiry_policy="days_after_earn", expiry_days=100)
    for i in range(10):
        earn(account=acct, points=100, occurred_at=at(f"2026-03-{i + 1:02d}"), idempotency_key=f"e{i}",
             now=at("2026-03-20"))

    # when 50 redemptions of 30 points race for it
    jobs = [attempt_redeem(acct.pk, 30, f"r{i}", at("2026-03-21")) for i in range(50)]
    results, errors = run_concurrently(jobs)

    # then exactly as many succeeded as the balance allows, each written once
    assert errors == []
    assert results.count("ok") == 33 and results.count("insufficient") == 17
    assert balances(acct)[0] == 1000 - 33 * 30
    assert LedgerEntry.objects.filter(kind=EntryKind.REDEEM).count() == 33
    assert_ledger_ok()


def test_the_same_redeem_sent_fifty_times_at_once_spends_once(account):
    acct = account()
    earn(account=acct, points=100, occurred_at=at("2026-03-01"), idempotency_key="e", now=at("2026-03-01"))

    results, errors = run_concurrently([attempt_redeem(acct.pk, 30, "same-key", at("2026-03-02"))] * 50)

    assert errors == [] and results.count("ok") == 50
    assert balances(acct)[0] == 70
    assert LedgerEntry.objects.filter(kind=EntryKind.REDEEM).count() == 1


def test_concurrent_earns_redeems_and_the_expiry_job_keep_the_ledger_exact(account):
    # given an account with points that expire at the end of 03-10 and points that do not yet
    acct = account(expiry_policy="days_after_earn", expiry_days=9)
    earn(account=acct, points=500, occurred_at=at("2026-03-01"), idempotency_key="old", now=at("2026-03-01"))
    now = at("2026-03-11", "00:05")
    rng = random.Random(7)

    def earner(i):
        return lambda: earn(account=PointsAccount(pk=acct.pk), points=10, occurred_at=at("2026-03-10"),
                            idempotency_key=f"new{i}", now=now) and "earned"

    def job():
        return expire_lots(as_of=at("2026-03-11"))

    jobs = [earner(i) for i in range(20)] + [attempt_redeem(acct.pk, 15, f"r{i}", now) for i in range(20)] + [job] * 3
    rng.shuffle(jobs)

    # when they all run at once
    results, errors = run_concurrently(jobs)

    # then the 500 old points expired exactly once (lazily or by the job) and nothing else was lost
    assert errors == []
    expired = -sum(LedgerEntry.objects.filter(kind=EntryKind.EXPIRE).values_list("amount", flat=True))
    redeemed = -sum(LedgerEntry.objects.filter(kind=EntryKind.REDEEM).values_list("amount", flat=True))
    assert expired == 500
    assert balances(acct)[0] == 500 + 20 * 10 - expired - redeemed
    assert redeemed == 15 * results.count("ok")
    assert_ledger_ok()


def test_the_same_orders_awarded_from_two_imports_at_once_earn_once(member, make_type, make_rule, make_order):
    points = make_type(name="积分")
    make_rule(points)
    buyers = [member() for _ in range(5)]
    orders = [make_order(buyer, paid=Decimal("10.00") + i) for i, buyer in enumerate(buyers * 4)]
    ids = [o.pk for o in orders]

    results, errors = run_concurrently([lambda: award_orders(order_ids=ids, source="import:a"),
                                        lambda: award_orders(order_ids=list(reversed(ids)), source="import:b")])

    assert errors == []
    assert sum(r.earned_entries for r in results) == len(orders)
    assert LedgerEntry.objects.filter(kind=EntryKind.EARN).count() == len(orders)
    assert_ledger_ok()
