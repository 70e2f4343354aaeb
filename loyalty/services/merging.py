"""Points follow people through merges and unmerges (members.hooks, inside the merge transaction).

Merge (absorbed A into survivor S): per account of A, S's account of the same role and type is
opened if needed; A's balances move in one merge_out / merge_in pair and each open lot of A is
copied to S with its earn time, availability and expiry (the copy keeps pointing at the original
earn entry, so a later refund of A's order still finds it). A debt moves as a negative amount and
is settled from S's points. A's roles are marked merged; S gains any role it lacked.

Unmerge gives back to A, keeping each lot's expiry:
- what is left of the lots copied from A (points already spent after the merge stay spent);
- the lots S earned after the merge from orders the unmerge returned to A;
- the lifetime total moved by the merge plus the lifetime of those returned orders;
- a debt A brought in (S gets back the points that settled it, on the same lots).
What cannot be undone: points spent or expired after the merge, and refund debts S took on for
A's orders while merged, stay where they are.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from loyalty.hooks import points_posted
from loyalty.models import (
    AccountStatus,
    EntryKind,
    LedgerEntry,
    LotAllocation,
    LotState,
    MemberRole,
    PointsAccount,
    PointsLot,
    RoleStatus,
)
from members.models import MergeRecord

from .accounts import account_for_role, today
from .ledger import (
    catch_up,
    consumption_order,
    copy_lots,
    lock_accounts,
    open_lots,
    post,
    reconcile,
    save_balances,
    save_remaining,
)


@transaction.atomic
@points_posted.batch()
def merge_accounts(*, record: MergeRecord, now: datetime | None = None) -> int:
    """Move the absorbed person's roles and points to the survivor; returns the accounts moved."""
    now = now or timezone.now()
    absorbed_roles = list(MemberRole.objects.filter(member_id=record.absorbed_id).exclude(status=RoleStatus.MERGED)
                          .select_related("role_type"))
    if not absorbed_roles:
        return 0
    survivor_roles = {role.role_type_id: role for role in MemberRole.objects.filter(member_id=record.survivor_id)}
    for role in absorbed_roles:
        mine = survivor_roles.get(role.role_type_id)
        if mine is None:
            survivor_roles[role.role_type_id] = MemberRole.objects.create(
                member_id=record.survivor_id, role_type_id=role.role_type_id, started_on=role.started_on,
                status=role.status, ended_on=role.ended_on, opened_by_merge=record,
            )
        elif role.status == RoleStatus.ACTIVE and mine.status != RoleStatus.ACTIVE:
            mine.status, mine.ended_on = RoleStatus.ACTIVE, None
            mine.save(update_fields=["status", "ended_on", "updated_at"])
    pairs = []
    for account in PointsAccount.objects.filter(member_id=record.absorbed_id, status=AccountStatus.ACTIVE).select_related(
        "member_role", "account_type"
    ):
        target = account_for_role(survivor_roles[account.member_role.role_type_id], account.account_type)
        pairs.append((account.pk, target.pk))
    locked = lock_accounts([pk for pair in pairs for pk in pair])
    for source_id, target_id in pairs:
        _transfer(locked[source_id], locked[target_id], record=record, now=now)
    MemberRole.objects.filter(pk__in=[role.pk for role in absorbed_roles]).update(
        status=RoleStatus.MERGED, ended_on=today(), updated_at=now
    )
    return len(pairs)


def _transfer(source: PointsAccount, target: PointsAccount, *, record: MergeRecord, now: datetime) -> None:
    catch_up(source, now)  # expired points are not moved, and never settle a debt
    catch_up(target, now)
    available, pending, lifetime = source.available, source.pending, source.lifetime_earned
    reason = f"会员合并 #{record.pk}"
    out = post(source, kind=EntryKind.MERGE_OUT, occurred_at=now, amount=-available, pending_delta=-pending,
               lifetime_delta=-lifetime, merge_record_id=record.pk, reason=reason, actor_label="merge")
    into = post(target, kind=EntryKind.MERGE_IN, occurred_at=now, amount=available, pending_delta=pending,
                lifetime_delta=lifetime, related_entry_id=out.pk, merge_record_id=record.pk, reason=reason,
                actor_label="merge")
    copy_lots(open_lots(source), source_entry=out, target=target, target_entry=into)
    if available < 0 or target.available - available < 0:
        reconcile(target, into, now)  # a debt on either side is settled from the other's points
    PointsAccount.objects.filter(pk=source.pk).update(status=AccountStatus.MERGED, merged_into=target)
    save_balances(source, target)


