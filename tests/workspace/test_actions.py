"""What a guide does on the card, through the pages: each action leaves its own record and a StaffAction
row (who, what, member, why); refusals say why in Chinese and change nothing."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from core.roles import GUIDE
from members.models import ConsentRecord, GuideBinding, IdentifierKind, Identity, Member
from tagging.models import TagMembership
from tagging.models.memberships import TagChange
from tests.workspace.card_helpers import guide_tag, shanghai
from tests.workspace.conftest import staff
from workspace import selectors
from workspace.models import ActionKind, FollowUp, StaffAction

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def said(response) -> str:
    """The message the action's redirect carries (the last one: earlier requests' stay queued)."""
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    return shown[-1] if shown else ""


def only_action(kind, **match) -> StaffAction:
    return StaffAction.objects.get(kind=kind, **match)


@pytest.fixture
def member(world, customer):
    return customer(store=world.store_a, mobile="13900001111", name="王芳")


@pytest.fixture
def guide(world):
    return signed_in(world.guide_a)


VIEWER_FOR = selectors.viewer_for


def home_on(client, monkeypatch, day) -> str:
    """The guide's home page as it reads on `day` (Shanghai)."""
    monkeypatch.setattr(selectors, "viewer_for", lambda user, now=None: VIEWER_FOR(user, now=shanghai(day, "09:00")))
    return client.get("/workspace/").content.decode()


# --- follow-ups and reminders ---------------------------------------------------------------------------

def test_a_follow_up_is_recorded_with_its_audit_row(world, member, guide):
    response = guide.post(f"/workspace/m/{member.code}/follow-ups/",
                          {"kind": "wechat", "text": "微信发了新品试用装介绍", "remind_on": ""})

    assert response.status_code == 302 and said(response) == "跟进已记录。"
    follow_up = FollowUp.objects.get()
    assert (follow_up.member, follow_up.author, follow_up.kind, follow_up.text, follow_up.remind_on) == (
        member, world.guide_a, "wechat", "微信发了新品试用装介绍", None)
    action = only_action(ActionKind.FOLLOW_UP)
    assert (action.actor, action.member, action.detail) == (world.guide_a, member, {"follow_up": follow_up.pk})


def test_a_reminder_shows_on_its_day_then_as_overdue_and_goes_once_done(world, member, guide, monkeypatch):
    # Given a follow-up with a reminder three days from now
    day = timezone.localdate() + timedelta(days=3)
    guide.post(f"/workspace/m/{member.code}/follow-ups/",
               {"kind": "phone", "text": "约好周末来店试新色", "remind_on": day.isoformat()})
    follow_up = FollowUp.objects.get()

    # Then it is not in 今日提醒 the day before, is there on the day, and is overdue two days later
    assert "约好周末来店试新色" not in home_on(guide, monkeypatch, day - timedelta(days=1))
    on_the_day = home_on(guide, monkeypatch, day)
    assert "今日提醒" in on_the_day and "约好周末来店试新色" in on_the_day and "已逾期" not in on_the_day
    assert "已逾期 2 天" in home_on(guide, monkeypatch, day + timedelta(days=2))

    # When the guide marks it done
    response = guide.post(f"/workspace/reminders/{follow_up.pk}/done/")

    # Then it leaves the list (the follow-up itself stays, marked handled)
    assert response.status_code == 302
    assert "约好周末来店试新色" not in home_on(guide, monkeypatch, day + timedelta(days=2))
    assert FollowUp.objects.get().reminder_done_at is not None


def test_a_reminder_is_only_in_its_author_s_list(world, member, guide, monkeypatch):
    day = timezone.localdate() + timedelta(days=1)
    guide.post(f"/workspace/m/{member.code}/follow-ups/", {"kind": "visit", "text": "到店试用", "remind_on": day})
    colleague = signed_in(staff("guide_a2", GUIDE, store=world.store_a))

    assert "到店试用" not in home_on(colleague, monkeypatch, day)
    assert colleague.post(f"/workspace/reminders/{FollowUp.objects.get().pk}/done/").status_code == 404
    assert FollowUp.objects.get().reminder_done_at is None


def test_a_reminder_in_the_past_is_refused(world, member, guide):
    yesterday = timezone.localdate() - timedelta(days=1)

    response = guide.post(f"/workspace/m/{member.code}/follow-ups/",
                          {"kind": "phone", "text": "回访", "remind_on": yesterday.isoformat()})

    assert "已经过去" in said(response)
    assert not FollowUp.objects.exists() and not StaffAction.objects.exists()


