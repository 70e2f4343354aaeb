"""Reads of the workspace: the member a user may open, their reminders, recent customers, and the
store manager's figures. Every member read goes through members.scope."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef, Sum
from django.http import Http404
from django.utils import timezone

from loyalty.calendar import start_of_day
from members.card import Viewer
from members.card_parts import card_members
from members.masking import mask_text
from members.models import GuideBinding, Member, MemberStatus, Order, StaffRole, StaffStore
from members.models.choices import PAID_STATUSES
from members.scope import scoped_members

from .models import ActionKind, FollowUp, StaffAction

RECENT = 10


def viewer_for(user, *, now=None) -> Viewer:
    """The workspace shows phones masked to everyone, holders of members.reveal_phone included: they
    reveal one member's number with a reason, and each reveal is audited (services.reveal_phone)."""
    now = now or timezone.now()
    return Viewer(user=user, reveal_phone=False, now=now, today=timezone.localdate(now))


def member_for(user, code: str, *, queryset=None) -> Member:
    """The member with this code if `user` may see them; else 404, and an attempt on an existing
    member outside the scope is audited (who tried whom)."""
    base = queryset if queryset is not None else Member.objects.all()
    member = scoped_members(user, base).filter(code=code).first()
    if member is not None:
        return member
    outside = Member.objects.filter(code=code, status=MemberStatus.ACTIVE).only("pk").first()
    if outside is not None:
        StaffAction.objects.create(actor=user, kind=ActionKind.OUT_OF_SCOPE, member=outside,
                                   detail={"code": code})
    raise Http404("没有这个会员，或该会员不在您的服务范围内。")


def in_scope(user, member: Member) -> bool:
    return scoped_members(user).filter(pk=member.pk).exists()


def card_member_for(user, code: str) -> Member:
    return member_for(user, code, queryset=card_members(user.pk))


def reminders(user, today: date) -> list[FollowUp]:
    """Open reminders due today or overdue, oldest first; overdue ones are marked."""
    rows = list(FollowUp.objects.filter(author=user, remind_on__lte=today, reminder_done_at__isnull=True)
                .select_related("member").order_by("remind_on", "pk")[:50])
    return _shown_reminders(rows, user, today)


def _shown_reminders(rows: list[FollowUp], user, today: date) -> list[FollowUp]:
    """Each reminder with its days overdue and its text with phones masked (the workspace masks for all)."""
    for row in rows:
        row.overdue_days = (today - row.remind_on).days
        row.text_shown = mask_text(row.text)
    return rows


def recent_customers(user, now) -> list[dict]:
    """Who came lately: the latest orders in the user's stores, then the user's own follow-ups."""
    stores = list(StaffStore.objects.filter(user=user).values_list("store_id", flat=True))
    seen: dict[int, dict] = {}
    if stores:
        for order in (Order.objects.filter(store_id__in=stores, is_deleted=False, member__status=MemberStatus.ACTIVE,
                                           ordered_at__lte=now)
                      .select_related("member", "store").order_by("-ordered_at")[:RECENT * 3]):
            seen.setdefault(order.member_id, {"member": order.member, "at": order.ordered_at,
                                              "why": f"{order.store.name} 消费 ¥{order.paid_amount}"})
    if len(seen) < RECENT:
        for follow_up in (FollowUp.objects.filter(author=user, member__status=MemberStatus.ACTIVE)
                          .select_related("member").order_by("-created_at")[:RECENT]):
            seen.setdefault(follow_up.member_id, {"member": follow_up.member, "at": follow_up.created_at,
                                                  "why": f"{follow_up.get_kind_display()}跟进"})
    return sorted(seen.values(), key=lambda row: row["at"], reverse=True)[:RECENT]


def managed_stores(user) -> list[StaffStore]:
    return list(StaffStore.objects.filter(user=user, role=StaffRole.MANAGER).select_related("store"))


def store_report(store, today: date, user) -> dict:
    """A store manager's page: each guide with bound members, follow-ups this month, sales of bound
    members this month; and the members whose reminders are overdue."""
    month_start = today.replace(day=1)
    month_start_at = start_of_day(month_start)
    guides = list(StaffStore.objects.filter(store=store).select_related("user").order_by("role", "user__username"))
    user_ids = [g.user_id for g in guides]
    bound = dict(GuideBinding.objects.filter(guide_id__in=user_ids, store=store, ended_at__isnull=True)
                 .values("guide_id").annotate(n=Count("pk")).values_list("guide_id", "n"))
    followed = dict(FollowUp.objects.filter(author_id__in=user_ids, created_at__gte=month_start_at)
                    .values("author_id").annotate(n=Count("pk")).values_list("author_id", "n"))
    open_binding = GuideBinding.objects.filter(member_id=OuterRef("member_id"), store=store, ended_at__isnull=True)
    sales = dict(
        Order.objects.filter(status__in=PAID_STATUSES, is_deleted=False, ordered_at__gte=month_start_at)
        .filter(Exists(open_binding.filter(guide_id__in=user_ids)))
        .annotate(guide_id=open_binding.values("guide_id")[:1])
        .values("guide_id").annotate(total=Sum("paid_amount") - Sum("refunded_amount"))
        .values_list("guide_id", "total")
    )
    overdue = list(FollowUp.objects.filter(author_id__in=user_ids, remind_on__lt=today, reminder_done_at__isnull=True)
                   .select_related("member", "author").order_by("remind_on")[:50])
    _shown_reminders(overdue, user, today)
    return {
        "store": store,
        "guides": [{"user": g.user, "role": g.get_role_display(), "bound": bound.get(g.user_id, 0),
                    "follow_ups": followed.get(g.user_id, 0), "sales": sales.get(g.user_id) or 0} for g in guides],
        "overdue": overdue,
        "month_start": month_start,
    }

