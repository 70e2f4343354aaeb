"""The member's timeline (members/card.py timeline_page): every app's rows in one list, newest first,
in pages that follow on exactly, one query a page, free text masked for a guide."""

from datetime import date, timedelta

import pytest
from django.test import Client

from loyalty.models import LevelChange
from members.card import timeline_page
from members.models import ConsentChannel, Order
from members.services.consent import record_consent
from tagging.models.memberships import TagChange
from tagging.services.static import put_on, take_off
from tests.workspace.card_helpers import (
    guide_tag,
    ladder,
    lot,
    place_in_levels,
    points_account,
    shanghai,
    viewer_at,
)
from tests.workspace.conftest import buy
from workspace.models import ActionKind, FollowUp, StaffAction
from workspace.services import bind_to_me, record_store_consent, set_tag, write_follow_up

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 1)
NOW = shanghai(date(2026, 11, 20), "10:00")
PHONE = "13812345678"


def moment(hour: int, minute: int = 0):
    return shanghai(DAY, f"{hour:02d}:{minute:02d}")


def whole_timeline(member, viewer, *, size=20):
    """Every page in turn, and the number of pages."""
    entries, page, more = [], 1, True
    while more:
        found, more = timeline_page(member.pk, viewer, page=page, size=size)
        entries += found
        page += 1
    return entries, page - 1


@pytest.fixture
def member(world, customer):
    return customer(store=world.store_a, name="王芳")


def test_every_source_is_merged_newest_first(world, member):
    # Given one row of each kind, an hour apart: order 08:00 … staff action 14:00
    ladder()
    buy(member, store=world.store_a, paid="300.00", refunded="100.00", when=DAY.isoformat(),
        lines=[("修护精华 30ml", "护肤", 1, "200.00"), ("口红 #520", "彩妆", 2, "50.00")])
    Order.objects.filter(member=member).update(ordered_at=moment(8))
    lot(points_account(member), 200, expires_at=None, earned_at=moment(9))
    place_in_levels(member, NOW)
    LevelChange.objects.filter(member=member).update(created_at=moment(10))
    tag = guide_tag()
    put_on(tag=tag, member_ids=[member.pk], actor=world.guide_a, reason="顾客说偏爱护肤")
    TagChange.objects.filter(member=member).update(at=moment(11))
    record_consent(member_id=member.pk, channel=ConsentChannel.SMS, status="granted", source="门店：纸质表单 No.7",
                   recorded_at=moment(12), actor=world.guide_a)
    write_follow_up(member=member, author=world.guide_a, kind="visit", text="到店试色", today=DAY)
    FollowUp.objects.filter(member=member).update(created_at=moment(13))
    bind_to_me(member=member, actor=world.guide_a, reason="老顾客")
    StaffAction.objects.filter(member=member).update(at=moment(14))

    # When the timeline is read
    entries, more = timeline_page(member.pk, viewer_at(world.guide_a, NOW))

    # Then each source is there once, newest first, in words
    assert not more
    assert [(e.kind, e.label, e.title) for e in entries] == [
        ("staff_action", "操作", "绑定专属导购"),
        ("follow_up", "跟进", "到店跟进"),
        ("consent", "授权", "短信营销授权：同意"),
        ("tag", "标签", "打上标签「爱护肤」"),
        ("level", "等级", "会员等级 · 入会定级：普通"),
        ("points", "积分", "积分 · 获得"),
        ("order", "订单", "门店POS · 静安店 · 已完成"),
    ]
    by_kind = {e.kind: e for e in entries}
    assert by_kind["order"].detail == "修护精华 30ml×1、口红 #520×2；退款 ¥100.00"
    assert by_kind["order"].amount == "¥300.00"
    assert by_kind["points"].amount == "+200 积分"
    assert (by_kind["tag"].detail, by_kind["tag"].actor) == ("顾客说偏爱护肤", "guide_a")
    assert (by_kind["consent"].detail, by_kind["consent"].actor) == ("门店：纸质表单 No.7", "guide_a")
    assert (by_kind["follow_up"].detail, by_kind["follow_up"].actor) == ("到店试色", "guide_a")
    assert (by_kind["staff_action"].detail, by_kind["staff_action"].actor) == ("老顾客", "guide_a")
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)


def test_a_tag_taken_off_and_a_deleted_order_read_as_they_should(world, member):
    tag = guide_tag()
    put_on(tag=tag, member_ids=[member.pk], actor=None)
    take_off(tag=tag, member_ids=[member.pk], actor=None, reason="顾客不再需要")
    kept = buy(member, store=world.store_a, when="2026-10-01", lines=[("面霜", "护肤", 1, "100.00")])
    gone = buy(member, store=world.store_a, when="2026-10-02", lines=[("作废单", "护肤", 1, "100.00")])
    gone.is_deleted = True
    gone.save(update_fields=["is_deleted"])

    entries, _ = timeline_page(member.pk, viewer_at(world.guide_a, NOW))

    assert [e.title for e in entries if e.kind == "tag"] == ["取下标签「爱护肤」", "打上标签「爱护肤」"]
    assert [e.extra["order_no"] for e in entries if e.kind == "order"] == [kept.external_no]


def test_workspace_actions_shown_by_their_own_rows_are_not_repeated(world, member):
    # Given a follow-up, a tag put on and a consent, each with its StaffAction audit row
    write_follow_up(member=member, author=world.guide_a, kind="phone", text="回访")
    set_tag(member=member, tag_id=guide_tag().pk, on=True, actor=world.guide_a)
    record_store_consent(member=member, granted=True, evidence="当面口头同意", actor=world.guide_a)

    entries, _ = timeline_page(member.pk, viewer_at(world.guide_a, NOW))

    # Then each shows once, by its own row
    assert sorted(e.kind for e in entries) == ["consent", "follow_up", "tag"]


