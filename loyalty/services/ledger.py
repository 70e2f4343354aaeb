"""Ledger primitives shared by the services: locks, entries, lots and allocations.

Rules every caller keeps:
- lock the account row(s) first (`lock_accounts`, ascending id) and touch lots only under that lock;
- write movements with `post` (a new entry, never an update) and finish with `save_balances`;
- after any change, Σ remaining of available lots == max(available, 0) and Σ remaining of pending
  lots == pending (`reconcile` restores the first after debt-related moves).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from loyalty.errors import AccountClosed
from loyalty.hooks import points_posted
from loyalty.models import (
    AccountStatus,
    EntryKind,
    LedgerEntry,
    LotAllocation,
    LotState,
    PointsAccount,
    PointsLot,
)
from loyalty.policies import expires_at_for


def actor_fields(actor, actor_label: str) -> dict:
    if actor is not None:
        return {"actor": actor, "actor_label": actor.get_username() or actor_label}
    return {"actor": None, "actor_label": actor_label or "system"}


def lock_accounts(ids: Iterable[int]) -> dict[int, PointsAccount]:
    """Row-lock accounts in ascending id order (the one lock order of the whole app)."""
    ordered = sorted(set(ids))
    if not ordered:
        return {}
    rows = (
        PointsAccount.objects.select_for_update(of=("self",))
        .select_related("account_type")
        .filter(pk__in=ordered)
        .order_by("pk")
    )
    return {row.pk: row for row in rows}


def lock_account(account: PointsAccount | int, *, allow_merged: bool = False) -> PointsAccount:
    pk = getattr(account, "pk", account)
    locked = lock_accounts([pk]).get(pk)
    if locked is None:
        raise AccountClosed("积分账户不存在。")
    if locked.status == AccountStatus.MERGED and not allow_merged:
        raise merged_error(locked.account_type.name, locked.merged_into_id)
    return locked


def merged_error(type_name: str, merged_into_id: int | None) -> AccountClosed:
    return AccountClosed(f"该{type_name}账户已随会员合并并入账户 #{merged_into_id}，请对保留方的账户操作。")


def post(
    account: PointsAccount,
    *,
    kind: str,
    occurred_at: datetime,
    amount: int = 0,
    pending_delta: int = 0,
    lifetime_delta: int = 0,
    unrecovered: int = 0,
    order_id: int | None = None,
    rule_id: int | None = None,
    related_entry_id: int | None = None,
    merge_record_id: int | None = None,
    idempotency_key: str = "",
    reason: str = "",
    actor=None,
    actor_label: str = "system",
) -> LedgerEntry:
    """Append one entry and move the (locked, in-memory) account's balances by its deltas; announced
    after the commit (loyalty.hooks), merged into one send per service call by its batch."""
    entry = LedgerEntry.objects.create(
        account=account, kind=kind, amount=amount, pending_delta=pending_delta, lifetime_delta=lifetime_delta,
        unrecovered=unrecovered, order_id=order_id, rule_id=rule_id, related_entry_id=related_entry_id,
        merge_record_id=merge_record_id, idempotency_key=idempotency_key, reason=reason[:255],
        occurred_at=occurred_at, **actor_fields(actor, actor_label),
    )
    account.available += amount
    account.pending += pending_delta
    account.lifetime_earned += lifetime_delta
    points_posted.send_on_commit(account_ids=[account.pk], kinds=[str(kind)])
    return entry


def save_balances(*accounts: PointsAccount) -> None:
    now = timezone.now()
    for account in accounts:
        PointsAccount.objects.filter(pk=account.pk).update(
            available=account.available, pending=account.pending, lifetime_earned=account.lifetime_earned,
            updated_at=now,
        )


def consumption_order(lot: PointsLot) -> tuple:
    """Nearest expiry first (never-expiring last), then the oldest, then the first written."""
    return (lot.expires_at is None, lot.expires_at or lot.earned_at, lot.earned_at, lot.pk)


def open_lots(account: PointsAccount) -> list[PointsLot]:
    """Every lot of the account with something left (available and pending), in consumption order."""
    lots = list(PointsLot.objects.filter(account_id=account.pk, remaining__gt=0))
    lots.sort(key=consumption_order)
    return lots


def available_lots(account: PointsAccount) -> list[PointsLot]:
    return [lot for lot in open_lots(account) if lot.state == LotState.AVAILABLE]


def consume(entry: LedgerEntry, lots: list[PointsLot], points: int) -> int:
    """Draw up to `points` from the lots in the given order; records allocations. Returns what was drawn."""
    left, allocations, changed = points, [], []
    for lot in lots:
        if left <= 0:
            break
        take = min(lot.remaining, left)
        if take <= 0:
            continue
        lot.remaining -= take
        left -= take
        allocations.append(LotAllocation(entry=entry, lot=lot, amount=take))
        changed.append(lot)
    LotAllocation.objects.bulk_create(allocations)
    save_remaining(changed)
    return points - left


def save_remaining(lots: list[PointsLot]) -> None:
    if len(lots) == 1:
        PointsLot.objects.filter(pk=lots[0].pk).update(remaining=lots[0].remaining)
    elif lots:
        PointsLot.objects.bulk_update(lots, ["remaining"])


def new_lot(
    account: PointsAccount,
    *,
    entry: LedgerEntry,
    amount: int,
    earned_at: datetime,
    expires_at: datetime | None,
    state: str = LotState.AVAILABLE,
    available_at: datetime | None = None,
    earn_entry_id: int | None = None,
    origin_lot: PointsLot | None = None,
) -> PointsLot:
    """An unsaved lot; `earn_entry_id` defaults to `entry` (points credited here for the first time)."""
    return PointsLot(
        account=account, entry=entry, earn_entry_id=earn_entry_id or entry.pk, origin_lot=origin_lot, amount=amount,
        remaining=amount, state=state, earned_at=earned_at, available_at=available_at, expires_at=expires_at,
    )


def copy_lots(lots: list[PointsLot], *, source_entry: LedgerEntry, target: PointsAccount,
              target_entry: LedgerEntry) -> list[PointsLot]:
    """Move the remainder of each lot into a new lot on `target`, keeping earn time, availability and expiry.

    The source lots are consumed by `source_entry` (allocations); the copies point back to them
    (`origin_lot`) and to the original earn entry, so refunds and unmerges still find them.
    """
    copies = [
        new_lot(target, entry=target_entry, amount=lot.remaining, earned_at=lot.earned_at, expires_at=lot.expires_at,
                state=lot.state, available_at=lot.available_at, earn_entry_id=lot.earn_entry_id, origin_lot=lot)
        for lot in lots if lot.remaining > 0
    ]
    PointsLot.objects.bulk_create(copies)
    LotAllocation.objects.bulk_create(
        [LotAllocation(entry=source_entry, lot=lot, amount=lot.remaining) for lot in lots if lot.remaining > 0]
    )
    for lot in lots:
        lot.remaining = 0
    save_remaining(lots)
    return copies


def catch_up(account: PointsAccount, now: datetime, *, lots: list[PointsLot] | None = None) -> list[PointsLot]:
    """Expire the account's lots past their expiry and unlock pending lots that are due, as the daily
    jobs would; returns the lots still open afterwards (consumption order). Lazily run before a
    spend so nothing expired is ever spent, whether or not tonight's job has run yet."""
    lots = open_lots(account) if lots is None else lots
    due = [lot for lot in lots if lot.expires_at is not None and lot.expires_at <= now]
    if due:
        expire_now(account, due, occurred_at=now, reason="到期自动过期")
    unlockable = [lot for lot in lots if lot.remaining > 0 and lot.state == LotState.PENDING
                  and lot.available_at is not None and lot.available_at <= now]
    if unlockable:
        unlock_now(account, unlockable, occurred_at=now)
        return open_lots(account)  # repaying a debt (reconcile) drew from freshly read lots
    return [lot for lot in lots if lot.remaining > 0]


