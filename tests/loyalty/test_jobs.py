"""Daily jobs (run_loyalty_jobs), the beat entry and verify_ledger."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from config.schedule import BEAT_SCHEDULE
from loyalty.models import EntryKind, JobName, JobRun, LedgerEntry, LotState, PointsAccount, PointsLot
from loyalty.services import adjust, earn, redeem
from loyalty.tasks import run_daily_loyalty_jobs_task
from tests.conftest import at

from .conftest import assert_ledger_ok, balances

pytestmark = pytest.mark.django_db


def run_jobs(day: str) -> str:
    out = StringIO()
    call_command("run_loyalty_jobs", "--date", day, stdout=out)
    return out.getvalue()


def snapshot():
    return (list(LedgerEntry.objects.values().order_by("pk")), list(PointsLot.objects.values().order_by("pk")),
            list(PointsAccount.objects.values("pk", "available", "pending", "lifetime_earned").order_by("pk")))


@pytest.fixture
def yearly(account):
    """An account with 100 points earned in 2025 (cleared at the end of 2026-12-31) and 50 earned in 2026."""
    acct = account(expiry_policy="yearly_clearing", clearing_month=12, clearing_day=31, clearing_keep_years=1)
    earn(account=acct, points=100, occurred_at=at("2025-05-01"), idempotency_key="e2025", now=at("2025-05-01"))
    earn(account=acct, points=50, occurred_at=at("2026-05-01"), idempotency_key="e2026", now=at("2026-05-01"))
    return acct


def test_the_job_for_12_31_keeps_last_years_points_and_the_job_for_01_01_clears_them(yearly):
    run_jobs("2026-12-31")
    assert balances(yearly)[0] == 150

    output = run_jobs("2027-01-01")

    assert balances(yearly)[0] == 50
    expire = LedgerEntry.objects.get(kind=EntryKind.EXPIRE)
    assert (expire.amount, expire.occurred_at) == (-100, at("2027-01-01", "00:00"))
    assert "积分过期" in output and "积分 100" in output
    assert_ledger_ok()


def test_expiry_removes_only_the_unspent_remainder(yearly):
    redeem(account=yearly, points=70, idempotency_key="r1", now=at("2026-06-01"))  # 70 of the 2025 lot

    run_jobs("2027-01-01")

    lot = PointsLot.objects.get(earned_at=at("2025-05-01"))
    assert (lot.remaining, lot.expired_amount) == (0, 30)
    assert balances(yearly)[0] == 50
    assert_ledger_ok()


def test_running_the_same_day_twice_changes_nothing_and_says_so(yearly):
    run_jobs("2027-01-01")
    before = snapshot()

    output = run_jobs("2027-01-01")

    assert snapshot() == before
    assert "已运行过" in output and "本次无变化" in output
    assert JobRun.objects.filter(business_date=date(2027, 1, 1), job=JobName.EXPIRE_LOTS).count() == 2


def test_pending_points_unlock_on_their_day(account):
    acct = account(pending_days=7)
    earn(account=acct, points=30, occurred_at=at("2026-03-01", "22:00"), idempotency_key="e1", now=at("2026-03-01"))

    run_jobs("2026-03-07")
    assert balances(acct) == (0, 30, 30)
    run_jobs("2026-03-08")

    assert balances(acct) == (30, 0, 30)
    assert PointsLot.objects.get().state == LotState.AVAILABLE
    assert LedgerEntry.objects.filter(kind=EntryKind.UNLOCK).count() == 1
    assert_ledger_ok()


def test_unlocking_into_debt_repays_the_debt_first(account):
    acct = account(pending_days=7, allow_negative=True)
    adjust(account=acct, points=-20, reason="测试欠款", now=at("2026-03-01"))
    earn(account=acct, points=30, occurred_at=at("2026-03-01"), idempotency_key="e1", now=at("2026-03-01"))

    run_jobs("2026-03-08")

    assert balances(acct) == (10, 0, 30)
    assert PointsLot.objects.get(entry__kind=EntryKind.EARN).remaining == 10
    assert_ledger_ok()


def test_a_pending_lot_past_its_expiry_expires_instead_of_unlocking(account):
    acct = account(pending_days=14, expiry_policy="fixed_date", fixed_expiry_date=date(2026, 3, 5))
    earn(account=acct, points=30, occurred_at=at("2026-03-01"), idempotency_key="e1", now=at("2026-03-01"))

    run_jobs("2026-03-20")

    assert balances(acct) == (0, 0, 30)
    assert LedgerEntry.objects.get(kind=EntryKind.EXPIRE).pending_delta == -30
    assert_ledger_ok()


def test_small_chunks_cover_every_account(account):
    accounts = [account(expiry_policy="days_after_earn", expiry_days=1) for _ in range(5)]
    for i, acct in enumerate(accounts):
        earn(account=acct, points=10 + i, occurred_at=at("2026-03-01"), idempotency_key="e", now=at("2026-03-01"))

    call_command("run_loyalty_jobs", "--date", "2026-03-03", "--chunk", "2", stdout=StringIO())

    assert [balances(a)[0] for a in accounts] == [0] * 5
    assert JobRun.objects.get(job=JobName.EXPIRE_LOTS).counts["points"] == sum(10 + i for i in range(5))


def test_a_bad_date_is_refused_in_chinese():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("run_loyalty_jobs", "--date", "2026/03/01")


def test_the_celery_task_runs_the_days_jobs_and_a_beat_entry_schedules_it(yearly):
    result = run_daily_loyalty_jobs_task.delay("2027-01-01").get()

    assert result["runs"][JobName.EXPIRE_LOTS]["points"] == 100
    entry = BEAT_SCHEDULE["loyalty.daily_jobs"]
    assert entry["task"] == "loyalty.tasks.run_daily_loyalty_jobs_task"
    assert entry["crontab"] == {"minute": "10", "hour": "0"}


def test_verify_ledger_passes_on_a_consistent_ledger(yearly):
    out = StringIO()

    call_command("verify_ledger", stdout=out)

    assert "账实一致" in out.getvalue()


def test_verify_ledger_exits_non_zero_naming_a_tampered_balance(yearly):
    PointsAccount.objects.filter(pk=yearly.pk).update(available=999)
    out = StringIO()

    with pytest.raises(CommandError, match="不一致"):
        call_command("verify_ledger", stdout=out)

    assert f"账户 #{yearly.pk}" in out.getvalue() and "可用余额 999 ≠ 流水合计 150" in out.getvalue()


def test_verify_ledger_catches_a_lot_whose_remainder_does_not_add_up(yearly):
    lot = PointsLot.objects.filter(account=yearly).first()
    PointsLot.objects.filter(pk=lot.pk).update(remaining=lot.remaining - 1)
    out = StringIO()

    with pytest.raises(CommandError):
        call_command("verify_ledger", stdout=out)

    assert f"批次 #{lot.pk}" in out.getvalue()


def test_verify_ledger_exits_with_status_1_as_a_shell_sees_it(yearly):
    from django.core.management import execute_from_command_line

    PointsAccount.objects.filter(pk=yearly.pk).update(pending=7)

    # the test database is invisible to a child process: run the command as manage.py does
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "verify_ledger"])

    assert exit_info.value.code == 1
