"""Staff in stores and exclusive-guide bindings: every write goes through here.

A binding is history: binding a member who already has a guide ends that binding first (the
member changes guide); a guide leaving a store ends their bindings in it.
"""

from django.db import transaction
from django.utils import timezone

from members.models import GuideBinding, Member, MemberStatus, StaffRole, StaffStore, Store

from .errors import MembersError


@transaction.atomic
def assign_to_store(*, user, store: Store, role: str = StaffRole.GUIDE) -> StaffStore:
    if role not in StaffRole.values:
        raise MembersError(f"未知的岗位：{role}")
    assignment, _ = StaffStore.objects.update_or_create(user=user, store=store, defaults={"role": role})
    return assignment


@transaction.atomic
def leave_store(*, user, store: Store, actor=None, reason: str = "离店") -> int:
    """Remove `user` from `store`; their open bindings in that store end. Returns bindings ended."""
    StaffStore.objects.filter(user=user, store=store).delete()
    return GuideBinding.objects.filter(guide=user, store=store, ended_at__isnull=True).update(
        ended_at=timezone.now(), ended_by=actor, end_reason=reason[:255],
    )


@transaction.atomic
def bind_guide(*, member_id: int, guide, store: Store, actor, reason: str = "") -> GuideBinding:
    """Make `guide` the member's exclusive guide in `store`; an earlier binding ends (换导购)."""
    if not StaffStore.objects.filter(user=guide, store=store).exists():
        raise MembersError(f"{guide.get_username()} 不在门店「{store.name}」任职，不能绑定。")
    member = Member.objects.select_for_update().get(pk=member_id)
    if member.status != MemberStatus.ACTIVE:
        raise MembersError(f"会员 {member.code} 状态为「{member.get_status_display()}」，不能绑定。")
    now = timezone.now()
    current = GuideBinding.objects.filter(member=member, ended_at__isnull=True).first()
    if current is not None:
        if current.guide_id == guide.pk and current.store_id == store.pk:
            return current  # already so: re-binding changes nothing
        current.ended_at, current.ended_by = now, actor
        current.end_reason = f"改绑给 {guide.get_username()}"[:255]
        current.save(update_fields=["ended_at", "ended_by", "end_reason"])
    return GuideBinding.objects.create(member=member, guide=guide, store=store, bound_at=now, bound_by=actor,
                                       reason=reason.strip()[:255])


@transaction.atomic
def unbind_guide(*, member_id: int, actor, reason: str) -> GuideBinding:
    if not reason.strip():
        raise MembersError("请写明解绑原因。")
    binding = GuideBinding.objects.select_for_update().filter(member_id=member_id, ended_at__isnull=True).first()
    if binding is None:
        raise MembersError("该会员当前没有专属导购。")
    binding.ended_at, binding.ended_by, binding.end_reason = timezone.now(), actor, reason.strip()[:255]
    binding.save(update_fields=["ended_at", "ended_by", "end_reason"])
    return binding
