"""The manual merge action on the member list and the unmerge action on merge records."""

import pytest

from members.models import MemberStatus, MergeRecord

# Imports written `name as name` are fixtures: pytest looks them up by name in this module.
from tests.members.admin_helpers import alice as alice
from tests.members.admin_helpers import bob as bob
from tests.members.admin_helpers import changelist, messages_of, post_merge
from tests.members.admin_helpers import merge_record as merge_record

pytestmark = pytest.mark.django_db


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
