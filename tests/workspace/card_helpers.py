"""Givens for the member card tests: a level ladder, points lots expiring at chosen instants, guide tags,
value-model results, a viewer at a fixed moment, and one "rich" member who has something in every section.

    scheme = ladder()                              # consumer levels 普通 0 / 银卡 500 / 金卡 1000 by window_paid
    place_in_levels(member, now)                   # the member's level row in every active scheme, as of `now`
    account = points_account(member)               # the member's 积分 account (seeded type "points")
    lot(account, 200, expires_at=end_of_day(d))    # 200 available points whose lot ends at that instant
    viewer_at(user, now)                           # a members.card.Viewer fixed at `now` (its Shanghai date)
    rich = rich_member(world, customer, now=now)   # a member with every section and every timeline source
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count

from insights.metrics import refresh_member_metrics
from insights.models import ValueModel
from insights.scoring.runner import run_model
from loyalty.calendar import SHANGHAI, end_of_day, local_date
from loyalty.levels.services import evaluate_upgrades
from loyalty.models import (
    Level,
    LevelMetric,
    LevelScheme,
    PointsAccount,
    PointsAccountType,
    PointsLot,
    RoleType,
)
from loyalty.services import earn, open_account, open_role
from members.card import Viewer
from members.models import ConsentChannel, Member
from members.services.consent import record_consent
from tagging.models import Tag
from tagging.services.static import put_on
from tests.tagging.helpers import a_tag
from tests.workspace.conftest import buy
from workspace.services import bind_to_me, write_follow_up

_keys = count(1)

LEVEL_NAMES = ("普通", "银卡", "金卡")
RICH_MOBILE = "13912345678"
RICH_STREET = "南京西路1266号恒隆广场28楼"


def shanghai(day: date, clock: str = "10:00") -> datetime:
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def viewer_at(user, now: datetime, *, reveal_phone: bool = False) -> Viewer:
    """The card's reader as of `now`; `today` is now's date in Asia/Shanghai (the business day)."""
    return Viewer(user=user, reveal_phone=reveal_phone, now=now, today=local_date(now))


def consumer_role() -> RoleType:
    return RoleType.objects.get(code="consumer")


def points_type() -> PointsAccountType:
    """The seeded redeemable type (显示名称 积分)."""
    return PointsAccountType.objects.get(code="points")


def growth_type() -> PointsAccountType:
    """The seeded growth type (显示名称 成长值), never expiring."""
    return PointsAccountType.objects.get(code="growth")


def ladder(metric: str = LevelMetric.WINDOW_PAID, *, thresholds=(0, 500, 1000), account_type=None,
           window_months: int = 12, code: str = "ws") -> LevelScheme:
    """The consumer role's only active scheme: 普通 / 银卡 / 金卡 at `thresholds`, ranked by `metric`
    (the seeded scheme is switched off so it stays out of the way)."""
    LevelScheme.objects.filter(role_type__code="consumer").exclude(code=code).update(active=False)
    scheme = LevelScheme.objects.create(code=code, name="会员等级", role_type=consumer_role(), metric=metric,
                                        account_type=account_type, window_months=window_months,
                                        review_period="monthly")
    for rank, (name, threshold) in enumerate(zip(LEVEL_NAMES, thresholds, strict=True)):
        Level.objects.create(scheme=scheme, code=f"l{rank}", name=name, rank=rank,
                             upgrade_threshold=Decimal(threshold), retain_threshold=Decimal(threshold))
    return scheme


def place_in_levels(member: Member, now: datetime) -> None:
    """Open the consumer role (if needed) and let the upgrade rules place the member as of `now`."""
    open_role(member=member, role_type=consumer_role())
    evaluate_upgrades(member_ids=[member.pk], now=now)


def points_account(member: Member, account_type: PointsAccountType | None = None) -> PointsAccount:
    return open_account(member=member, role_type=consumer_role(), account_type=account_type or points_type())


def lot(account: PointsAccount, points: int, *, expires_at: datetime | None, earned_at: datetime | None = None,
        now: datetime | None = None) -> PointsLot:
    """`points` earned (available at once) whose lot expires at `expires_at` (None: never)."""
    earned_at = earned_at or datetime(2026, 1, 5, 12, 0, tzinfo=SHANGHAI)
    entry = earn(account=account, points=points, occurred_at=earned_at, idempotency_key=f"ws-lot-{next(_keys)}",
                 now=now or earned_at, levels=False)
    PointsLot.objects.filter(entry=entry).update(expires_at=expires_at)
    return PointsLot.objects.get(entry=entry)


def guide_tag(code: str = "likes_skincare", name: str = "爱护肤", *, guide_usable: bool = True) -> Tag:
    """A static tag; marked 导购可用 unless `guide_usable=False`."""
    return a_tag(code, name=name, guide_usable=guide_usable)


def rfm_results(member: Member, as_of: date) -> ValueModel:
    """The member's metrics refreshed and an RFM model run as of `as_of` (one MemberValue row)."""
    refresh_member_metrics([member.pk], as_of)
    model = ValueModel.objects.get_or_create(code="rfm", defaults={"name": "RFM", "kind": "rfm"})[0]
    run_model(model, as_of)
    return model