# --- tags --------------------------------------------------------------------------------------------

def test_a_guide_puts_on_and_takes_off_a_guide_usable_tag(world, member, guide):
    tag = guide_tag()

    on = guide.post(f"/workspace/m/{member.code}/tags/", {"tag": tag.pk, "on": "1", "reason": "顾客说偏爱护肤"})

    assert said(on) == "已打上标签「爱护肤」。"
    assert TagMembership.objects.filter(member=member, tag=tag).exists()
    change = TagChange.objects.get(member=member, tag=tag, added=True)
    assert (change.actor, change.reason) == (world.guide_a, "顾客说偏爱护肤")
    action = only_action(ActionKind.TAG_ON)
    assert (action.actor, action.member, action.reason, action.detail) == (
        world.guide_a, member, "顾客说偏爱护肤", {"tag": tag.code})

    off = guide.post(f"/workspace/m/{member.code}/tags/", {"tag": tag.pk, "on": "0", "reason": "打错了"})

    assert said(off) == "已取下标签「爱护肤」。"
    assert not TagMembership.objects.filter(member=member, tag=tag).exists()
    assert TagChange.objects.filter(member=member, tag=tag, added=False).exists()
    assert only_action(ActionKind.TAG_OFF).reason == "打错了"


def test_a_tag_not_marked_for_guides_is_refused_in_chinese(world, member, guide):
    tag = guide_tag("high_value", "高价值", guide_usable=False)

    response = guide.post(f"/workspace/m/{member.code}/tags/", {"tag": tag.pk, "on": "1", "reason": ""})

    assert said(response) == "您没有为会员打上或取下标签「高价值」的权限。"
    assert not TagMembership.objects.filter(member=member).exists()
    assert not TagChange.objects.exists() and not StaffAction.objects.exists()


def test_the_add_tag_page_offers_only_guide_usable_tags(world, member, guide):
    guide_tag()
    guide_tag("high_value", "高价值", guide_usable=False)

    html = guide.get(f"/workspace/m/{member.code}/tags/add/").content.decode()

    assert "爱护肤" in html and "高价值" not in html


# --- consent -----------------------------------------------------------------------------------------

def test_consent_with_evidence_is_recorded_with_its_source_and_actor(world, member, guide):
    response = guide.post(f"/workspace/m/{member.code}/consent/",
                          {"granted": "1", "evidence": "纸质授权表 No.0123"})

    assert said(response) == "营销授权已记录。"
    record = ConsentRecord.objects.get(member=member)
    assert (record.channel, record.status, record.actor) == ("sms", "granted", world.guide_a)
    assert "纸质授权表 No.0123" in record.source
    action = only_action(ActionKind.CONSENT)
    assert (action.actor, action.member, action.reason) == (world.guide_a, member, "纸质授权表 No.0123")


def test_consent_without_evidence_is_refused(world, member, guide):
    response = guide.post(f"/workspace/m/{member.code}/consent/", {"granted": "1", "evidence": ""})

    assert "请写明授权凭据" in said(response)
    assert not ConsentRecord.objects.exists() and not StaffAction.objects.exists()


# --- binding -----------------------------------------------------------------------------------------

def test_a_guide_binds_a_member_to_themselves_where_the_store_allows(world, member, guide):
    response = guide.post(f"/workspace/m/{member.code}/bind/", {"reason": "老顾客指定"})

    assert said(response) == "已绑定为您的专属会员。"
    binding = GuideBinding.objects.get(member=member, ended_at__isnull=True)
    assert (binding.guide, binding.store, binding.bound_by, binding.reason) == (
        world.guide_a, world.store_a, world.guide_a, "老顾客指定")
    action = only_action(ActionKind.BIND)
    assert (action.actor, action.member, action.reason) == (world.guide_a, member, "老顾客指定")


def test_binding_is_refused_when_the_store_does_not_allow_it(world, member, guide):
    world.store_a.guides_may_bind = False
    world.store_a.save(update_fields=["guides_may_bind"])

    response = guide.post(f"/workspace/m/{member.code}/bind/", {"reason": ""})

    assert said(response) == "您所在的门店不允许导购自行绑定会员，请联系店长。"
    assert not GuideBinding.objects.exists() and not StaffAction.objects.exists()


