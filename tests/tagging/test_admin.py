"""The tagging admin: pages per kind, applying a static tag from a file, taking tags off, the PII guard."""

import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.roles import OPERATOR, sync_role_permissions
from members.masking import mask_data
from tagging.admin import why
from tagging.models import RunStatus, Tag, TagChange, TagKind, TagMembership, TagRefreshRun
from tagging.services import put_on
from tagging.services.refresh import refresh_tag
from tests.conftest import login
from tests.masked_viewer import masked_viewer, sent_to_admin_login, sign_in_guide
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


def test_staff_who_may_apply_only_guide_usable_tags_use_the_file_page_only_for_those(client, members):
    login(client, "clerk", perms=["tagging.view_tag", "tagging.apply_guide_tags"])
    usable, other = a_tag("coffee", guide_usable=True), a_tag("blacklist")

    assert client.get(reverse("admin:tagging_tag_apply_file", args=[usable.pk])).status_code == 200
    assert client.get(reverse("admin:tagging_tag_apply_file", args=[other.pk])).status_code == 403


def test_a_guide_is_refused_the_file_page_even_for_a_guide_usable_tag(client, members):
    # given a guide (tagging.apply_guide_tags, but no admin: they tag customers on the workspace card)
    sign_in_guide(client)
    usable = a_tag("coffee", guide_usable=True)
    url = reverse("admin:tagging_tag_apply_file", args=[usable.pk])

    # when they open the page and post a list to it
    page = client.get(url)
    posted = client.post(url, {"file": upload(f"会员编号\n{members[0].code}\n"), "action": "on"})

    # then the admin sends them to its login, and nobody was tagged
    assert sent_to_admin_login(page) and sent_to_admin_login(posted)
    assert not TagMembership.objects.exists()


def test_the_take_off_action_removes_only_the_tags_the_user_may_take_off(client, members):
    # given staff who may apply only guide-usable tags, and a member holding one and an operator-only tag
    login(client, "clerk", perms=["tagging.view_tagmembership", "tagging.apply_guide_tags"])
    usable, other = a_tag("coffee", guide_usable=True), a_tag("blacklist")
    for tag in (usable, other):
        put_on(tag=tag, member_ids=[members[0].pk])

    # when they select both memberships and take them off
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
    viewer = login(client, "viewer")
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


# ---- recompute now, runs, the why of a membership, variable tag form --------------------------------

IN_SHANGHAI = {"field": "member.city", "op": "eq", "value": "上海市"}


@pytest.fixture
def shanghai_members(person):
    sync_role_permissions()
    return [person(channel="pos", external_id=f"sh-{n}", mobile=f"1391234560{n}", name=f"上海{n}",
                   city=city).member for n, city in enumerate(["上海市", "上海市", "杭州市"])]


def test_recompute_now_on_the_tag_page_runs_the_refresh_and_shows_its_run(
        client, shanghai_members, django_capture_on_commit_callbacks):
    # given an operator and a dynamic tag nobody holds yet
    login(client, "operator", group=OPERATOR)
    tag = a_tag("sh", kind=TagKind.DYNAMIC, condition=IN_SHANGHAI)
    page = client.get(reverse("admin:tagging_tag_change", args=[tag.pk])).content.decode()
    assert reverse("admin:tagging_tag_recompute", args=[tag.pk]) in page and "立即重算" in page

    # when they press 立即重算 (the task runs after the request's commit)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:tagging_tag_recompute", args=[tag.pk]))

    # then they land on the run's page, and the run has put the tag on the two Shanghai members
    run = TagRefreshRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:tagging_tagrefreshrun_change", args=[run.pk])
    assert (run.tag, run.requested_by.username) == (tag, "operator")
    assert [tag_codes(m) for m in shanghai_members] == [{"sh"}, {"sh"}, set()]
    status = client.get(reverse("admin:tagging_tagrefreshrun_status", args=[run.pk])).json()
    assert status | {"summary": None} == {
        "status": "done", "status_label": "已完成", "finished": True, "progress": 1.0, "tags_done": 1,
        "tags_total": 1, "added": 2, "removed": 0, "summary": None, "error": ""}
    assert status["summary"] == [{"tag_code": "sh", "added": 2, "removed": 0, "error": ""}]


