"""Daily jobs: expire lots and unlock pending points as of 00:00 Asia/Shanghai of a business date.

Yearly clearing and fixed-date expiry need no job of their own: every lot's `expires_at` is fixed
when it is earned, so `expire_lots` clears them on their day.

Set-based and chunked by account id ranges: per chunk one transaction locks the chunk's
accounts that have due lots (ascending id, the app's lock order) and one statement writes an
entry per account, updates its lots and its balances. Idempotent by state: a lot is due only
while it has a remainder past its expiry (or is pending past its time), so a second run the same
day finds nothing. Accounts in debt unlock through the per-account service instead: their
unlocked points repay the debt first (`ledger.unlock_now`).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone

from loyalty.calendar import local_date, start_of_day
from loyalty.hooks import points_posted
from loyalty.models import JobName, JobRun, JobStatus, LotState, PointsAccount, PointsLot

from .ledger import lock_accounts, save_balances, unlock_now

CHUNK_ACCOUNTS = 20_000

def _due_lots(alias: str = "") -> str:
    """The chunk's due lots. %(ids)s are its accounts with due lots, locked by the caller; %(low)s and
    %(high)s bound the range so the lots are read through the (account_id, …) partial index. One
    statement is one snapshot: the sums and the lot updates see exactly the same lots."""
    a = f"{alias}." if alias else ""
    return (f"{a}account_id >= %(low)s AND {a}account_id < %(high)s AND {a}account_id = ANY(%(ids)s) "
            f"AND {a}remaining > 0 AND {a}expires_at <= %(as_of)s")


EXPIRE_SQL = f"""
WITH sums AS (
    SELECT account_id,
           sum(CASE WHEN state = 'available' THEN remaining ELSE 0 END) AS available,
           sum(CASE WHEN state = 'pending' THEN remaining ELSE 0 END) AS pending
    FROM loyalty_pointslot WHERE {_due_lots()}
    GROUP BY account_id
),
entries AS (
    INSERT INTO loyalty_ledgerentry (account_id, kind, amount, pending_delta, lifetime_delta, unrecovered,
                                     idempotency_key, reason, actor_label, occurred_at, created_at)
    SELECT account_id, 'expire', -available, -pending, 0, 0, '', %(reason)s, 'expiry', %(as_of)s, %(now)s FROM sums
    RETURNING id, account_id, amount, pending_delta
),
lots AS (
    UPDATE loyalty_pointslot l
    SET expired_amount = l.expired_amount + l.remaining, remaining = 0, expire_entry_id = e.id
    FROM entries e
    WHERE e.account_id = l.account_id AND {_due_lots("l")}
    RETURNING 1
),
balances AS (
    UPDATE loyalty_pointsaccount a
    SET available = a.available + e.amount, pending = a.pending + e.pending_delta, updated_at = %(now)s
    FROM entries e WHERE a.id = e.account_id
    RETURNING 1
)
SELECT (SELECT count(*) FROM entries), (SELECT count(*) FROM lots),
       (SELECT coalesce(-sum(amount), 0) FROM entries), (SELECT coalesce(-sum(pending_delta), 0) FROM entries),
       (SELECT array_agg(account_id) FROM entries)
"""

PENDING_DUE = ("account_id >= %(low)s AND account_id < %(high)s AND account_id = ANY(%(ids)s) "
               "AND state = 'pending' AND available_at <= %(as_of)s")

UNLOCK_SQL = f"""
WITH sums AS (
    SELECT account_id, sum(remaining) AS points FROM loyalty_pointslot WHERE {PENDING_DUE} GROUP BY account_id
),
entries AS (
    INSERT INTO loyalty_ledgerentry (account_id, kind, amount, pending_delta, lifetime_delta, unrecovered,
                                     idempotency_key, reason, actor_label, occurred_at, created_at)
    SELECT account_id, 'unlock', points, -points, 0, 0, '', %(reason)s, 'unlock', %(as_of)s, %(now)s
    FROM sums WHERE points > 0
    RETURNING id, account_id, amount
),
lots AS (
    UPDATE loyalty_pointslot SET state = 'available' WHERE {PENDING_DUE} RETURNING 1
),
balances AS (
    UPDATE loyalty_pointsaccount a
    SET available = a.available + e.amount, pending = a.pending - e.amount, updated_at = %(now)s
    FROM entries e WHERE a.id = e.account_id
    RETURNING 1
)
SELECT (SELECT count(*) FROM entries), (SELECT count(*) FROM lots), (SELECT coalesce(sum(amount), 0) FROM entries), 0,
       (SELECT array_agg(account_id) FROM entries)
