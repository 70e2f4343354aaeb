"""Every write a guide makes in the workspace, each leaving a StaffAction row (who, what, when, why).

Views pass the member they already found in the user's scope (selectors.member_for), so these
services trust the scope and check the rest: the permission, the store's rules, the input.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from members.cleaning.phones import normalize_mobile
from members.models import (
    ConsentChannel,
    GuideBinding,
    IdentifierKind,
    Identity,
    Member,
    StaffRole,
    StaffStore,
    Store,
)
from members.scope import ALL_MEMBERS
from members.services.consent import record_consent
from members.services.errors import MembersError
from members.services.profiles import create_member_manually
from members.services.staff import bind_guide, unbind_guide
from tagging.models import Tag
from tagging.services.errors import TaggingError
from tagging.services.static import check_may_apply, put_on, take_off

from .models import ActionKind, FollowUp, FollowUpKind, StaffAction

MAX_TEXT = 1000


class WorkspaceError(Exception):
    """A guide's action was refused; the message says why, in words a guide can act on."""


def audit(*, actor, kind: str, member: Member | None = None, reason: str = "", **detail) -> StaffAction:
    return StaffAction.objects.create(actor=actor, kind=kind, member=member, reason=reason[:255], detail=detail)


@transaction.atomic
def write_follow_up(*, member: Member, author, kind: str, text: str, remind_on: date | None = None,
                    today: date | None = None) -> FollowUp:
    text = (text or "").strip()
    if kind not in FollowUpKind.values:
        raise WorkspaceError(f"未知的跟进方式「{kind}」，请选择 电话 / 微信 / 到店 / 其他。")
    if not text:
        raise WorkspaceError("请写下跟进内容。")
    if len(text) > MAX_TEXT:
        raise WorkspaceError(f"跟进内容太长（{len(text)} 字），最多 {MAX_TEXT} 字。")
    if remind_on is not None and remind_on < (today or timezone.localdate()):
        raise WorkspaceError(f"提醒日期 {remind_on:%Y-%m-%d} 已经过去，请选择今天或以后的日期。")
    follow_up = FollowUp.objects.create(member=member, origin_member=member, author=author, kind=kind, text=text,
                                        remind_on=remind_on)
    audit(actor=author, kind=ActionKind.FOLLOW_UP, member=member, follow_up=follow_up.pk)
    return follow_up


@transaction.atomic
def finish_reminder(*, follow_up: FollowUp, actor) -> FollowUp:
    if follow_up.author_id != actor.pk:
        raise WorkspaceError("只能处理自己设置的提醒。")
    if follow_up.reminder_done_at is None:
        follow_up.reminder_done_at = timezone.now()
        follow_up.save(update_fields=["reminder_done_at"])
    return follow_up


def _guide_tag(tag_id, actor) -> Tag:
    tag = Tag.objects.filter(pk=tag_id).first()
    if tag is None:
        raise WorkspaceError("标签不存在或已删除。")
    try:
        check_may_apply(actor, tag)
    except TaggingError as error:
        raise WorkspaceError(str(error)) from error
    return tag


@transaction.atomic
def set_tag(*, member: Member, tag_id, on: bool, actor, reason: str = "") -> Tag:
    tag = _guide_tag(tag_id, actor)
    label = f"导购工作台 {actor.get_username()}"
    change = put_on if on else take_off
    change(tag=tag, member_ids=[member.pk], actor=actor, actor_label=label, reason=reason.strip()[:255])
    audit(actor=actor, kind=ActionKind.TAG_ON if on else ActionKind.TAG_OFF, member=member, reason=reason,
          tag=tag.code)
    return tag


@transaction.atomic
def record_store_consent(*, member: Member, granted: bool, evidence: str, actor) -> None:
    evidence = (evidence or "").strip()
    if not evidence:
        raise WorkspaceError("请写明授权凭据（如：门店纸质表单编号、顾客当面口头同意并签字）。")
    if len(evidence) > 60:
        raise WorkspaceError(f"凭据说明太长（{len(evidence)} 字），最多 60 字。")
    try:
        record_consent(member_id=member.pk, channel=ConsentChannel.SMS, status="granted" if granted else "withdrawn",
                       source=f"门店：{evidence}"[:64], actor=actor)
    except MembersError as error:
        raise WorkspaceError(str(error)) from error
    audit(actor=actor, kind=ActionKind.CONSENT, member=member, reason=evidence, granted=granted)