def test_the_run_page_shows_the_progress_bar_and_the_summary_of_a_finished_run(client, shanghai_members):
    login(client, "operator", group=OPERATOR)
    tag = a_tag("sh", kind=TagKind.DYNAMIC, condition=IN_SHANGHAI)
    run = TagRefreshRun.objects.create(tag=tag, status=RunStatus.DONE, progress=1.0, tags_done=1, tags_total=1,
                                       added=2, summary=[{"tag_code": "sh", "added": 2, "removed": 0, "error": ""}])

    page = client.get(reverse("admin:tagging_tagrefreshrun_change", args=[run.pk])).content.decode()

    assert 'id="run-bar"' in page and 'data-finished="1"' in page and "新打上 2 人" in page
    assert "<th>标签编码</th>" in page and "<td>sh</td>" in page
    assert f"tag__id__exact={tag.pk}" in page  # to the members who hold it, and why
    assert client.get(reverse("admin:tagging_tagrefreshrun_changelist")).status_code == 200


def test_a_running_run_page_polls_its_status(client, shanghai_members):
    login(client, "operator", group=OPERATOR)
    run = TagRefreshRun.objects.create(tag=None, status=RunStatus.RUNNING, progress=0.5, tags_done=3, tags_total=6)

    page = client.get(reverse("admin:tagging_tagrefreshrun_change", args=[run.pk])).content.decode()
    status = client.get(reverse("admin:tagging_tagrefreshrun_status", args=[run.pk])).json()

    assert 'data-finished="0"' in page and "tagging/run_progress.js" in page and "3/6" in page
    assert reverse("admin:tagging_tagrefreshrun_status", args=[run.pk]) in page
    assert (status["finished"], status["progress"], status["status_label"]) == (False, 0.5, "计算中")


def test_a_runs_error_is_masked_for_staff_who_may_not_see_phones(client, shanghai_members):
    masked_viewer(client, "tagging.view_tagrefreshrun")
    run = TagRefreshRun.objects.create(status=RunStatus.FAILED, error="sh: 会员 13912345600 的数据有误", summary=[
        {"tag_code": "sh", "added": 0, "removed": 0, "error": "会员 13912345600 的数据有误"}])

    status = client.get(reverse("admin:tagging_tagrefreshrun_status", args=[run.pk])).json()
    page = client.get(reverse("admin:tagging_tagrefreshrun_change", args=[run.pk])).content.decode()

    assert status["error"] == "sh: 会员 139****5600 的数据有误"
    assert status["summary"][0]["error"] == "会员 139****5600 的数据有误"
    assert "13912345600" not in page + json.dumps(status) and "<td>会员 139****5600 的数据有误</td>" in page


def test_the_recompute_action_starts_one_run_per_computed_tag_and_skips_static_ones(
        client, shanghai_members, django_capture_on_commit_callbacks):
    # given an operator, a dynamic tag and a static one
    login(client, "operator", group=OPERATOR)
    dynamic, static = a_tag("sh", kind=TagKind.DYNAMIC, condition=IN_SHANGHAI), a_tag("vip")

    # when they select both on the tag list and choose 立即重算
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:tagging_tag_changelist"), {
            "action": "recompute_now", "_selected_action": [dynamic.pk, static.pk]}, follow=True)

    # then the dynamic tag was recomputed, the static one skipped with a word, and the run page shown
    run = TagRefreshRun.objects.get()
    assert run.tag == dynamic and run.status == RunStatus.DONE
    assert response.redirect_chain[-1][0] == reverse("admin:tagging_tagrefreshrun_change", args=[run.pk])
    assert "已跳过：VIP" in response.content.decode()
    assert [tag_codes(m) for m in shanghai_members] == [{"sh"}, {"sh"}, set()]


