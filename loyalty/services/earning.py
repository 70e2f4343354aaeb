"""Crediting points: an earn creates an entry and a lot with its own availability and expiry."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from loyalty.errors import IdempotencyConflict, LoyaltyError
from loyalty.hooks import points_posted
from loyalty.levels.services import upgrade_after_points
from loyalty.models import EntryKind, LedgerEntry, LotAllocation, LotState, PointsAccount
from loyalty.policies import available_at_for, expires_at_for

from . import fast_path
from .ledger import actor_fields, catch_up, lock_account, new_lot, post, save_balances


def check_points(points, *, what: str = "积分") -> int:
    if isinstance(points, bool) or not isinstance(points, int):
        raise LoyaltyError(f"{what}必须是整数。")
    if points <= 0:
        raise LoyaltyError(f"{what}必须大于 0。")
    return points


def replayed(entry: LedgerEntry) -> LedgerEntry:
    """Mark an entry returned for a repeated request (same idempotency key): nothing was written."""
    entry.replayed = True
    return entry


def find_replay(account: PointsAccount, key: str, *, kind: str, amount: int | None = None) -> LedgerEntry | None:
    """The entry already written under this key, or None. A key reused for something else is refused."""
    if not key:
        return None
    entry = LedgerEntry.objects.filter(account_id=account.pk, idempotency_key=key).first()
    if entry is None:
        return None
    if entry.kind != kind or (amount is not None and entry.amount + entry.pending_delta != amount):
        raise IdempotencyConflict(f"幂等键「{key}」已用于另一笔不同的操作（{entry.get_kind_display()} {entry.amount:+d}）。")
    return replayed(entry)


def earn(
    *,
    account: PointsAccount,
    points: int,
    occurred_at: datetime,
    idempotency_key: str,
    order=None,
    rule=None,
    pending_days: int | None = None,
    reason: str = "",
    actor=None,
    actor_label: str = "system",
    now: datetime | None = None,
    levels: bool = True,
) -> LedgerEntry:
    """Credit `points` earned at `occurred_at` (business time, e.g. the order's payment).

    `levels`: re-evaluate the member's levels at once (False for batch callers, which evaluate
    every member of the batch once afterwards).

    The lot is pending until 00:00 Asia/Shanghai of the earn day + pending days (the rule's
    override, else the account type's), and expires as the account type's policy says. An
    account in debt repays it first from the new lot. Idempotent: the same key — or the same
    (order, rule), whoever holds the order now — returns the existing entry with `replayed` set.
    """
    check_points(points)
    if not idempotency_key:
        raise LoyaltyError("获得积分需要幂等键（例如订单号），以免重复发放。")
    now = now or timezone.now()
    entry = fast_path.earn(
        account_id=account.pk, points=points, occurred_at=occurred_at, key=idempotency_key,
        order_id=getattr(order, "pk", None), rule_id=getattr(rule, "pk", None), pending_days=pending_days,
        reason=reason, actor_id=getattr(actor, "pk", None), actor_label=actor_fields(actor, actor_label)["actor_label"],
        now=now,
    )
    if entry is not None:
        entry.replayed = False
        points_posted.send_on_commit(account_ids=[entry.account_id], kinds=[str(entry.kind)])
        if levels:
            upgrade_after_points(account=account, now=now)
        return entry
    with transaction.atomic(), points_posted.batch():
        entry = _earn(account, points, occurred_at, idempotency_key, order, rule, pending_days, reason, actor,
                      actor_label, now)
        if levels:
            upgrade_after_points(account=account, now=now)
        return entry


def _earn(account, points, occurred_at, idempotency_key, order, rule, pending_days, reason, actor, actor_label, now):
    account = lock_account(account)
    if order is not None and rule is not None:
        existing = LedgerEntry.objects.filter(kind=EntryKind.EARN, order_id=order.pk, rule_id=rule.pk).first()
        if existing is not None:
            return replayed(existing)
    existing = find_replay(account, idempotency_key, kind=EntryKind.EARN, amount=points)
    if existing is not None:
        return existing
    account_type = account.account_type
    if not account_type.active:
        raise LoyaltyError(f"积分类型「{account_type}」已停用，不能再发放。")
    if account.available < 0:
        catch_up(account, now)  # a debt is repaid by points already due before the new ones
    days = account_type.pending_days if pending_days is None else pending_days
    available_at = available_at_for(occurred_at, days)
    pending = available_at is not None and available_at > now
    debt = -account.available if account.available < 0 and not pending else 0
    entry = post(
        account, kind=EntryKind.EARN, occurred_at=occurred_at, amount=0 if pending else points,
        pending_delta=points if pending else 0, lifetime_delta=points,
        order_id=getattr(order, "pk", None), rule_id=getattr(rule, "pk", None), idempotency_key=idempotency_key,
        reason=reason, actor=actor, actor_label=actor_label,
    )
    lot = new_lot(account, entry=entry, amount=points, earned_at=occurred_at,
                  expires_at=expires_at_for(account_type, occurred_at),
                  state=LotState.PENDING if pending else LotState.AVAILABLE, available_at=available_at)
    if debt:
        lot.remaining -= min(debt, points)
    lot.save()
    if debt:
        LotAllocation.objects.create(entry=entry, lot=lot, amount=min(debt, points))
    save_balances(account)
    return entry


def credit_lot(account: PointsAccount, entry: LedgerEntry, points: int, *, now: datetime) -> None:
    """A lot for points credited without an earn (a positive adjustment), repaying any debt first."""
    debt_before = max(-(account.available - points), 0)
    lot = new_lot(account, entry=entry, amount=points, earned_at=now, expires_at=expires_at_for(account.account_type, now))
    repay = min(debt_before, points)
    lot.remaining -= repay
    lot.save()
    if repay:
        LotAllocation.objects.create(entry=entry, lot=lot, amount=repay)
