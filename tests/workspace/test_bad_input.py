"""Bad input in the workspace: searches that cannot be searched for get a clear Chinese message (the
page 200 with it, the API 400 {detail}) and never an error page; every form needs its CSRF token;
a follow-up or a walk-in that cannot be written says why in Chinese and writes nothing."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from members.models import ConsentRecord, GuideBinding, Member
from members.services.staff import bind_guide
from tagging.models import TagMembership
from tests.tagging.helpers import a_tag
from tests.workspace.scope_helpers import signed_in
from workspace import services
from workspace.models import FollowUp, StaffAction

SEARCH_PAGE, SEARCH_API = "/workspace/search/", "/api/workspace/members/search/"
TOO_SHORT = "号码太短"
TOO_LONG = "搜索内容太长"
NOTHING = "请输入手机号"

# (what was typed, what the guide is told)
REFUSED = [
    ("1", TOO_SHORT),
    ("123", TOO_SHORT),
    ("1 2 3", TOO_SHORT),
    ("１２３", TOO_SHORT),                 # full-width digits
    ("x" * 1000, TOO_LONG),
    ("1" * 1000, TOO_LONG),
    ("王" * 65, TOO_LONG),
    ("   ", NOTHING),
    ("\x01\x02\x1f\x7f", NOTHING),         # control characters only
    ("\u200b\u202e\ufeff", NOTHING),       # invisible format characters only
    ("\t\r\n", NOTHING),
]
REFUSED_IDS = ["one-digit", "three-digits", "spaced-digits", "fullwidth-digits", "1000-letters", "1000-digits",
               "65-hanzi", "spaces", "control-chars", "invisible-chars", "tab-newline"]

# Text a guide may well type into the box (a nick can hold an emoji): searched as plain text, safely.
SEARCHED_AS_TEXT = ["' OR 1=1 --", "1; DROP TABLE members_member", "😀", "%", "_", "\\", "<script>alert(1)</script>"]


@pytest.fixture
def fang(world, customer):
    return customer(store=world.store_a, mobile="13900001234", name="王芳")


# ---- search -------------------------------------------------------------------------------------


@pytest.mark.parametrize("q, message", REFUSED, ids=REFUSED_IDS)
def test_a_search_that_cannot_be_searched_is_explained_on_the_page(world, fang, q, message):
    response = signed_in(world.guide_a).get(SEARCH_PAGE, {"q": q})

    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.parametrize("q, message", REFUSED, ids=REFUSED_IDS)
def test_a_search_that_cannot_be_searched_is_a_400_with_the_message_from_the_api(world, fang, q, message):
    response = signed_in(world.guide_a).get(SEARCH_API, {"q": q})

    assert response.status_code == 400
    assert list(response.json()) == ["detail"] and message in response.json()["detail"]


def test_the_too_long_message_says_how_long_and_the_limit(world, fang):
    detail = signed_in(world.guide_a).get(SEARCH_API, {"q": "x" * 1000}).json()["detail"]

    assert detail == "搜索内容太长（1000 个字符），最多 64 个字符。"


def test_sixty_four_characters_are_still_searched(world, fang):
    response = signed_in(world.guide_a).get(SEARCH_API, {"q": "王" * 64})

    assert response.status_code == 200 and response.json() == {"kind": "text", "results": []}


def test_an_empty_or_missing_query_is_a_400_from_the_api(world, fang):
    client = signed_in(world.guide_a)

    for params in ({"q": ""}, {}):
        response = client.get(SEARCH_API, params)
        assert response.status_code == 400 and NOTHING in response.json()["detail"]


def test_an_empty_query_on_the_page_shows_the_search_box_with_its_hint(world, fang):
    # the box itself is `required`; submitted empty anyway, the page is the plain search page
    response = signed_in(world.guide_a).get(SEARCH_PAGE, {"q": ""})

    assert response.status_code == 200
    assert "手机号 / 尾号后四位 / 姓名 / 会员编号 / 渠道账号" in response.content.decode()


@pytest.mark.parametrize("q", SEARCHED_AS_TEXT)
def test_sql_looking_text_and_emoji_are_searched_as_plain_text_and_find_nobody(world, fang, q):
    # when a guide types it on the page and the API
    client = signed_in(world.guide_a)
    page = client.get(SEARCH_PAGE, {"q": q})
    api = client.get(SEARCH_API, {"q": q})

    # then the page says nothing was found, the API answers an empty list — no error page, and the
    # members table is still there with fang in it
    assert page.status_code == 200 and "没有找到" in page.content.decode()
    assert api.status_code == 200 and api.json() == {"kind": "text", "results": []}
    assert Member.objects.filter(pk=fang.pk).exists()


def test_typed_markup_is_shown_escaped(world, fang):
    html = signed_in(world.guide_a).get(SEARCH_PAGE, {"q": "<script>alert(1)</script>"}).content.decode()

    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("q", ["12\x0134", "\u200b1234", "12\x0034", "1234\x7f"])
def test_control_characters_inside_a_number_are_ignored(world, fang, q):
    # the NUL is dropped by the request middleware, the others by the search
    response = signed_in(world.guide_a).get(SEARCH_API, {"q": q})

    assert response.status_code == 200
    assert [r["code"] for r in response.json()["results"]] == [fang.code]


@pytest.mark.parametrize("code", ["' OR 1=1 --", "M000000001;DROP", "😀", "x" * 1000, "%25", "..%2F..%2Fadmin"])
def test_a_strange_member_code_in_the_url_is_a_404_not_an_error(world, fang, code):
    client = signed_in(world.guide_a)

    assert client.get(f"/workspace/m/{code}/").status_code == 404
    assert client.get(f"/api/workspace/members/{code}/card/").status_code == 404
    assert not StaffAction.objects.exists()


@pytest.mark.parametrize("page", ["abc", "-5", "0", "99999999999999999999", "1e9", ""])
def test_a_strange_timeline_page_number_shows_a_page(world, fang, page):
    response = signed_in(world.guide_a).get(f"/workspace/m/{fang.code}/timeline/", {"page": page})

    assert response.status_code == 200


# ---- CSRF on every form --------------------------------------------------------------------------------


def _form(world, member, name):
    """(url, valid data, check that nothing was written) of each workspace form."""
    if name == "follow-up":
        return (f"/workspace/m/{member.code}/follow-ups/", {"kind": "phone", "text": "电话回访"},
                lambda: not FollowUp.objects.exists())
    if name == "tag":
        tag = a_tag("coffee", guide_usable=True)
        return (f"/workspace/m/{member.code}/tags/", {"tag": tag.pk, "on": "1"},
                lambda: not TagMembership.objects.exists())
    if name == "consent":
        before = ConsentRecord.objects.count()
        return (f"/workspace/m/{member.code}/consent/", {"granted": "1", "evidence": "纸质授权表 No.0123"},
                lambda: ConsentRecord.objects.count() == before)
    if name == "bind":
        return (f"/workspace/m/{member.code}/bind/", {"reason": "常客"}, lambda: not GuideBinding.objects.exists())
    if name == "unbind":
        bind_guide(member_id=member.pk, guide=world.guide_a, store=world.store_a, actor=world.guide_a)
        return (f"/workspace/m/{member.code}/unbind/", {"reason": "顾客要求"},
                lambda: GuideBinding.objects.filter(ended_at__isnull=True).count() == 1)
    if name == "reveal":
        world.guide_a.user_permissions.add(Permission.objects.get(content_type__app_label="members",
                                                                  codename="reveal_phone"))
        return (f"/workspace/m/{member.code}/reveal/", {"reason": "顾客来电核对订单"},
                lambda: not StaffAction.objects.exists())
    if name == "register":
        before = Member.objects.count()
        return ("/workspace/register/", {"mobile": "13600009999", "name": "新客"},
                lambda: Member.objects.count() == before)
    if name == "reminder-done":
        follow_up = services.write_follow_up(member=member, author=world.guide_a, kind="phone", text="回访",
                                             remind_on=timezone.localdate())
        StaffAction.objects.all().delete()
        return (f"/workspace/reminders/{follow_up.pk}/done/", {},
                lambda: FollowUp.objects.get(pk=follow_up.pk).reminder_done_at is None)
    raise AssertionError(name)


FORMS = ["follow-up", "tag", "consent", "bind", "unbind", "reveal", "register", "reminder-done"]


@pytest.mark.parametrize("name", FORMS)
def test_a_form_posted_without_its_csrf_token_is_refused_and_writes_nothing(world, fang, name):
    # given a guide whose post would otherwise be accepted
    url, data, nothing_written = _form(world, fang, name)
    client = signed_in(world.guide_a, csrf=True)
    client.get(f"/workspace/m/{fang.code}/")  # the CSRF cookie is set, as in a browser

    # when the form is posted without the token
    response = client.post(url, data)

    # then 403 and nothing written
    assert response.status_code == 403
    assert nothing_written()
    assert not StaffAction.objects.exists()


@pytest.mark.parametrize("name", FORMS)
def test_the_same_form_with_its_csrf_token_is_accepted(world, fang, name):
    # the control for the test above: the data was fine, only the token was missing
    url, data, nothing_written = _form(world, fang, name)
    client = signed_in(world.guide_a, csrf=True)
    client.get(f"/workspace/m/{fang.code}/")

    response = client.post(url, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})

    assert response.status_code in (200, 302)
    assert not nothing_written()


# ---- follow-ups that cannot be written -------------------------------------------------------------------


def post_follow_up(world, member, **data):
    return signed_in(world.guide_a).post(f"/workspace/m/{member.code}/follow-ups/",
                                         {"kind": "phone", "text": "电话回访", **data}, follow=True)


@pytest.mark.parametrize("data, message", [
    ({"text": ""}, "请写下跟进内容"),
    ({"text": "   \n  "}, "请写下跟进内容"),
    ({"text": "长" * 1001}, "最多 1000 字"),
    ({"remind_on": "yesterday"}, "已经过去"),
    ({"remind_on": "2026-13-45"}, "日期格式不对"),
    ({"kind": "fax"}, "方式"),
], ids=["empty", "blank", "1001-chars", "past-reminder", "bad-date", "unknown-kind"])
def test_a_follow_up_that_cannot_be_written_says_why_and_writes_nothing(world, fang, data, message):
    if data.get("remind_on") == "yesterday":
        data = {"remind_on": (timezone.localdate() - timedelta(days=1)).isoformat()}

    response = post_follow_up(world, fang, **data)

    # then back on her card with the Chinese error; no follow-up and no audit row
    assert response.status_code == 200
    assert response.redirect_chain == [(f"/workspace/m/{fang.code}/", 302)]
    assert message in response.content.decode()
    assert not FollowUp.objects.exists()
    assert not StaffAction.objects.exists()


def test_a_follow_up_of_exactly_1000_characters_is_written(world, fang):
    response = post_follow_up(world, fang, text="长" * 1000)

    assert "跟进已记录" in response.content.decode()
    assert len(FollowUp.objects.get().text) == 1000


def test_a_follow_up_with_todays_reminder_is_written(world, fang):
    response = post_follow_up(world, fang, remind_on=timezone.localdate().isoformat())

    assert "跟进已记录" in response.content.decode()
    assert FollowUp.objects.get().remind_on == timezone.localdate()


# ---- walk-in registration with a bad mobile ---------------------------------------------------------------


@pytest.mark.parametrize("mobile", ["12345", "1390000123", "23900001234", "abcdefghijk", "139-0000-123x"])
def test_registering_a_walk_in_with_an_invalid_mobile_names_the_value(world, fang, mobile):
    before = Member.objects.count()

    response = signed_in(world.guide_a).post("/workspace/register/", {"mobile": mobile, "name": "新客"})

    html = response.content.decode()
    assert response.status_code == 200
    assert f"手机号「{mobile}」无效" in html
    assert Member.objects.count() == before
    assert not StaffAction.objects.exists()


def test_registering_a_walk_in_with_no_mobile_asks_for_one(world, fang):
    response = signed_in(world.guide_a).post("/workspace/register/", {"mobile": "", "name": "新客"})

    assert response.status_code == 200 and "请输入顾客手机号" in response.content.decode()


def test_registering_a_walk_in_with_a_too_long_mobile_is_refused_in_chinese(world, fang):
    before = Member.objects.count()

    response = signed_in(world.guide_a).post("/workspace/register/", {"mobile": "1" * 40, "name": "新客"})

    assert response.status_code == 200 and "20" in response.content.decode() and "字符" in response.content.decode()
    assert Member.objects.count() == before