"""

DUE_ACCOUNTS_SQL = {
    "expire": "SELECT DISTINCT account_id FROM loyalty_pointslot WHERE account_id >= %s AND account_id < %s "
              "AND remaining > 0 AND expires_at <= %s",
    "unlock": "SELECT DISTINCT account_id FROM loyalty_pointslot WHERE account_id >= %s AND account_id < %s "
              "AND state = 'pending' AND available_at <= %s",
}


def _id_ranges(chunk: int):
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM loyalty_pointsaccount")
        low, high = cursor.fetchone()
    if low is None:
        return
    for start in range(low, high + 1, chunk):
        yield start, start + chunk


def _lock_due(kind: str, low: int, high: int, as_of: datetime, *, skip_debt: bool) -> list[int]:
    """Lock (ascending id) the accounts of the range with due lots; returns their ids."""
    debt = " AND available >= 0" if skip_debt else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM loyalty_pointsaccount WHERE id IN ({DUE_ACCOUNTS_SQL[kind]}){debt} ORDER BY id FOR UPDATE",
            [low, high, as_of],
        )
        return [row[0] for row in cursor.fetchall()]


def _run_set_based(kind: str, sql: str, as_of: datetime, counts: Counter, reason: str, chunk: int) -> None:
    for low, high in _id_ranges(chunk):
        with transaction.atomic():
            ids = _lock_due(kind, low, high, as_of, skip_debt=kind == "unlock")
            if not ids:
                continue
            with connection.cursor() as cursor:
                cursor.execute(sql, {"ids": ids, "low": low, "high": high, "as_of": as_of, "now": timezone.now(),
                                     "reason": reason})
                entries, lots, points, pending, account_ids = cursor.fetchone()
            counts.update(accounts=entries, lots=lots, points=int(points), pending_points=int(pending))
            points_posted.send_on_commit(account_ids=account_ids or [], kinds=[kind])  # one per chunk


def _unlock_in_debt(as_of: datetime, counts: Counter, chunk: int) -> None:
    """The due pending lots of accounts in debt, which the set-based unlock leaves: per account.
    (After the set-based pass, the accounts with due lots are nearly all in debt.)"""
    for low, high in _id_ranges(chunk):
        with transaction.atomic(), points_posted.batch():
            ids = _lock_due("unlock", low, high, as_of, skip_debt=False)
            for account in lock_accounts(ids).values():
                if account.available < 0:
                    _unlock_account(account, as_of, counts)


def _unlock_account(account: PointsAccount, as_of: datetime, counts: Counter) -> None:
    due = list(PointsLot.objects.filter(account_id=account.pk, state=LotState.PENDING, available_at__lte=as_of))
    if not due:
        return
    points = sum(lot.remaining for lot in due)
    if points:
        unlock_now(account, due, occurred_at=as_of)
        counts.update(accounts=1, points=points)
    else:
        PointsLot.objects.filter(pk__in=[lot.pk for lot in due]).update(state=LotState.AVAILABLE)
    counts.update(lots=len(due))
    save_balances(account)


def expire_lots(*, as_of: datetime, chunk: int = CHUNK_ACCOUNTS) -> dict:
    """Expire every lot's remainder whose expiry is at or before `as_of`; one expire entry per account."""
    counts: Counter = Counter()
    reason = f"到期过期（截至 {timezone.localtime(as_of):%Y-%m-%d %H:%M}）"
    _run_set_based("expire", EXPIRE_SQL, as_of, counts, reason, chunk)
    return dict(counts)


def unlock_pending(*, as_of: datetime, chunk: int = CHUNK_ACCOUNTS) -> dict:
    """Make pending lots whose time has come available; one unlock entry per account."""
    counts: Counter = Counter()
    reason = "待发放期满"
    _run_set_based("unlock", UNLOCK_SQL, as_of, counts, reason, chunk)
    _unlock_in_debt(as_of, counts, chunk)
    return dict(counts)


def review_levels(*, as_of: datetime, chunk: int = CHUNK_ACCOUNTS) -> dict:
    """The level review of the day (after the points jobs: a level may rank by points)."""
    from loyalty.levels.review import review_levels as review

    return review(on=local_date(as_of)).as_counts()


JOBS = [
    (JobName.EXPIRE_LOTS, expire_lots),  # first: a pending lot past its expiry expires instead of unlocking
    (JobName.UNLOCK_PENDING, unlock_pending),
    (JobName.REVIEW_LEVELS, review_levels),
]


def run_daily_jobs(*, business_date: date, triggered_by: str = "schedule", chunk: int = CHUNK_ACCOUNTS
                   ) -> list[JobRun]:
    """Run the day's jobs as of 00:00 Asia/Shanghai of `business_date`, each recorded as a JobRun."""
    as_of = start_of_day(business_date)
    runs = []
    for name, job in JOBS:
        run = JobRun.objects.create(job=name, business_date=business_date, as_of=as_of, triggered_by=triggered_by[:64])
        try:
            counts = job(as_of=as_of, chunk=chunk)
        except Exception as error:
            JobRun.objects.filter(pk=run.pk).update(status=JobStatus.FAILED, error=repr(error)[:2000],
                                                     finished_at=timezone.now())
            raise
        run.counts = {"accounts": 0, "lots": 0, "points": 0, **counts}
        run.status, run.finished_at = JobStatus.SUCCEEDED, timezone.now()
        run.save(update_fields=["counts", "status", "finished_at"])
        runs.append(run)
    return runs


def earlier_runs(run: JobRun) -> int:
    return JobRun.objects.filter(job=run.job, business_date=run.business_date, status=JobStatus.SUCCEEDED).exclude(
        pk=run.pk
    ).count()
