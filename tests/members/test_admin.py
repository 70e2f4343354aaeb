"""Django admin for members: rendering, search, phone masking, merge/unmerge, review queue, export."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from members.models import (
    CandidateSource,
    CandidateStatus,
    ConsentRecord,
    Member,
    MemberStatus,
    MergeCandidate,
    MergeRecord,
    Order,
    Store,
)
from members.roles import GUIDE, sync_role_permissions
from members.services import merge_members
from tests.conftest import at

pytestmark = pytest.mark.django_db

MOBILE = "13800138000"
E164 = "+8613800138000"


def changelist(model: str) -> str:
    return reverse(f"admin:members_{model}_changelist")


def change(obj) -> str:
    return reverse(f"admin:members_{obj._meta.model_name}_change", args=[obj.pk])


def result_codes(response) -> set[str]:
    return {m.code for m in response.context["cl"].result_list}


def staff(client, username: str, *, group: str | None = None, perms: tuple[str, ...] = ()):
    user = get_user_model().objects.create_user(username=username, password="x", is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    client.force_login(user)
    return user


@pytest.fixture
def guide_client(client):
    # Roles get their permissions after migrate; re-sync so the test does not depend on which
    # app happens to migrate last (idempotent, as on every deploy).
    sync_role_permissions()
    staff(client, "guide", group=GUIDE)
    return client


@pytest.fixture
def alice(person):
    """A Tmall buyer with a mobile and a nick, registered first."""
    return person(
        channel="tmall", external_id="ouid-alice", name="王丽", mobile=MOBILE, city="上海市",
        identifiers={"tmall_nick": "lili_2020"}, registered_at=at("2024-01-01"),
    ).member


@pytest.fixture
def bob(person):
    """Another person (no shared identifier), registered later."""
    return person(
        channel="wechat_mp", external_id="openid-bob", name="王立", mobile="13900139000",
        registered_at=at("2025-06-01"),
    ).member


@pytest.fixture
def merge_record(admin_user, alice, bob):
    return merge_members(survivor_id=alice.pk, absorbed_id=bob.pk, rule="manual", actor=admin_user, reason="同一人")


def post_merge(client, *members, **extra):
    data = {"action": "merge_selected", "_selected_action": [m.pk for m in members], **extra}
    return client.post(changelist("member"), data, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# ---------------------------------------------------------------- pages render


def test_member_changelist_renders_for_superuser(admin_client, alice, bob):
    # when
    response = admin_client.get(changelist("member"))

    # then
    assert response.status_code == 200
    assert result_codes(response) == {alice.code, bob.code}


def test_member_change_page_renders_related_rows(admin_client, alice):
    # given an order for the member
    Order.objects.create(
        channel="tmall", external_no="T-1", member=alice, status="paid", paid_amount=Decimal("99.00"),
        ordered_at=at("2026-01-02"),
    )

    # when
    response = admin_client.get(change(alice))

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert "lili_2020" in content  # identity inline
    assert "ouid-alice" in content  # source profile inline
    assert "T-1" in content  # latest orders inline
    assert f"member__id__exact={alice.pk}" in content  # link to all of the member's orders


def test_merged_member_change_page_links_to_survivor(admin_client, merge_record, alice, bob):
    # when
    response = admin_client.get(change(bob))

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert change(alice) in content
    assert reverse("admin:members_mergerecord_change", args=[merge_record.pk]) in content


@pytest.mark.parametrize(
    "model",
    [
        "mergerecord", "mergecandidate", "matchrule", "blockedvalue", "store", "attributedefinition",
        "consentrecord", "order", "sourceprofile", "identity",
    ],
)
def test_other_changelists_render_for_superuser(admin_client, merge_record, model):
    # when
    response = admin_client.get(changelist(model))

    # then
    assert response.status_code == 200


def test_merge_record_detail_renders_snapshots(admin_client, merge_record):
    # when
    response = admin_client.get(change(merge_record))

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert "王立" in content  # absorbed snapshot, pretty-printed
    assert "渠道档案 1" in content  # moved counts


def test_source_profile_and_identity_detail_pages_render(admin_client, alice):
    # given
    profile = alice.source_profiles.get()
    identity = alice.identities.get(kind="tmall_nick")

    # when
    responses = [admin_client.get(change(profile)), admin_client.get(change(identity))]

    # then
    assert [r.status_code for r in responses] == [200, 200]


def test_member_add_page_renders(admin_client):
    # when
    response = admin_client.get(reverse("admin:members_member_add"))

    # then
    assert response.status_code == 200


# ---------------------------------------------------------------- search


@pytest.mark.parametrize("term", ["138 0013 8000", "+86 13800138000", "+86-138-0013-8000", E164])
def test_search_by_mobile_in_any_format_finds_member(admin_client, alice, bob, term):
    # when
    response = admin_client.get(changelist("member"), {"q": term})

    # then
    assert result_codes(response) == {alice.code}


def test_search_by_tmall_nick_finds_member(admin_client, alice, bob):
    # when
    response = admin_client.get(changelist("member"), {"q": "lili_2020"})

    # then
    assert result_codes(response) == {alice.code}


def test_search_by_member_code_finds_member(admin_client, alice, bob):
    # when
    response = admin_client.get(changelist("member"), {"q": bob.code.lower()})

    # then
    assert result_codes(response) == {bob.code}


def test_search_by_partial_name_finds_both_and_lists_each_once(admin_client, alice, bob):
    # when
    response = admin_client.get(changelist("member"), {"q": "王"})

    # then
    assert [m.code for m in response.context["cl"].result_list].count(alice.code) == 1
    assert result_codes(response) == {alice.code, bob.code}


def test_search_matching_several_identifiers_lists_member_once(admin_client, person, alice):
    # given the same person reached through a second account with the same mobile and a card
    person(channel="pos", external_id="card-9", mobile=MOBILE, identifiers={"pos_card": MOBILE})

    # when
    response = admin_client.get(changelist("member"), {"q": MOBILE})

    # then
    assert [m.code for m in response.context["cl"].result_list] == [alice.code]


def test_identity_search_normalizes_mobile(admin_client, alice):
    # when
    response = admin_client.get(changelist("identity"), {"q": "138 0013 8000"})

    # then
    assert [i.value for i in response.context["cl"].result_list] == [E164]


# ---------------------------------------------------------------- phone masking and guide permissions


def test_guide_sees_masked_phone_in_member_list(guide_client, alice):
    # when
    response = guide_client.get(changelist("member"))

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "138****8000" in content
    assert MOBILE not in content


def test_guide_sees_masked_phones_on_member_page(guide_client, alice):
    # when
    response = guide_client.get(change(alice))

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "138****8000" in content
    assert MOBILE not in content  # neither the profile, the identity nor the channel account shows it


@pytest.fixture
def viewer_client(client):
    """Staff who may read members and their rows but not see full phones."""
    perms = ("view_member", "view_identity", "view_sourceprofile", "view_order", "view_mergerecord")
    staff(client, "viewer", perms=tuple(f"members.{p}" for p in perms))
    return client


def test_viewer_without_reveal_sees_no_full_phone_in_member_rows(viewer_client, person, alice):
    # given a channel account whose id was derived from the mobile ("mobile:+86…")
    person(channel="pos", mobile=MOBILE)

    # when
    response = viewer_client.get(change(alice))

    # then the identity and channel-account rows are shown, masked
    content = response.content.decode()
    assert "lili_2020" in content and "ouid-alice" in content
    assert "mobile:138****8000" in content
    assert MOBILE not in content


def test_identity_page_title_is_masked_without_reveal(viewer_client, alice):
    # given
    identity = alice.identities.get(kind="mobile")

    # when
    response = viewer_client.get(change(identity))

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "手机号:138****8000" in content
    assert MOBILE not in content


def test_superuser_sees_full_phone(admin_client, alice):
    # when
    response = admin_client.get(changelist("member"))

    # then
    assert E164 in response.content.decode()


def test_guide_is_not_offered_the_merge_action(guide_client, alice):
    # when
    response = guide_client.get(changelist("member"))

    # then
    assert response.status_code == 200
    assert "merge_selected" not in response.content.decode()


def test_guide_cannot_merge_by_posting_the_action(guide_client, alice, bob):
    # when
    post_merge(guide_client, alice, bob, confirm="yes", reason="同一人")

    # then
    assert not MergeRecord.objects.exists()
    assert Member.objects.filter(status=MemberStatus.ACTIVE).count() == 2


def test_guide_cannot_edit_or_delete_members(guide_client, alice):
    # when
    response = guide_client.post(change(alice), {"name": "改名"})

    # then
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.name == "王丽"


def test_merge_record_hides_phones_from_viewer_without_reveal(client, alice, person):
    # given a merge triggered by a shared mobile, seen by staff allowed to view merges but not phones
    other = person(channel="jd", external_id="jd-1", mobile="13700137000").member
    record = merge_members(
        survivor_id=alice.pk, absorbed_id=other.pk, rule="mobile", identifier_value="+8613700137000",
        reason="jd 记录 mobile:+8613700137000 同时关联两人",
    )
    staff(client, "auditor", perms=("members.view_mergerecord",))

    # when
    pages = [client.get(changelist("mergerecord")), client.get(change(record))]

    # then
    for page in pages:
        content = page.content.decode()
        assert page.status_code == 200
        assert "13700137000" not in content
        assert "13800138000" not in content
        assert "137****7000" in content


# ---------------------------------------------------------------- editing goes through services


def test_member_delete_is_disabled(admin_client, alice):
    # when
    response = admin_client.get(reverse("admin:members_member_delete", args=[alice.pk]))

    # then
    assert response.status_code == 403


def _extra_inline_prefixes():
    """Formset prefixes of the inlines higher apps add to the member page (e.g. loyalty's levels)."""
    from members.admin.members_admin import extra_member_inlines

    for inline in extra_member_inlines:
        fk = inline.model._meta.get_field(inline.fk_name or "member")
        yield fk.remote_field.get_accessor_name()


def _profile_form(member, **changes):
    data = {
        "name": member.name, "gender": member.gender, "birthday": member.birthday or "", "mobile": member.mobile,
        "email": member.email, "province": member.province, "city": member.city, "district": member.district,
        "address": member.address, "home_store": member.home_store_id or "", "attributes": "{}",
    }
    prefixes = ("identities", "source_profiles", "orders", "merges_as_survivor", *_extra_inline_prefixes())
    for prefix in prefixes:
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(changes)
    return data


def test_editing_name_records_a_manual_profile_that_wins(admin_client, alice):
    # when
    response = admin_client.post(change(alice), _profile_form(alice, name="王丽丽"))

    # then
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.name == "王丽丽"
    assert alice.source_profiles.filter(channel="manual").exists()


def test_invalid_edit_shows_the_service_error_and_changes_nothing(admin_client, alice):
    # when an undefined custom attribute is submitted
    response = admin_client.post(change(alice), _profile_form(alice, name="新名字", attributes='{"nope": 1}'))

    # then
    assert response.status_code == 200
    assert "未定义的自定义属性" in response.content.decode()
    alice.refresh_from_db()
    assert alice.name == "王丽"
    assert not alice.source_profiles.filter(channel="manual").exists()


def test_adding_a_member_creates_a_person_through_the_service(admin_client):
    # given
    data = _profile_form(Member(), name="赵敏", mobile="139 1234 5678", attributes="{}")

    # when
    response = admin_client.post(reverse("admin:members_member_add"), data)

    # then
    assert response.status_code == 302
    member = Member.objects.get(mobile="+8613912345678")
    assert member.name == "赵敏"
    assert member.identities.filter(kind="mobile", value="+8613912345678").exists()


def test_adding_a_consent_record_appends_history(admin_client, alice):
    # when
    response = admin_client.post(
        reverse("admin:members_consentrecord_add"),
        {"member": alice.pk, "channel": "sms", "status": "granted", "source": "门店纸质表单"},
    )

    # then
    assert response.status_code == 302
    record = ConsentRecord.objects.get(member=alice)
    assert record.status == "granted"
    assert record.actor.username == "admin"


# ---------------------------------------------------------------- manual merge


def test_merge_action_asks_for_confirmation_with_both_profiles(admin_client, alice, bob):
    # when
    response = post_merge(admin_client, alice, bob)

    # then
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "admin/members/member/merge_confirmation.html"
    assert response.context["survivor"] == alice
    assert response.context["absorbed"] == bob
    assert not MergeRecord.objects.exists()


def test_merge_action_requires_a_reason(admin_client, alice, bob):
    # when
    response = post_merge(admin_client, alice, bob, confirm="yes", reason="  ")

    # then
    assert response.context["form"].errors
    assert not MergeRecord.objects.exists()


def test_merge_action_merges_the_younger_member_into_the_older(admin_client, alice, bob):
    # when
    response = post_merge(admin_client, bob, alice, confirm="yes", reason="同一人，电话核实")

    # then
    record = MergeRecord.objects.get()
    assert (record.survivor_id, record.absorbed_id, record.rule) == (alice.pk, bob.pk, "manual")
    assert record.reason == "同一人，电话核实"
    assert record.actor.username == "admin"
    bob.refresh_from_db()
    assert bob.status == MemberStatus.MERGED
    assert any("合并到" in m for m in messages_of(response))


def test_merge_action_refuses_anything_but_two_members(admin_client, alice):
    # when
    response = post_merge(admin_client, alice, confirm="yes", reason="x")

    # then
    assert "请恰好选择两个会员进行合并。" in messages_of(response)
    assert not MergeRecord.objects.exists()


def test_merge_action_refuses_a_merged_member(admin_client, merge_record, person, bob):
    # given
    carol = person(channel="pos", external_id="card-carol", mobile="13600136000").member

    # when
    response = post_merge(admin_client, bob, carol, confirm="yes", reason="x")

    # then
    assert any("只能合并正常状态的会员" in m for m in messages_of(response))
    assert MergeRecord.objects.count() == 1


# ---------------------------------------------------------------- unmerge


def test_unmerge_action_restores_the_absorbed_member(admin_client, merge_record, alice, bob):
    # when
    response = admin_client.post(
        changelist("mergerecord"), {"action": "undo_merges", "_selected_action": [merge_record.pk]}, follow=True
    )

    # then
    merge_record.refresh_from_db()
    bob.refresh_from_db()
    assert merge_record.undone_at is not None
    assert bob.status == MemberStatus.ACTIVE
    assert bob.source_profiles.filter(external_id="openid-bob").exists()
    assert any("已撤销合并" in m for m in messages_of(response))


def test_unmerge_action_reports_a_merge_already_undone(admin_client, merge_record):
    # given
    admin_client.post(changelist("mergerecord"), {"action": "undo_merges", "_selected_action": [merge_record.pk]})

    # when
    response = admin_client.post(
        changelist("mergerecord"), {"action": "undo_merges", "_selected_action": [merge_record.pk]}, follow=True
    )

    # then
    assert any("已经撤销过了" in m for m in messages_of(response))


# ---------------------------------------------------------------- review queue


@pytest.fixture
def candidate(alice, bob):
    a, b = sorted((alice.pk, bob.pk))
    return MergeCandidate.objects.create(
        member_a_id=a, member_b_id=b, source=CandidateSource.FUZZY, score=0.91, reasons=["姓名相近", "同城"]
    )


def post_candidates(client, action, *candidates):
    data = {"action": action, "_selected_action": [c.pk for c in candidates]}
    return client.post(changelist("mergecandidate"), data, follow=True)


def test_review_queue_shows_both_members_side_by_side(admin_client, candidate, alice, bob):
    # when
    response = admin_client.get(changelist("mergecandidate"))

    # then
    content = response.content.decode()
    assert alice.code in content and bob.code in content
    assert "姓名相近；同城" in content


def test_rejecting_a_candidate_records_who_decided(admin_client, candidate):
    # when
    post_candidates(admin_client, "reject_candidates", candidate)

    # then
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.REJECTED
    assert candidate.decided_by.username == "admin"
    assert candidate.decided_at is not None
    assert Member.objects.filter(status=MemberStatus.ACTIVE).count() == 2


def test_merging_a_candidate_merges_the_pair_into_the_older(admin_client, candidate, alice, bob):
    # when
    post_candidates(admin_client, "merge_candidates", candidate)

    # then
    candidate.refresh_from_db()
    record = MergeRecord.objects.get()
    assert candidate.status == CandidateStatus.MERGED
    assert candidate.decided_by.username == "admin"
    assert (record.survivor_id, record.absorbed_id, record.rule) == (alice.pk, bob.pk, "review")
    assert record.reason == "审核通过: 姓名相近；同城"


def test_a_decided_candidate_cannot_be_decided_again(admin_client, candidate):
    # given
    post_candidates(admin_client, "reject_candidates", candidate)

    # when
    response = post_candidates(admin_client, "merge_candidates", candidate)

    # then
    assert any("只能处理待审核的记录" in m for m in messages_of(response))
    assert not MergeRecord.objects.exists()


# ---------------------------------------------------------------- export


def export_csv(client, resource="memberresource", model="member") -> str:
    from members.admin.resources import MemberResource, OrderResource

    fields = (MemberResource if model == "member" else OrderResource)._meta.fields
    data = {"format": "0", "resource": "0", **{f"{resource}_{name}": "on" for name in fields}}
    response = client.post(reverse(f"admin:members_{model}_export"), data)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode("utf-8-sig")


def test_export_csv_has_chinese_headers(admin_client, alice):
    # when
    content = export_csv(admin_client)

    # then
    assert content.splitlines()[0].startswith("会员编号,姓名,性别,生日,手机号")


def test_export_csv_neutralizes_a_formula_in_a_name(admin_client, person):
    # given a name crafted as a spreadsheet formula
    person(channel="mall", external_id="u-evil", name="=HYPERLINK(\"http://x\")", mobile="13500135000")

    # when
    content = export_csv(admin_client)

    # then
    assert "'=HYPERLINK" in content
    assert ",=HYPERLINK" not in content


def test_export_masks_mobile_for_staff_without_reveal_permission(client, alice):
    # given
    staff(client, "viewer", perms=("members.view_member",))

    # when
    content = export_csv(client)

    # then
    assert "138****8000" in content
    assert MOBILE not in content


def test_order_export_keeps_amounts_numeric(admin_client, alice):
    # given
    Order.objects.create(
        channel="jd", external_no="-JD-1", member=alice, status="paid", paid_amount=Decimal("12.50"),
        store=Store.objects.create(code="S1", name="静安店"),
    )

    # when
    content = export_csv(admin_client, resource="orderresource", model="order")

    # then
    row = content.splitlines()[1]
    assert "'-JD-1" in row
    assert "12.50" in row and "'12.50" not in row


def test_export_xlsx_neutralizes_a_formula_in_a_name(admin_client, person):
    # given
    import io

    from openpyxl import load_workbook

    from members.admin.resources import MemberResource

    person(channel="mall", external_id="u-evil", name="@SUM(1+1)", mobile="13500135000")
    data = {"format": "1", **{f"memberresource_{name}": "on" for name in MemberResource._meta.fields}}

    # when
    response = admin_client.post(reverse("admin:members_member_export"), data)

    # then
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert names == ["'@SUM(1+1)"]
    assert sheet.cell(row=2, column=2).data_type == "s"


# ---------------------------------------------------------------- configuration screens


def test_member_orders_link_filters_the_order_list(admin_client, alice, bob):
    # given
    for member, number in ((alice, "A-1"), (bob, "B-1")):
        Order.objects.create(channel="pos", external_no=number, member=member, status="paid")

    # when
    response = admin_client.get(changelist("order"), {"member__id__exact": alice.pk})

    # then
    assert [o.external_no for o in response.context["cl"].result_list] == ["A-1"]


def test_match_rules_are_edited_in_the_list(admin_client):
    # given
    from members.models import MatchRule

    rules = list(MatchRule.objects.order_by("priority", "kind"))
    data = {"form-TOTAL_FORMS": len(rules), "form-INITIAL_FORMS": len(rules), "_save": "保存"}
    for i, rule in enumerate(rules):
        data.update({
            f"form-{i}-id": rule.pk, f"form-{i}-priority": rule.priority,
            f"form-{i}-max_per_member": 1 if rule.kind == "mobile" else rule.max_per_member,
        })
        if rule.enabled and rule.kind != "email":
            data[f"form-{i}-enabled"] = "on"

    # when
    response = admin_client.post(changelist("matchrule"), data)

    # then
    assert response.status_code == 302
    assert MatchRule.objects.get(kind="mobile").max_per_member == 1
    assert MatchRule.objects.get(kind="email").enabled is False


def test_blocked_value_is_stored_normalized(admin_client):
    # given
    from members.models import BlockedValue

    # when
    response = admin_client.post(
        reverse("admin:members_blockedvalue_add"),
        {"kind": "mobile", "value": "139-1234-5678", "reason": "门店共用测试号"},
    )

    # then
    assert response.status_code == 302
    assert BlockedValue.objects.get().value == "+8613912345678"
