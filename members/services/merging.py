"""Merge two people into one and undo it.

A merge moves every row that belongs to the absorbed person (channel accounts,
identities, orders, consent history) to the survivor and writes a MergeRecord with
before-snapshots and the ids it moved. Unmerge returns those rows — plus anything
that arrived later through the absorbed person's own channel accounts — and
recomputes both profiles from their source profiles. Other apps follow through
`members.hooks`, inside the same transaction.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from members import hooks
from members.models import (
    PROFILE_FIELDS,
    CandidateStatus,
    ConsentRecord,
    GuideBinding,
    Identity,
    Member,
    MemberStatus,
    MergeCandidate,
    MergeRecord,
    Order,
    SourceProfile,
    StaffStore,
)

from .errors import MergeError
from .survivorship import recompute_profile

_SNAPSHOT_EXCLUDE = {"updated_at"}


def member_snapshot(member: Member) -> dict:
    data = {
        f.attname: getattr(member, f.attname)
        for f in Member._meta.concrete_fields
        if f.attname not in _SNAPSHOT_EXCLUDE
    }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def survivor_order(member: Member) -> tuple:
    """Who survives a merge: the earlier registration, then the lower id."""
    return (member.registered_at or member.created_at, member.pk)


def lock_members(*member_ids: int) -> dict[int, Member]:
    """Row-lock members in id order so concurrent merges cannot deadlock."""
    locked = Member.objects.select_for_update().filter(pk__in=sorted(set(member_ids))).order_by("pk")
    return {m.pk: m for m in locked}


def _owned_ids(model, member_id: int) -> list[int]:
    return sorted(model.objects.filter(member_id=member_id).values_list("pk", flat=True))


@transaction.atomic
def merge_members(
    *,
    survivor_id: int,
    absorbed_id: int,
    rule: str,
    identifier_value: str = "",
    actor=None,
    actor_label: str = "system",
    reason: str = "",
) -> MergeRecord:
    if survivor_id == absorbed_id:
        raise MergeError("不能把会员与自己合并。")
    members = lock_members(survivor_id, absorbed_id)
    survivor, absorbed = members.get(survivor_id), members.get(absorbed_id)
    if survivor is None or absorbed is None:
        raise MergeError("会员不存在。")
    for member in (survivor, absorbed):
        if member.status != MemberStatus.ACTIVE:
            raise MergeError(f"会员 {member.code} 状态为「{member.get_status_display()}」，只能合并正常状态的会员。")

    moved = {
        "source_profiles": _owned_ids(SourceProfile, absorbed.pk),
        "identities": _owned_ids(Identity, absorbed.pk),
        "orders": _owned_ids(Order, absorbed.pk),
        "consents": _owned_ids(ConsentRecord, absorbed.pk),
    }
    record = MergeRecord.objects.create(
        survivor=survivor,
        absorbed=absorbed,
        rule=rule,
        identifier_value=identifier_value,
        actor=actor,
        actor_label=actor_label if actor is None else (actor.get_username() or actor_label),
        reason=reason,
        survivor_before=member_snapshot(survivor),
        absorbed_before=member_snapshot(absorbed),
        moved=moved,
    )
    for model in (SourceProfile, Identity, Order, ConsentRecord):
        model.objects.filter(member_id=absorbed.pk).update(member_id=survivor.pk)
    _merge_guide_bindings(record, survivor, absorbed)

    absorbed.status = MemberStatus.MERGED
    absorbed.merged_into = survivor
    absorbed.save(update_fields=["status", "merged_into", "updated_at"])
    recompute_profile(survivor)
    a, b = sorted((survivor.pk, absorbed.pk))
    decided = {"decided_by": actor, "decided_at": timezone.now()}
    pending = MergeCandidate.objects.filter(status=CandidateStatus.PENDING)
    pending.filter(member_a_id=a, member_b_id=b).update(status=CandidateStatus.MERGED, **decided)
    # The absorbed person no longer exists on its own: its other pairs are void. The next scan
    # proposes survivor ~ third person afresh if they still look alike.
    pending.filter(Q(member_a_id=absorbed.pk) | Q(member_b_id=absorbed.pk)).update(
        status=CandidateStatus.SUPERSEDED, **decided
    )
    hooks.member_merged.send(record=record)
    return record


def _merge_guide_bindings(record: MergeRecord, survivor: Member, absorbed: Member) -> None:
    """The absorbed person's exclusive guide follows them, unless the survivor has one already:
    then that binding ends. Both are noted on the record for the unmerge."""
    binding = GuideBinding.objects.filter(member=absorbed, ended_at__isnull=True).first()
    if binding is None:
        return
    if GuideBinding.objects.filter(member=survivor, ended_at__isnull=True).exists():
        binding.ended_at, binding.ended_by = timezone.now(), record.actor
        binding.end_reason = f"会员合并到 {survivor.code}（该会员已有专属导购）"
        binding.save(update_fields=["ended_at", "ended_by", "end_reason"])
        record.moved["guide_bindings_ended"] = [binding.pk]
    else:
        GuideBinding.objects.filter(pk=binding.pk).update(member=survivor)
        record.moved["guide_bindings"] = [binding.pk]
    record.save(update_fields=["moved"])


def _unmerge_guide_bindings(record: MergeRecord, survivor: Member, absorbed: Member, actor) -> None:
    """Give the absorbed person their guide back: the moved binding returns while still open; an
    ended one is bound anew (history stays as it was) if the guide still works in that store."""
    moved = record.moved
    GuideBinding.objects.filter(pk__in=moved.get("guide_bindings", []), member=survivor,
                                ended_at__isnull=True).update(member=absorbed)
    for binding in GuideBinding.objects.filter(pk__in=moved.get("guide_bindings_ended", [])):
        if StaffStore.objects.filter(user_id=binding.guide_id, store_id=binding.store_id).exists() and \
                not GuideBinding.objects.filter(member=absorbed, ended_at__isnull=True).exists():
            GuideBinding.objects.create(member=absorbed, guide_id=binding.guide_id, store_id=binding.store_id,
                                        bound_at=timezone.now(), bound_by=actor, reason="撤销合并，恢复专属导购")


def _recompute_or_restore(member: Member, snapshot: dict) -> None:
    """Derive the profile again; a person with no channel account gets its snapshot back."""
    if member.source_profiles.exists():
        recompute_profile(member)
        return
    restorable = (*PROFILE_FIELDS, "registered_at", "registered_channel", "attributes")
    fields = [f for f in Member._meta.concrete_fields if f.attname in restorable]
    for field in fields:
        setattr(member, field.attname, field.to_python(snapshot[field.attname]))
    member.save(update_fields=[*(f.attname for f in fields), "updated_at"])


@transaction.atomic
def unmerge(*, record_id: int, actor=None) -> MergeRecord:
    record = MergeRecord.objects.select_for_update().get(pk=record_id)
    if record.undone_at is not None:
        raise MergeError("这次合并已经撤销过了。")
    members = lock_members(record.survivor_id, record.absorbed_id)
    survivor, absorbed = members[record.survivor_id], members[record.absorbed_id]
    if survivor.status != MemberStatus.ACTIVE:
        raise MergeError(
            f"保留方 {survivor.code} 之后又被合并到其他会员，请先撤销那次合并。"
        )
    if absorbed.status != MemberStatus.MERGED or absorbed.merged_into_id != survivor.pk:
        raise MergeError(f"会员 {absorbed.code} 已不处于这次合并的状态，无法撤销。")

    moved = record.moved
    profile_ids = set(
        SourceProfile.objects.filter(pk__in=moved["source_profiles"], member=survivor).values_list("pk", flat=True)
    )
    SourceProfile.objects.filter(pk__in=profile_ids).update(member=absorbed)
    # Rows moved by the merge, and rows that arrived later through the returned accounts.
    Identity.objects.filter(member=survivor, pk__in=moved["identities"]).update(member=absorbed)
    Identity.objects.filter(member=survivor, source_profile_id__in=profile_ids).update(member=absorbed)
    Order.objects.filter(member=survivor, pk__in=moved["orders"]).update(member=absorbed)
    Order.objects.filter(member=survivor, source_profile_id__in=profile_ids).update(member=absorbed)
    ConsentRecord.objects.filter(member=survivor, pk__in=moved["consents"]).update(member=absorbed)
    _unmerge_guide_bindings(record, survivor, absorbed, actor)

    absorbed.status = MemberStatus.ACTIVE
    absorbed.merged_into = None
    absorbed.save(update_fields=["status", "merged_into", "updated_at"])
    _recompute_or_restore(absorbed, record.absorbed_before)
    _recompute_or_restore(survivor, record.survivor_before)

    record.undone_at = timezone.now()
    record.undone_by = actor
    record.save(update_fields=["undone_at", "undone_by"])
    hooks.member_unmerged.send(record=record)
    return record
