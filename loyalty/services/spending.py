"""Spending points: redeem (nearest expiry first), reverse a redemption, manual adjustments."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from loyalty.errors import InsufficientPoints, LoyaltyError
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

from . import fast_path
from .earning import check_points, credit_lot, find_replay, replayed
from .ledger import (
    actor_fields,
    catch_up,
    consume,
    lock_account,
    new_lot,
    post,
    reconcile,
    save_balances,
    save_remaining,
)


def _available_only(lots: list[PointsLot]) -> list[PointsLot]:
    return [lot for lot in lots if lot.state == LotState.AVAILABLE and lot.remaining > 0]


def _insufficient(account: PointsAccount, points: int) -> InsufficientPoints:
    name = account.account_type.name
    return InsufficientPoints(f"可用{name}不足：本次需要 {points}，当前可用 {max(account.available, 0)}。")


def redeem(
    *,
    account: PointsAccount,
    points: int,
    idempotency_key: str,
    reason: str = "",
    actor=None,
    actor_label: str = "system",
    now: datetime | None = None,
) -> LedgerEntry:
    """Spend `points`: lots nearest expiry first (never-expiring last), then the oldest.

    Lots past their expiry are expired first (whether or not tonight's job has run), so an
    expired point is never spent. Same key again returns the first redemption (`replayed`).
    """
    check_points(points)
    if not idempotency_key:
        raise LoyaltyError("兑换需要幂等键（Idempotency-Key），以免重复扣减。")
    now = now or timezone.now()
    entry = fast_path.redeem(account_id=account.pk, points=points, key=idempotency_key, reason=reason,
                             actor_id=getattr(actor, "pk", None),
                             actor_label=actor_fields(actor, actor_label)["actor_label"], now=now)
    if entry is not None:
        entry.replayed = False
        points_posted.send_on_commit(account_ids=[entry.account_id], kinds=[str(entry.kind)])
        return entry
    with transaction.atomic(), points_posted.batch():
        return _redeem(account, points, idempotency_key, reason, actor, actor_label, now)


def _redeem(account, points, idempotency_key, reason, actor, actor_label, now):
    account = lock_account(account)
    existing = find_replay(account, idempotency_key, kind=EntryKind.REDEEM, amount=-points)
    if existing is not None:
        return existing
    lots = catch_up(account, now)
    if account.available < points:
        raise _insufficient(account, points)
    entry = post(account, kind=EntryKind.REDEEM, amount=-points, occurred_at=now, idempotency_key=idempotency_key,
                 reason=reason, actor=actor, actor_label=actor_label)
    if consume(entry, _available_only(lots), points) != points:
        raise LoyaltyError("账户余额与积分批次不一致，已拒绝兑换；请运行 manage.py verify_ledger 检查。")
    save_balances(account)
    return entry


def _current_account(account_id: int) -> int:
    """Follow merges: the active account that now holds an account's points."""
    seen = set()
    while account_id not in seen:
        seen.add(account_id)
        merged_into = PointsAccount.objects.filter(pk=account_id, status=AccountStatus.MERGED).values_list(
            "merged_into_id", flat=True
        ).first()
        if merged_into is None:
            return account_id
        account_id = merged_into
    raise LoyaltyError("账户合并链出现循环。")


@transaction.atomic
@points_posted.batch()
def reverse_redeem(
    *,
    entry: LedgerEntry,
    reason: str = "",
    actor=None,
    actor_label: str = "system",
    now: datetime | None = None,
) -> LedgerEntry:
    """Give a redemption back to the very lots it drew from, with their original expiry.

    If the member was merged since, the points go to the survivor's account as lots with the
    original expiry. Points whose lot has expired meanwhile expire again at once. Reversing twice
    returns the first reversal (`replayed`).
    """
    if entry.kind != EntryKind.REDEEM:
        raise LoyaltyError(f"只能撤销兑换流水，这笔是「{entry.get_kind_display()}」。")
    now = now or timezone.now()
    account = lock_account(_current_account(entry.account_id))
    existing = LedgerEntry.objects.filter(kind=EntryKind.REVERSAL, related_entry_id=entry.pk).first()
    if existing is not None:
        return replayed(existing)
    was_in_debt = account.available < 0
    reversal = post(
        account, kind=EntryKind.REVERSAL, amount=-entry.amount, occurred_at=now, related_entry_id=entry.pk,
        idempotency_key=f"reversal:{entry.pk}", reason=reason or f"撤销兑换 #{entry.pk}", actor=actor,
        actor_label=actor_label,
    )
    allocations = list(LotAllocation.objects.filter(entry=entry).select_related("lot").order_by("pk"))
    given_back, copies, changed = [], [], []
    for allocation in allocations:
        lot = allocation.lot
        if lot.account_id == account.pk:
            lot.remaining += allocation.amount
            given_back.append(LotAllocation(entry=reversal, lot=lot, amount=-allocation.amount))
            changed.append(lot)
        else:  # the redemption's account was merged into this one
            copies.append(new_lot(account, entry=reversal, amount=allocation.amount, earned_at=lot.earned_at,
                                  expires_at=lot.expires_at, earn_entry_id=lot.earn_entry_id, origin_lot=lot))
    LotAllocation.objects.bulk_create(given_back)
    save_remaining(changed)
    PointsLot.objects.bulk_create(copies)
    catch_up(account, now)
    if was_in_debt:
        reconcile(account, reversal, now)
    save_balances(account)
    return reversal


@transaction.atomic
@points_posted.batch()
def adjust(
    *,
    account: PointsAccount,
    points: int,
    reason: str,
    actor=None,
    actor_label: str = "admin",
    idempotency_key: str = "",
    now: datetime | None = None,
) -> LedgerEntry:
    """A manual correction with a mandatory reason: positive credits a lot (the type's expiry from
    now, counted in lifetime earned), negative deducts nearest expiry first; beyond the balance it
    becomes debt where the type allows it, else it is refused."""
    if isinstance(points, bool) or not isinstance(points, int) or points == 0:
        raise LoyaltyError("调整数量必须是非零整数（正数加、负数减）。")
    reason = (reason or "").strip()
    if not reason:
        raise LoyaltyError("手工调整必须填写原因。")
    now = now or timezone.now()
    account = lock_account(account)
    existing = find_replay(account, idempotency_key, kind=EntryKind.ADJUST, amount=points)
    if existing is not None:
        return existing
    if points > 0:
        if not account.account_type.active:
            raise LoyaltyError(f"积分类型「{account.account_type}」已停用，不能加分。")
        if account.available < 0:
            catch_up(account, now)  # repay a debt from points already due first, as an earn does
        entry = post(account, kind=EntryKind.ADJUST, amount=points, lifetime_delta=points, occurred_at=now,
                     idempotency_key=idempotency_key, reason=reason, actor=actor, actor_label=actor_label)
        credit_lot(account, entry, points, now=now)
        save_balances(account)
        return entry
    wanted = -points
    lots = catch_up(account, now)
    if account.available < wanted and not account.account_type.allow_negative:
        raise _insufficient(account, wanted)
    entry = post(account, kind=EntryKind.ADJUST, amount=points, occurred_at=now, idempotency_key=idempotency_key,
                 reason=reason, actor=actor, actor_label=actor_label)
    consume(entry, _available_only(lots), wanted)
    save_balances(account)
    return entry
