"""Demo data for the guide workspace (`make run`): the demo guide and store manager work in the
store with the most members, a second guide in another store (to show the scope), bindings and
follow-ups — a few reminders due today and one overdue — so the demo guide opens a full card at once.
Re-running changes nothing that is already there."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from members.models import GuideBinding, Member, MemberStatus, StaffRole, Store
from members.services.staff import assign_to_store, bind_guide

from .models import FollowUp, FollowUpKind

BOUND = 12
NOTES = [
    (FollowUpKind.WECHAT, "微信发了新品面霜试用装的介绍，顾客说周末来店试。", 0),
    (FollowUpKind.PHONE, "电话回访上次购买的精华使用感受，反馈不错，想了解会员日活动。", 0),
    (FollowUpKind.VISIT, "到店试了口红，暂未购买，约好下月新色到店再通知。", -3),
    (FollowUpKind.WECHAT, "生日月提醒：可领取生日礼，顾客表示会来店领取。", 2),
    (FollowUpKind.OTHER, "顾客咨询积分兑换规则，已解释到期时间。", None),
]


def _busiest_stores() -> list[Store]:
    return list(Store.objects.annotate(n=Count("member")).order_by("-n", "code")[:2])


@transaction.atomic
def seed_workspace_demo() -> dict:
    User = get_user_model()
    guide = User.objects.filter(username="guide").first()
    manager = User.objects.filter(username="manager").first()
    other = User.objects.filter(username="guide2").first()
    if guide is None:
        return {"skipped": "demo users missing: run create_demo_users first"}
    stores = _busiest_stores()
    if not stores:
        return {"skipped": "no stores: run seed_demo first"}
    home = stores[0]
    assign_to_store(user=guide, store=home, role=StaffRole.GUIDE)
    if manager is not None:
        assign_to_store(user=manager, store=home, role=StaffRole.MANAGER)
    if other is not None and len(stores) > 1:
        assign_to_store(user=other, store=stores[1], role=StaffRole.GUIDE)
    members = list(Member.objects.filter(home_store=home, status=MemberStatus.ACTIVE)
                   .annotate(n_orders=Count("orders")).order_by("-n_orders", "pk")[:BOUND])
    bound = 0
    for member in members:
        if not GuideBinding.objects.filter(member=member, ended_at__isnull=True).exists():
            bind_guide(member_id=member.pk, guide=guide, store=home, actor=manager or guide, reason="演示：店长分配")
            bound += 1
    written = 0
    today = timezone.localdate()
    if not FollowUp.objects.filter(author=guide).exists():
        for member, (kind, text, remind_in) in zip(members, NOTES, strict=False):
            FollowUp.objects.create(member=member, origin_member=member, author=guide, kind=kind, text=text,
                                    remind_on=today + timedelta(days=remind_in) if remind_in is not None else None)
            written += 1
    return {"store": home.code, "bound": bound, "follow_ups": written}