@transaction.atomic
@points_posted.batch()
def unmerge_accounts(*, record: MergeRecord, now: datetime | None = None) -> int:
    """Give the absorbed person back their roles and points; returns the accounts returned."""
    now = now or timezone.now()
    MemberRole.objects.filter(member_id=record.absorbed_id, status=RoleStatus.MERGED).update(
        status=RoleStatus.ACTIVE, ended_on=None, updated_at=now
    )
    pairs = dict(PointsAccount.objects.filter(
        member_id=record.absorbed_id, status=AccountStatus.MERGED, merged_into__member_id=record.survivor_id
    ).values_list("merged_into_id", "pk"))
    # Survivor accounts that earned on orders the unmerge returned: the absorbed person needs that
    # account too, even if they had none before the merge.
    earned_for_absorbed = PointsAccount.objects.filter(
        member_id=record.survivor_id, entries__kind=EntryKind.EARN, entries__order__member_id=record.absorbed_id,
    ).exclude(pk__in=list(pairs)).select_related("member_role__role_type", "account_type").distinct()
    for survivor_account in earned_for_absorbed:
        role = MemberRole.objects.filter(member_id=record.absorbed_id,
                                         role_type_id=survivor_account.member_role.role_type_id).first()
        if role is None:
            role = MemberRole.objects.create(member_id=record.absorbed_id, role_type=survivor_account.member_role.role_type,
                                             started_on=today())
        pairs[survivor_account.pk] = account_for_role(role, survivor_account.account_type).pk
    locked = lock_accounts([pk for pair in pairs.items() for pk in pair])
    for survivor_id, absorbed_id in sorted(pairs.items()):
        _return(locked[survivor_id], locked[absorbed_id], record=record, now=now)
    MemberRole.objects.filter(opened_by_merge=record, status=RoleStatus.ACTIVE).update(
        status=RoleStatus.ENDED, ended_on=today(), updated_at=now
    )
    return len(pairs)


def _return(survivor: PointsAccount, absorbed: PointsAccount, *, record: MergeRecord, now: datetime) -> None:
    catch_up(survivor, now)
    catch_up(absorbed, now)
    into = LedgerEntry.objects.filter(account_id=survivor.pk, kind=EntryKind.MERGE_IN, merge_record_id=record.pk).first()
    restored = _undo_settlement(into) if into is not None else []
    # written while this merge stood: after its first entry (ids only grow), else after the record
    first = LedgerEntry.objects.filter(merge_record_id=record.pk).order_by("pk").values_list("pk", flat=True).first()
    returned_orders = LedgerEntry.objects.filter(
        Q(pk__gt=first) if first else Q(created_at__gte=record.created_at),
        account_id=survivor.pk, kind__in=[EntryKind.EARN, EntryKind.CLAWBACK], order__member_id=record.absorbed_id,
    )
    returned = Q(origin_lot__account_id=absorbed.pk) | Q(
        entry__kind=EntryKind.EARN, entry__account_id=survivor.pk, entry__order__member_id=record.absorbed_id
    )
    restored_by_pk = {lot.pk: lot for lot, _ in restored}
    lots = [restored_by_pk.get(lot.pk, lot) for lot in PointsLot.objects.filter(account_id=survivor.pk).filter(returned)]
    lots = sorted((lot for lot in lots if lot.remaining > 0), key=consumption_order)
    debt = -min(into.amount, 0) if into else 0
    lifetime = (into.lifetime_delta if into else 0) + (returned_orders.aggregate(s=Sum("lifetime_delta"))["s"] or 0)
    lifetime = max(0, min(lifetime, survivor.lifetime_earned))
    available = sum(lot.remaining for lot in lots if lot.state == LotState.AVAILABLE)
    pending = sum(lot.remaining for lot in lots if lot.state == LotState.PENDING)
    reason = f"撤销会员合并 #{record.pk}"
    out = post(survivor, kind=EntryKind.UNMERGE_OUT, occurred_at=now, amount=debt - available, pending_delta=-pending,
               lifetime_delta=-lifetime, merge_record_id=record.pk, reason=reason, actor_label="unmerge")
    back = post(absorbed, kind=EntryKind.UNMERGE_IN, occurred_at=now, amount=available - debt, pending_delta=pending,
                lifetime_delta=lifetime, related_entry_id=out.pk, merge_record_id=record.pk, reason=reason,
                actor_label="unmerge")
    LotAllocation.objects.bulk_create([LotAllocation(entry=out, lot=lot, amount=-give) for lot, give in restored])
    save_remaining([lot for lot, _ in restored])
    copy_lots(lots, source_entry=out, target=absorbed, target_entry=back)
    reconcile(survivor, out, now)
    reconcile(absorbed, back, now)
    PointsAccount.objects.filter(pk=absorbed.pk).update(status=AccountStatus.ACTIVE, merged_into=None)
    save_balances(survivor, absorbed)


def _undo_settlement(into: LedgerEntry) -> list[tuple[PointsLot, int]]:
    """Debts settled at merge time come undone: the lots the merge_in drew from get those points back
    (in memory; the caller records the allocations). On the survivor's own lots that gives the
    survivor back what paid the absorbed debt; on lots copied from the absorbed person it returns
    the points that paid the survivor's debt, and the survivor owes it again."""
    restored = []
    for allocation in LotAllocation.objects.filter(entry=into, amount__gt=0).select_related("lot").order_by("pk"):
        allocation.lot.remaining += allocation.amount
        restored.append((allocation.lot, allocation.amount))
    return restored