def test_recomputing_two_tags_at_once_lists_the_runs(client, shanghai_members, django_capture_on_commit_callbacks):
    login(client, "operator", group=OPERATOR)
    tags = [a_tag("sh", kind=TagKind.DYNAMIC, condition=IN_SHANGHAI),
            a_tag("hz", kind=TagKind.DYNAMIC, condition=IN_SHANGHAI | {"value": "杭州市"})]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:tagging_tag_changelist"), {
            "action": "recompute_now", "_selected_action": [t.pk for t in tags]})

    assert response["Location"] == reverse("admin:tagging_tagrefreshrun_changelist")
    assert TagRefreshRun.objects.filter(status=RunStatus.DONE).count() == 2


def test_a_static_tag_has_no_recompute_and_refuses_one(client, shanghai_members):
    login(client, "operator", group=OPERATOR)
    static = a_tag("vip")

    page = client.get(reverse("admin:tagging_tag_change", args=[static.pk])).content.decode()
    response = client.post(reverse("admin:tagging_tag_recompute", args=[static.pk]), follow=True)

    assert "立即重算" not in page.split('id="content-main"')[0]
    assert "无需重算" in response.content.decode()
    assert not TagRefreshRun.objects.exists()


def test_a_user_without_tag_change_permission_is_refused_the_recompute(client, shanghai_members):
    # given staff who may view tags, and a dynamic tag
    login(client, "reader", perms=["tagging.view_tag"])
    tag = a_tag("sh", kind=TagKind.DYNAMIC, condition=IN_SHANGHAI)

    # when they post to its recompute, and look at its page and the list's actions
    refused = client.post(reverse("admin:tagging_tag_recompute", args=[tag.pk]))
    page = client.get(reverse("admin:tagging_tag_change", args=[tag.pk])).content.decode()
    actions = client.get(reverse("admin:tagging_tag_changelist")).content.decode()

    # then it is refused, nothing is queued, and neither page offers it
    assert refused.status_code == 403
    assert not TagRefreshRun.objects.exists()
    assert "立即重算" not in page and "recompute_now" not in actions


def test_recompute_is_a_post(client, shanghai_members):
    login(client, "operator", group=OPERATOR)
    tag = a_tag("sh", kind=TagKind.DYNAMIC, condition=IN_SHANGHAI)

    assert client.get(reverse("admin:tagging_tag_recompute", args=[tag.pk])).status_code == 405
    assert not TagRefreshRun.objects.exists()


def test_the_run_status_needs_the_view_permission(client, shanghai_members):
    login(client, "nobody", perms=["tagging.view_tag"])
    run = TagRefreshRun.objects.create()

    assert client.get(reverse("admin:tagging_tagrefreshrun_status", args=[run.pk])).status_code == 403


def test_a_dynamic_membership_shows_its_rule_version_its_snapshot_and_explain_now(client, shanghai_members):
    # given a member who got a dynamic tag under rule version 1, and who still meets it
    login(client, "operator", group=OPERATOR)
    tag = a_tag("sh", kind=TagKind.DYNAMIC, condition={"all": [IN_SHANGHAI]})
    refresh_tag(tag)
    membership = TagMembership.objects.get(member=shanghai_members[0])

    # when an operator opens the membership
    page = client.get(reverse("admin:tagging_tagmembership_change", args=[membership.pk])).content.decode()

    # then the why says the rule version, the city when it went on, and ✓ per leaf now
    assert "为什么有这个标签" in page and "规则第 <strong>1</strong> 版" in page
    assert '<td class="leaf-path">all[0]</td><td>城市 等于 上海市</td><td><span class="verdict" title="满足">✓</span>上海市' \
        in page
    assert "现在仍满足条件" in page
    assert ('<li class="pass"><span class="verdict" title="满足">✓</span>城市 等于 上海市 — 实际：'
            '<span class="actual">上海市</span>') in page


def test_a_member_who_stopped_meeting_the_condition_sees_a_cross(client, shanghai_members):
    login(client, "operator", group=OPERATOR)
    tag = a_tag("sh", kind=TagKind.DYNAMIC, condition={"all": [IN_SHANGHAI]}, keep_days=30)
    refresh_tag(tag)
    member = shanghai_members[0]
    type(member).objects.filter(pk=member.pk).update(city="苏州市")
    membership = TagMembership.objects.get(member=member)

    page = client.get(reverse("admin:tagging_tagmembership_change", args=[membership.pk])).content.decode()

    assert "现在已不满足条件" in page
    assert '<li class="fail"><span class="verdict" title="不满足">✗</span>城市 等于 上海市 — 实际：' in page