def test_binding_is_refused_when_another_guide_holds_the_member(world, member, guide):
    # Given a colleague in the same store who bound the member first
    colleague = staff("guide_a2", GUIDE, store=world.store_a)
    signed_in(colleague).post(f"/workspace/m/{member.code}/bind/", {"reason": "先来"})

    # When the guide tries to take the member
    response = guide.post(f"/workspace/m/{member.code}/bind/", {"reason": "抢"})

    # Then the colleague keeps the member
    assert said(response) == "该会员已有专属导购 guide_a2，换绑请联系店长。"
    assert GuideBinding.objects.get(member=member, ended_at__isnull=True).guide == colleague
    assert StaffAction.objects.filter(kind=ActionKind.BIND).count() == 1


def test_unbinding_needs_a_reason(world, member, guide):
    guide.post(f"/workspace/m/{member.code}/bind/", {"reason": "老顾客"})

    response = guide.post(f"/workspace/m/{member.code}/unbind/", {"reason": ""})

    assert "请写明" in said(response) and "原因" in said(response)
    assert GuideBinding.objects.get(member=member).ended_at is None
    assert not StaffAction.objects.filter(kind=ActionKind.UNBIND).exists()


def test_unbinding_with_a_reason_ends_the_binding_and_is_audited(world, member, guide):
    guide.post(f"/workspace/m/{member.code}/bind/", {"reason": "老顾客"})

    response = guide.post(f"/workspace/m/{member.code}/unbind/", {"reason": "顾客搬去北京"})

    assert said(response) == "已解除专属导购绑定。"
    binding = GuideBinding.objects.get(member=member)
    assert binding.ended_at is not None and (binding.ended_by, binding.end_reason) == (world.guide_a, "顾客搬去北京")
    action = only_action(ActionKind.UNBIND)
    assert (action.actor, action.member, action.reason) == (world.guide_a, member, "顾客搬去北京")


# --- walk-in registration ------------------------------------------------------------------------------

def test_registering_an_existing_mobile_opens_that_member(world, member, guide):
    members, identities = Member.objects.count(), Identity.objects.count()

    response = guide.post("/workspace/register/", {"mobile": "139 0000 1111", "name": "王小芳",
                                                   "store": world.store_a.pk})

    assert response.status_code == 302 and response["Location"] == f"/workspace/m/{member.code}/"
    assert said(response) == "该手机号已是会员，已为您打开会员卡。"
    assert (Member.objects.count(), Identity.objects.count()) == (members, identities)
    action = only_action(ActionKind.REGISTER)
    assert (action.actor, action.member, action.detail) == (world.guide_a, member, {"found": True})


def test_registering_a_new_mobile_creates_one_member_of_the_guide_s_store(world, guide):
    members = Member.objects.count()

    response = guide.post("/workspace/register/", {"mobile": "13900002222", "name": "李娜",
                                                   "store": world.store_a.pk})

    assert Member.objects.count() == members + 1
    created = Member.objects.get(identities__kind=IdentifierKind.MOBILE, identities__value="+8613900002222")
    assert (created.name, created.home_store) == ("李娜", world.store_a)
    assert response["Location"] == f"/workspace/m/{created.code}/"
    assert said(response) == "已登记为新会员。"
    action = only_action(ActionKind.REGISTER)
    assert (action.actor, action.member, action.detail) == (world.guide_a, created,
                                                            {"found": False, "store": world.store_a.code})
    # and the guide can open the new member's card at once (home store is theirs)
    assert guide.get(response["Location"]).status_code == 200


def test_registering_the_same_new_mobile_twice_gives_one_member(world, guide):
    guide.post("/workspace/register/", {"mobile": "13900003333", "name": "赵敏"})
    members = Member.objects.count()

    guide.post("/workspace/register/", {"mobile": "+86 139-0000-3333", "name": "赵敏"})

    assert Member.objects.count() == members
    assert [a.detail["found"] for a in StaffAction.objects.filter(kind=ActionKind.REGISTER).order_by("pk")] == [
        False, True]


def test_an_invalid_mobile_is_refused_next_to_the_field(world, guide):
    members = Member.objects.count()

    response = guide.post("/workspace/register/", {"mobile": "12345", "name": "某人"})

    assert response.status_code == 200 and "手机号「12345」无效" in response.content.decode()
    assert Member.objects.count() == members and not StaffAction.objects.exists()


def test_registering_another_store_s_customer_does_not_end_on_a_404(world, member):
    # Given a customer of store A walking into store B
    other_guide = signed_in(world.guide_b)

    # When store B's guide registers her mobile
    response = other_guide.post("/workspace/register/", {"mobile": "13900001111", "name": "王芳"}, follow=True)

    # Then no duplicate is made, and the guide is not sent to a page saying she does not exist
    assert Member.objects.filter(identities__value="+8613900001111").count() == 1
    assert response.status_code == 200