def expire_now(account: PointsAccount, lots: list[PointsLot], *, occurred_at: datetime, reason: str) -> LedgerEntry:
    available = sum(lot.remaining for lot in lots if lot.state == LotState.AVAILABLE)
    pending = sum(lot.remaining for lot in lots if lot.state == LotState.PENDING)
    entry = post(account, kind=EntryKind.EXPIRE, amount=-available, pending_delta=-pending, occurred_at=occurred_at,
                 reason=reason, actor_label="expiry")
    for lot in lots:
        lot.expired_amount += lot.remaining
        lot.remaining = 0
        lot.expire_entry = entry
    PointsLot.objects.bulk_update(lots, ["remaining", "expired_amount", "expire_entry"])
    return entry


def unlock_now(account: PointsAccount, lots: list[PointsLot], *, occurred_at: datetime) -> LedgerEntry:
    points = sum(lot.remaining for lot in lots)
    was_in_debt = account.available < 0
    entry = post(account, kind=EntryKind.UNLOCK, amount=points, pending_delta=-points, occurred_at=occurred_at,
                 reason="待发放期满", actor_label="unlock")
    for lot in lots:
        lot.state = LotState.AVAILABLE
    PointsLot.objects.bulk_update(lots, ["state"])
    if was_in_debt:
        reconcile(account, entry, occurred_at)
    return entry


def reconcile(account: PointsAccount, entry: LedgerEntry, now: datetime) -> None:
    """Make the available lots add up to max(available, 0) again after a debt-related move.

    More points in lots than available → a debt is being repaid: draw the excess (nearest expiry
    first) under `entry`. Fewer → points came back without lots (a debt returned on unmerge):
    the gap becomes a lot under `entry` with the account type's expiry from now.
    """
    lots = [lot for lot in open_lots(account) if lot.state == LotState.AVAILABLE]
    held = sum(lot.remaining for lot in lots)
    target = max(account.available, 0)
    if held > target:
        consume(entry, lots, held - target)
    elif held < target:
        gap = new_lot(account, entry=entry, amount=target - held, earned_at=now,
                      expires_at=expires_at_for(account.account_type, now))
        gap.save()