def thirty_two_years_before(today: date) -> date:
    """A birthday 32 years and 10 days before `today`: she is 32 whatever the date the tests run."""
    return date(today.year - 32, today.month, min(today.day, 28)) - timedelta(days=10)


@dataclass
class Rich:
    member: Member
    scheme: LevelScheme
    account: PointsAccount
    tag: Tag
    expiring_on: date  # the last valid day of the lot that expires soon


def rich_member(world, customer, *, now: datetime, guide=None) -> Rich:
    """A 32-year-old woman in 上海 静安 with: 银卡 (¥620 of ¥1,000 for 金卡), 积分 with 200 expiring
    in 20 days, two guide tags, a metrics row and an RFM result, SMS consent, and timeline rows of
    every kind (orders with lines and a refund, points, level change, tag change, consent,
    follow-up, a staff action)."""
    today = local_date(now)
    member = customer(store=world.store_a, mobile=RICH_MOBILE, name="王芳", nick="fang_tmall", gender="F",
                      birthday=thirty_two_years_before(today), province="上海市", city="上海市", district="静安区",
                      address=RICH_STREET)
    scheme = ladder()
    buy(member, store=world.store_a, paid="420.00", when=(today - timedelta(days=40)).isoformat(),
        lines=[("修护精华 30ml", "护肤", 1, "420.00")])
    buy(member, store=world.store_a, paid="300.00", refunded="100.00", when=(today - timedelta(days=10)).isoformat(),
        lines=[("保湿面霜", "护肤", 1, "200.00"), ("口红 #520", "彩妆", 1, "100.00")])
    place_in_levels(member, now)
    account = points_account(member)
    expiring_on = today + timedelta(days=20)
    lot(account, 200, expires_at=end_of_day(expiring_on), earned_at=now - timedelta(days=100), now=now)
    lot(account, 1080, expires_at=None, earned_at=now - timedelta(days=30), now=now)
    tag = guide_tag()
    put_on(tag=tag, member_ids=[member.pk], actor=None, actor_label="system", reason="护肤品类占比高")
    put_on(tag=guide_tag("vip_event", "VIP 活动"), member_ids=[member.pk], actor=None)
    record_consent(member_id=member.pk, channel=ConsentChannel.SMS, status="granted", source="门店：纸质表单 No.1")
    rfm_results(member, today)
    guide = guide or world.guide_a
    write_follow_up(member=member, author=guide, kind="phone", text="电话回访，顾客满意精华", today=today)
    bind_to_me(member=member, actor=guide, reason="老顾客")
    return Rich(member=member, scheme=scheme, account=account, tag=tag, expiring_on=expiring_on)