def test_pages_follow_on_without_duplicates_or_gaps(world, member):
    # Given 47 rows of three kinds interleaved in time
    for n in range(16):
        buy(member, store=world.store_a, paid=f"{n + 1}.00", when=(DAY + timedelta(days=n)).isoformat())
    account = points_account(member)
    for n in range(16):
        lot(account, n + 1, expires_at=None, earned_at=shanghai(DAY + timedelta(days=n), "15:00"))
    for n in range(15):
        write_follow_up(member=member, author=world.guide_a, kind="phone", text=f"第 {n} 次回访", today=DAY)
    for n, follow_up in enumerate(FollowUp.objects.filter(member=member).order_by("pk")):
        FollowUp.objects.filter(pk=follow_up.pk).update(created_at=shanghai(DAY + timedelta(days=n), "12:00"))
    viewer = viewer_at(world.guide_a, NOW)

    # When it is read 20 at a time
    paged, pages = whole_timeline(member, viewer, size=20)
    everything, more = timeline_page(member.pk, viewer, page=1, size=100)

    # Then three pages give exactly the whole list, in the same order
    assert (pages, more, len(everything)) == (3, False, 47)
    assert [(e.kind, e.at, e.title, e.amount, e.detail) for e in paged] == \
        [(e.kind, e.at, e.title, e.amount, e.detail) for e in everything]
    assert [e.at for e in everything] == sorted((e.at for e in everything), reverse=True)


def test_page_2_starts_right_after_page_1(world, member):
    for n in range(25):
        write_follow_up(member=member, author=world.guide_a, kind="wechat", text=f"消息 {n}", today=DAY)
    viewer = viewer_at(world.guide_a, NOW)

    first, more_after_first = timeline_page(member.pk, viewer, page=1, size=20)
    second, more_after_second = timeline_page(member.pk, viewer, page=2, size=20)

    assert (len(first), more_after_first, len(second), more_after_second) == (20, True, 5, False)
    texts = [e.detail for e in first + second]
    assert texts == [f"消息 {n}" for n in range(24, -1, -1)]


def test_rows_of_two_sources_with_the_same_time_and_id_are_paged_exactly_once(world, member):
    # (Ordering by time and id alone leaves such pairs tied, and PostgreSQL orders a tie differently in
    # each page's LIMIT/OFFSET query: rows shown twice and others never. The source kind breaks the tie.)
    # Given follow-ups and staff actions in pairs with the same id and the same instant, and one newer
    # row so page boundaries fall inside pairs
    at = moment(9)
    for n in range(1, 101):
        FollowUp.objects.create(pk=900_000 + n, member=member, origin_member=member, author=world.guide_a,
                                kind="phone", text=f"跟进 {n}")
        StaffAction.objects.create(pk=900_000 + n, actor=world.guide_a, kind=ActionKind.BIND, member=member,
                                   reason=f"操作 {n}")
    FollowUp.objects.filter(member=member).update(created_at=at)
    StaffAction.objects.filter(member=member).update(at=at)
    write_follow_up(member=member, author=world.guide_a, kind="visit", text="最新", today=DAY)
    viewer = viewer_at(world.guide_a, NOW)

    for size in (20, 5):
        # When it is read page by page
        paged, _ = whole_timeline(member, viewer, size=size)

        # Then every row is there exactly once
        shown = [(e.kind, e.detail) for e in paged]
        assert len(shown) == 201
        assert len(set(shown)) == 201, f"{201 - len(set(shown))} rows shown twice (and as many never) at size {size}"


def test_a_page_is_one_query_whatever_the_number_of_sources(world, member, django_assert_num_queries):
    buy(member, store=world.store_a, lines=[("面霜", "护肤", 1, "100.00")])
    lot(points_account(member), 10, expires_at=None)
    write_follow_up(member=member, author=world.guide_a, kind="phone", text="回访")
    record_consent(member_id=member.pk, channel=ConsentChannel.SMS, status="granted", source="门店")
    viewer = viewer_at(world.guide_a, NOW)

    for page in (1, 2):
        with django_assert_num_queries(1):
            timeline_page(member.pk, viewer, page=page, size=2)


def test_a_phone_number_in_a_follow_up_is_masked_for_a_guide(world, member):
    write_follow_up(member=member, author=world.guide_a, kind="phone", text=f"顾客换了新号码 {PHONE}，晚上回电")

    [guide_sees], _ = timeline_page(member.pk, viewer_at(world.guide_a, NOW))
    [operator_sees], _ = timeline_page(member.pk, viewer_at(world.operator, NOW, reveal_phone=True))

    assert guide_sees.detail == "顾客换了新号码 138****5678，晚上回电"
    assert operator_sees.detail == f"顾客换了新号码 {PHONE}，晚上回电"


def test_the_timeline_pages_never_show_a_guide_the_full_number(world, member):
    for n in range(22):
        write_follow_up(member=member, author=world.guide_a, kind="phone", text=f"第 {n} 次：号码 {PHONE}")
    client = Client()
    client.force_login(world.guide_a)

    for url in (f"/workspace/m/{member.code}/", f"/workspace/m/{member.code}/timeline/?page=2",
                f"/api/workspace/members/{member.code}/card/"):
        body = client.get(url).content.decode()
        assert "138****5678" in body and PHONE not in body, url