def bindable_store(actor, member: Member) -> Store | None:
    """The store in which `actor` may bind `member` to themselves: one of the actor's stores that
    allows it, the member's home store first."""
    stores = [a.store for a in StaffStore.objects.filter(user=actor, store__guides_may_bind=True)
              .select_related("store").order_by("store_id")]
    for store in stores:
        if store.pk == member.home_store_id:
            return store
    return stores[0] if stores else None


@transaction.atomic
def bind_to_me(*, member: Member, actor, reason: str = "") -> GuideBinding:
    store = bindable_store(actor, member)
    if store is None:
        raise WorkspaceError("您所在的门店不允许导购自行绑定会员，请联系店长。")
    current = GuideBinding.objects.filter(member=member, ended_at__isnull=True).select_related("guide").first()
    if current is not None and current.guide_id != actor.pk:
        raise WorkspaceError(f"该会员已有专属导购 {current.guide.get_full_name() or current.guide.get_username()}，"
                             "换绑请联系店长。")
    try:
        binding = bind_guide(member_id=member.pk, guide=actor, store=store, actor=actor, reason=reason)
    except MembersError as error:
        raise WorkspaceError(str(error)) from error
    audit(actor=actor, kind=ActionKind.BIND, member=member, reason=reason, store=store.code)
    return binding


def _manages_binding(actor, binding: GuideBinding) -> bool:
    """Operators and admins, and the manager of the binding's store, may end anyone's binding."""
    return actor.has_perm(ALL_MEMBERS) or StaffStore.objects.filter(
        user=actor, store_id=binding.store_id, role=StaffRole.MANAGER).exists()


@transaction.atomic
def unbind(*, member: Member, actor, reason: str) -> GuideBinding:
    current = GuideBinding.objects.filter(member=member, ended_at__isnull=True).first()
    if current is not None and current.guide_id != actor.pk and not _manages_binding(actor, current):
        raise WorkspaceError("只能解除自己的绑定；其他导购的绑定请联系店长。")
    try:
        binding = unbind_guide(member_id=member.pk, actor=actor, reason=reason)
    except MembersError as error:
        raise WorkspaceError(str(error)) from error
    audit(actor=actor, kind=ActionKind.UNBIND, member=member, reason=reason, guide=binding.guide.get_username())
    return binding


@transaction.atomic
def reveal_phone(*, member: Member, actor, reason: str) -> str:
    if not actor.has_perm("members.reveal_phone"):
        raise WorkspaceError("您没有查看完整号码的权限。")
    if not (reason or "").strip():
        raise WorkspaceError("请写明查看完整号码的原因（将被记录）。")
    audit(actor=actor, kind=ActionKind.REVEAL_PHONE, member=member, reason=reason.strip())
    return member.mobile


def register_walk_in(*, mobile: str, name: str, actor, store: Store | None) -> tuple[Member, bool]:
    """Find the person with this mobile or create them (identity resolution: never a duplicate).
    Returns (member, created)."""
    phone = normalize_mobile(mobile or "")
    if not phone.e164:
        raise WorkspaceError(f"手机号「{(mobile or '').strip()[:20]}」无效，请输入 11 位大陆手机号。")
    name = (name or "").strip()
    if len(name) > 64:
        raise WorkspaceError("姓名太长，最多 64 个字。")
    with transaction.atomic():
        known = Identity.objects.filter(kind=IdentifierKind.MOBILE, value=phone.e164).select_related("member").first()
        existing = known.member if known is not None else None
        if existing is not None:
            audit(actor=actor, kind=ActionKind.REGISTER, member=existing, found=True)
            return existing, False
        try:
            member = create_member_manually(data={"mobile": phone.e164, "name": name, "home_store": store},
                                            actor=actor)
        except MembersError as error:
            raise WorkspaceError(str(error)) from error
        audit(actor=actor, kind=ActionKind.REGISTER, member=member, found=False,
              store=store.code if store else "")
        return member, True
