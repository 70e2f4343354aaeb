"""Refund clawback: a refund takes back points in proportion to the refunded amount.

Policy (README → Loyalty points → Refunds):
- per (order, rule) earn: target = floor(earned × refunded ÷ paid), capped at what the order
  earned; a full refund (status 已退款 / 已关闭 after payment) takes everything back;
- only target − already taken back is written, so the same refund never claws twice (the
  entry's idempotency key carries the refunded amount, computed under the account lock);
- taken from the order's own lot first (pending or available), then from other available points
  nearest expiry first; what is still missing becomes debt where the account type allows a
  negative balance (repaid first by the next earns), else it is recorded as `unrecovered` on the
  entry (reported; the member keeps those points);
- the lifetime total (成长值 basis) goes down by the whole clawback;
- a refund that is later reduced gives nothing back automatically (a manual adjustment does).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from loyalty.hooks import points_posted
from loyalty.models import EntryKind, LedgerEntry, LotAllocation, LotState, PointsAccount
from members.models import Order, OrderStatus

from .accounts import accounts_for
from .earning import replayed
from .ledger import catch_up, lock_account, post, save_balances, save_remaining
from .spending import _current_account

FULL_REFUND_STATUSES = (OrderStatus.REFUNDED, OrderStatus.CLOSED)


def refunded_amount_of(order: Order) -> Decimal:
    """What counts as refunded: the refunded amount, or everything paid once the order is refunded/closed."""
    refunded = order.refunded_amount or Decimal("0")
    if order.status in FULL_REFUND_STATUSES:
        return max(refunded, order.paid_amount or Decimal("0"))
    return refunded


def clawback_target(earned: int, refunded: Decimal, paid: Decimal) -> int:
    if refunded <= 0 or earned <= 0:
        return 0
    if paid <= 0 or refunded >= paid:
        return earned
    share = (Decimal(earned) * refunded / paid).to_integral_value(rounding=ROUND_FLOOR)
    return min(earned, int(share))


def clawed_so_far(earn_entry_ids: list[int]) -> dict[int, int]:
    """Per earn entry, the points its refunds already demanded (taken + debt + unrecovered)."""
    rows = (
        LedgerEntry.objects.filter(kind=EntryKind.CLAWBACK, related_entry_id__in=earn_entry_ids)
        .values("related_entry_id")
        .annotate(total=Sum(F("unrecovered") - F("amount") - F("pending_delta")))
    )
    return {row["related_entry_id"]: row["total"] or 0 for row in rows}


def earned_points(entry: LedgerEntry) -> int:
    return entry.amount + entry.pending_delta


def refund_account_id(earn_entry: LedgerEntry, order: Order) -> int:
    """The account that holds the order's points now: its current owner's account of the same role
    and type (merges and unmerges move orders), else wherever the earning account was merged into."""
    if order.member_id:
        source = PointsAccount.objects.filter(pk=earn_entry.account_id).values(
            "member_role__role_type_id", "account_type_id"
        ).get()
        key = (order.member_id, source["member_role__role_type_id"], source["account_type_id"])
        return accounts_for({key})[key]
    return _current_account(earn_entry.account_id)


@transaction.atomic
@points_posted.batch()
def claw_back(
    *, earn_entry: LedgerEntry, order: Order, now: datetime | None = None, actor_label: str = "refund"
) -> LedgerEntry | None:
    """Write what the order's refund still demands from this earn; None when nothing is due."""
    now = now or timezone.now()
    account = lock_account(refund_account_id(earn_entry, order))
    refunded = refunded_amount_of(order)
    earned = earned_points(earn_entry)
    due = clawback_target(earned, refunded, order.paid_amount) - clawed_so_far([earn_entry.pk]).get(earn_entry.pk, 0)
    if due <= 0:
        return None
    key = f"clawback:{earn_entry.pk}:{refunded}/{order.paid_amount}"
    existing = LedgerEntry.objects.filter(account_id=account.pk, idempotency_key=key).first()
    if existing is not None:
        return replayed(existing)
    lots = catch_up(account, now)
    own = [lot for lot in lots if lot.earn_entry_id == earn_entry.pk]
    others = [lot for lot in lots if lot.earn_entry_id != earn_entry.pk and lot.state == LotState.AVAILABLE]
    plan, left = [], due
    for lot in own + others:
        if left == 0:
            break
        take = min(lot.remaining, left)
        if take:
            plan.append((lot, take))
            left -= take
    from_pending = sum(take for lot, take in plan if lot.state == LotState.PENDING)
    from_available = due - left - from_pending
    debt = left if account.account_type.allow_negative else 0
    entry = post(
        account, kind=EntryKind.CLAWBACK, occurred_at=now, amount=-(from_available + debt),
        pending_delta=-from_pending, lifetime_delta=-min(due, account.lifetime_earned), unrecovered=left - debt,
        order_id=order.pk, rule_id=earn_entry.rule_id, related_entry_id=earn_entry.pk, idempotency_key=key,
        reason=f"订单退款 ¥{refunded}（实付 ¥{order.paid_amount}）", actor_label=actor_label,
    )
    for lot, take in plan:
        lot.remaining -= take
    LotAllocation.objects.bulk_create([LotAllocation(entry=entry, lot=lot, amount=take) for lot, take in plan])
    save_remaining([lot for lot, _ in plan])
    save_balances(account)
    return entry


def earns_due_for_clawback(orders: list[Order]) -> list[tuple[LedgerEntry, Order]]:
    """(earn entry, order) pairs whose refund demands more than was taken back so far — one query each."""
    refunded = {order.pk: refunded_amount_of(order) for order in orders}
    refunded = {pk: amount for pk, amount in refunded.items() if amount > 0}
    if not refunded:
        return []
    by_pk = {order.pk: order for order in orders}
    earns = list(LedgerEntry.objects.filter(kind=EntryKind.EARN, order_id__in=sorted(refunded)).order_by("pk"))
    taken = clawed_so_far([entry.pk for entry in earns])
    return [
        (entry, by_pk[entry.order_id]) for entry in earns
        if clawback_target(earned_points(entry), refunded[entry.order_id], by_pk[entry.order_id].paid_amount)
        > taken.get(entry.pk, 0)
    ]


@transaction.atomic
@points_posted.batch()
def claw_back_refund(*, order: Order, now: datetime | None = None) -> list[LedgerEntry]:
    """Claw back every earn of one order as far as its refund demands."""
    written = []
    for earn_entry, fresh in earns_due_for_clawback([order]):
        entry = claw_back(earn_entry=earn_entry, order=fresh, now=now)
        if entry is not None:
            written.append(entry)
    return written