def test_a_static_membership_shows_who_put_it_on_and_a_viewer_reads_the_reason_masked(client, shanghai_members):
    # given a static tag put on by an operator with a reason that carries a phone
    operator = login(Client(), "operator", group=OPERATOR)
    put_on(tag=a_tag("vip"), member_ids=[shanghai_members[0].pk], actor=operator, reason="顾客 13912345600 来电")
    membership = TagMembership.objects.get()
    masked_viewer(client, "tagging.view_tagmembership")

    # when staff who may not see phones open the membership and the list
    page = client.get(reverse("admin:tagging_tagmembership_change", args=[membership.pk])).content.decode()
    listing = client.get(reverse("admin:tagging_tagmembership_changelist")).content.decode()

    # then they read who and why, with the phone masked
    assert "由 <strong>operator</strong>" in page and "顾客 139****5600 来电" in page
    assert "operator：顾客 139****5600 来电" in listing
    assert "13912345600" not in page + listing


def test_a_variable_membership_shows_its_value_and_evidence(client, shanghai_members):
    login(client, "operator", group=OPERATOR)
    tag = a_tag("fav", kind=TagKind.VARIABLE, extractor="favourite_category")
    member = shanghai_members[0]
    membership = TagMembership.objects.create(
        member=member, origin_member=member, tag=tag, value="护肤", since=timezone.now(),
        evidence={"text": "护肤 ¥2,340 / 总 ¥3,100，5 笔订单", "orders": 5, "share": 0.7548, "channel": "tmall"})

    page = client.get(reverse("admin:tagging_tagmembership_change", args=[membership.pk])).content.decode()
    listing = client.get(reverse("admin:tagging_tagmembership_changelist")).content.decode()

    assert "取值：<strong>护肤</strong>" in page and "依据：护肤 ¥2,340 / 总 ¥3,100，5 笔订单" in page
    assert "<th>订单数</th><td>5</td>" in page and "<th>占比</th><td>75%</td>" in page
    assert "<th>渠道</th><td>天猫</td>" in page
    assert "护肤 ¥2,340 / 总 ¥3,100，5 笔订单" in listing


def variable_tag_form(category, **fields) -> dict:
    return {"code": "fav", "name": "偏好品类", "category": category.pk, "kind": TagKind.VARIABLE,
            "colour": "#1677ff", "active": "on", "keep_days": "0", "min_orders": "1", "condition": "", **fields}


def test_a_variable_tag_chooses_its_extractor_from_a_list(client, shanghai_members):
    login(client, "operator", group=OPERATOR)

    form = client.get(reverse("admin:tagging_tag_add")).context["adminform"].form

    choices = dict(form.fields["extractor"].choices)
    assert choices["favourite_category"] and "" in choices


def test_a_variable_tags_params_are_checked_by_its_extractor(client, shanghai_members):
    login(client, "operator", group=OPERATOR)
    category = a_tag("other").category

    bad = client.post(reverse("admin:tagging_tag_add"), variable_tag_form(
        category, extractor="favourite_category", params='{"no_such": 1}'))
    not_object = client.post(reverse("admin:tagging_tag_add"), variable_tag_form(
        category, extractor="favourite_category", params="[1]"))
    good = client.post(reverse("admin:tagging_tag_add"), variable_tag_form(
        category, extractor="favourite_category", params='{"window_days": 180}'))

    assert "no_such" in " ".join(bad.context["adminform"].form.errors["params"])
    assert not_object.context["adminform"].form.errors["params"] == [
        '取值参数需要 JSON 对象，如 {"window_days": 365}。']
    assert good.status_code == 302 and Tag.objects.get(code="fav").params == {"window_days": 180}


