"""The tagging admin: pages per kind, applying a static tag from a file, taking tags off, the PII guard."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from core.roles import GUIDE, OPERATOR, sync_role_permissions
from tagging.models import Tag, TagChange, TagKind, TagMembership
from tagging.services import put_on
from tests.conftest import login
from tests.members.test_admin_pii_lookups import distinguishing_probes
from tests.tagging.helpers import a_tag, tag_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(person):
    sync_role_permissions()
    return [person(channel="pos", external_id=f"card-{n}", mobile=f"1381234560{n}", name=f"顾客{n}").member
            for n in range(2)]


def upload(text: str, name="名单.csv"):
    file = io.BytesIO(text.encode("utf-8"))
    file.name = name
    return file


def test_an_operator_opens_every_tagging_page_and_each_kind_shows_its_own_fields(client, members):
    login(client, "operator", group=OPERATOR)
    static = a_tag("vip")
    dynamic = a_tag("buyer", kind=TagKind.DYNAMIC, condition={"field": "orders.count", "op": "gte", "value": 1})
    variable = a_tag("fav", kind=TagKind.VARIABLE, extractor="favourite_category")
    put_on(tag=static, member_ids=[members[0].pk])

    for name in ("tagcategory", "tag", "tagmembership", "tagchange"):
        assert client.get(reverse(f"admin:tagging_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:tagging_tag_add")).status_code == 200
    pages = {tag.kind: client.get(reverse("admin:tagging_tag_change", args=[tag.pk])).content.decode()
             for tag in (static, dynamic, variable)}
    assert "导购可用" in pages[TagKind.STATIC] and "条件" not in pages[TagKind.STATIC]
    assert "规则版本" in pages[TagKind.DYNAMIC] and "取值方式" not in pages[TagKind.DYNAMIC]
    assert "最少订单数" in pages[TagKind.VARIABLE] and "导购可用" not in pages[TagKind.VARIABLE]
    membership = TagMembership.objects.get()
    assert client.get(reverse("admin:tagging_tagmembership_change", args=[membership.pk])).status_code == 200


def test_changing_a_dynamic_tags_condition_raises_its_rule_version(client, members):
    login(client, "operator", group=OPERATOR)
    tag = a_tag("buyer", kind=TagKind.DYNAMIC, condition={"field": "member.city", "op": "eq", "value": "上海市"})
    url = reverse("admin:tagging_tag_change", args=[tag.pk])
    form = {"code": "buyer", "name": "购买者", "category": tag.category_id, "colour": "#1677ff", "active": "on",
            "keep_days": "0", "condition": '{"field": "member.city", "op": "in", "value": ["上海市", "杭州市"]}'}

    response = client.post(url, form)

    assert response.status_code == 302
    assert Tag.objects.get(pk=tag.pk).rule_version == 2


def test_an_operator_applies_a_tag_from_a_file_and_sees_each_bad_row(client, members):
    login(client, "operator", group=OPERATOR)
    tag = a_tag("vip")
    url = reverse("admin:tagging_tag_apply_file", args=[tag.pk])

    bad = client.post(url, {"file": upload(f"会员编号\n{members[0].code}\nM404\n"), "action": "on"})
    good = client.post(url, {"file": upload(f"会员编号\n{members[0].code}\n{members[1].code}\n"), "action": "on",
                             "reason": "活动名单"})

    assert "M404" in bad.content.decode() and "找不到该会员编号" in bad.content.decode()
    assert good.status_code == 200 and "已为 2 位会员打上" in good.content.decode()
    assert [tag_codes(m) for m in members] == [{"vip"}, {"vip"}]
    assert set(TagChange.objects.values_list("reason", flat=True)) == {"活动名单"}


def test_a_guide_uses_the_file_page_only_for_tags_marked_guide_usable(client, members):
    login(client, "guide", group=GUIDE)
    usable, other = a_tag("coffee", guide_usable=True), a_tag("blacklist")

    assert client.get(reverse("admin:tagging_tag_apply_file", args=[usable.pk])).status_code == 200
    assert client.get(reverse("admin:tagging_tag_apply_file", args=[other.pk])).status_code == 403


def test_the_take_off_action_removes_only_the_tags_the_user_may_take_off(client, members):
    # given a guide, and a member holding a guide-usable tag and an operator-only tag
    login(client, "guide", group=GUIDE)
    usable, other = a_tag("coffee", guide_usable=True), a_tag("blacklist")
    for tag in (usable, other):
        put_on(tag=tag, member_ids=[members[0].pk])

    # when the guide selects both memberships and takes them off
    response = client.post(reverse("admin:tagging_tagmembership_changelist"), {
        "action": "take_off_selected", "_selected_action": list(TagMembership.objects.values_list("pk", flat=True))},
        follow=True)

    # then only the guide-usable one came off, and the refusal is shown
    assert tag_codes(members[0]) == {"blacklist"}
    assert "没有为会员打上或取下标签「BLACKLIST」的权限" in response.content.decode()


def test_no_tagging_filter_or_sort_tells_a_viewer_a_right_guess_of_personal_data(client, members):
    # given memberships and history of two people whose reasons carry phones
    for n, member in enumerate(members):
        put_on(tag=a_tag(f"t{n}"), member_ids=[member.pk], reason=f"顾客 1391234567{n} 来电")
    viewer = login(client, "viewer", group=GUIDE)
    viewer.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    viewer = type(viewer).objects.get(pk=viewer.pk)

    # when every tagging admin is probed with right and wrong guesses of members' personal data
    found, walked = distinguishing_probes(viewer, models={TagMembership, TagChange})

    # then none tells them apart
    assert walked > 50
    assert found == []


def test_an_operator_tags_one_member_by_typing_the_code(client, members):
    login(client, "operator", group=OPERATOR)
    tag = a_tag("vip")

    response = client.post(reverse("admin:tagging_tag_apply_file", args=[tag.pk]),
                           {"codes": f"  {members[1].code}  \n\n", "action": "on", "reason": "到店确认"})

    assert "已为 1 位会员打上" in response.content.decode()
    assert [tag_codes(m) for m in members] == [set(), {"vip"}]


def test_the_apply_page_asks_for_a_file_or_codes(client, members):
    login(client, "operator", group=OPERATOR)

    response = client.post(reverse("admin:tagging_tag_apply_file", args=[a_tag("vip").pk]), {"action": "on"})

    assert "请上传会员名单或填写会员编号" in response.content.decode()
    assert not TagMembership.objects.exists()


def test_the_tag_list_shows_how_many_members_hold_each_tag(client, members):
    login(client, "operator", group=OPERATOR)
    held = a_tag("vip")
    a_tag("new")
    put_on(tag=held, member_ids=[m.pk for m in members])

    response = client.get(reverse("admin:tagging_tag_changelist"))

    counts = {tag.code: tag.members_holding for tag in response.context["cl"].result_list}
    assert counts == {"vip": 2, "new": 0}