def test_a_viewer_reads_the_tag_history_with_phones_in_reasons_masked(client, shanghai_members):
    # given a static tag put on with a reason that carries a phone
    put_on(tag=a_tag("vip"), member_ids=[shanghai_members[0].pk], reason="顾客 13912345600 来电")
    change = TagChange.objects.get()
    masked_viewer(client, "tagging.view_tagchange")

    # when staff who may not see phones open the history list and the change
    listing = client.get(reverse("admin:tagging_tagchange_changelist")).content.decode()
    page = client.get(reverse("admin:tagging_tagchange_change", args=[change.pk])).content.decode()

    # then the phone is masked in both
    assert "顾客 139****5600 来电" in listing and "顾客 139****5600 来电" in page
    assert "13912345600" not in listing + page


def test_the_tag_lists_member_count_links_to_the_holders(client, shanghai_members):
    login(client, "operator", group=OPERATOR)
    tag = a_tag("vip")
    put_on(tag=tag, member_ids=[shanghai_members[0].pk])

    page = client.get(reverse("admin:tagging_tag_changelist")).content.decode()
    holders = client.get(reverse("admin:tagging_tagmembership_changelist"), {"tag__id__exact": tag.pk})

    assert f'href="{reverse("admin:tagging_tagmembership_changelist")}?tag__id__exact={tag.pk}">1</a>' in page
    assert [m.member for m in holders.context["cl"].result_list] == [shanghai_members[0]]


def test_a_variable_tag_page_explains_each_extractor_and_its_defaults(client, shanghai_members):
    login(client, "operator", group=OPERATOR)
    tag = a_tag("band", kind=TagKind.VARIABLE, extractor="price_band")

    page = client.get(reverse("admin:tagging_tag_change", args=[tag.pk])).content.decode()

    assert "取值方式说明" in page and "<code>price_band</code>" in page
    assert "<code>bands</code> 分段，默认 <code>[0, 100, 300, 500, 1000]</code>" in page


def test_a_missing_run_gets_djangos_answer_not_an_error(client, shanghai_members):
    login(client, "operator", group=OPERATOR)

    page = client.get(reverse("admin:tagging_tagrefreshrun_change", args=[999999]))
    status = client.get(reverse("admin:tagging_tagrefreshrun_status", args=[999999]))

    assert page.status_code == 302 and status.status_code == 404


def test_the_why_tree_shows_nested_groups_and_masks_values_for_guides():
    # given an explanation of "any of: not(city is 上海市), mobile contains a number" (as_dict form)
    leaf = {"path": "any[0].not", "field": "member.city", "label": "城市", "op": "eq", "op_label": "等于",
            "value": "上海市", "window": None, "actual": "上海市", "passed": True}
    other = {"path": "any[1]", "field": "member.attr.note", "label": "备注", "op": "contains", "op_label": "包含",
             "value": "VIP", "window": "2026-01-01 至 2026-03-31", "actual": "请拨 13912345600", "passed": False}
    tree = {"path": "", "group": "any", "passed": False, "children": [
        {"path": "any[0]", "group": "not", "passed": False, "children": [leaf]}, other]}

    # when it is drawn for a viewer who may not see phones
    html = why.explain_html(tree, mask_data)

    # then each group says how it combines, each leaf has its verdict, window and masked value
    assert "以下满足任一" in html and "以下不成立" in html
    assert html.count("✗") == 3 and html.count("✓") == 1  # the root, the not and the note fail
    assert "备注（2026-01-01 至 2026-03-31） 包含 VIP — 实际：<span class=\"actual\">请拨 139****5600</span>" in html
    assert "13912345600" not in html


def test_the_member_page_lists_the_members_tags_with_a_short_why_and_masks_reasons_for_viewers(client, members):
    # given a static tag put on with a reason that carries a phone number
    tag = a_tag("vip", name="VIP 专属")
    put_on(tag=tag, member_ids=[members[0].pk], reason="顾客 13812345678 来电要求")
    page = reverse("admin:members_member_change", args=[members[0].pk])
    # when an operator opens the member page, then the tag and its full reason are listed
    login(client, "operator", group=OPERATOR)
    body = client.get(page).content.decode()
    assert "VIP 专属" in body and "来电要求" in body
    # and staff who may not see phones see the tag with the phone in the reason masked
    viewer = Client()
    masked_viewer(viewer, "members.view_member", "tagging.view_tagmembership")
    body = viewer.get(page).content.decode()
    assert "VIP 专属" in body and "来电要求" in body and "13812345678" not in body
