"""Exclusive-guide bindings through a merge and its undoing (members/services/merging.py): the
binding follows the person, a survivor's own guide wins, and an unmerge gives the absorbed person
their guide back."""

import pytest

from core.roles import GUIDE
from members.card import timeline_page
from members.models import GuideBinding
from members.scope import scoped_members
from members.services.merging import merge_members, unmerge
from members.services.staff import bind_guide, leave_store
from tests.workspace.card_helpers import viewer_at
from tests.workspace.conftest import staff
from workspace.models import FollowUp
from workspace.services import write_follow_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(world, customer):
    """(survivor, absorbed): two records of one person, both of store B (so guide A sees them only
    through a binding)."""
    return customer(store=world.store_b, name="王芳"), customer(store=world.store_b, name="王芳")


def bind(member, guide, store):
    return bind_guide(member_id=member.pk, guide=guide, store=store, actor=guide, reason="老顾客")


def merge(survivor, absorbed, actor=None):
    return merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual", actor=actor,
                         reason="同一人")


def open_binding(member):
    return GuideBinding.objects.filter(member=member, ended_at__isnull=True).first()


def test_merging_a_bound_member_into_an_unbound_one_moves_the_binding(world, pair):
    # Given the absorbed record is bound to guide A, the survivor to nobody
    survivor, absorbed = pair
    binding = bind(absorbed, world.guide_a, world.store_a)

    # When they are merged
    record = merge(survivor, absorbed, actor=world.operator)

    # Then the same binding, still open, is the survivor's; guide A keeps seeing the person
    moved = open_binding(survivor)
    assert moved is not None and moved.pk == binding.pk
    assert (moved.guide, moved.store, moved.bound_at) == (world.guide_a, world.store_a, binding.bound_at)
    assert open_binding(absorbed) is None
    assert record.moved["guide_bindings"] == [binding.pk]
    assert scoped_members(world.guide_a).filter(pk=survivor.pk).exists()


def test_merging_into_a_member_with_a_guide_ends_the_absorbed_binding(world, pair):
    # Given both records are bound: the survivor to guide B, the absorbed to guide A
    survivor, absorbed = pair
    kept = bind(survivor, world.guide_b, world.store_b)
    ended = bind(absorbed, world.guide_a, world.store_a)

    # When they are merged
    record = merge(survivor, absorbed, actor=world.operator)

    # Then the survivor keeps guide B; the absorbed binding is ended (kept as history), by whom and why
    assert open_binding(survivor).pk == kept.pk
    ended.refresh_from_db()
    assert ended.member == absorbed and ended.ended_at is not None and ended.ended_by == world.operator
    assert ended.end_reason == f"会员合并到 {survivor.code}（该会员已有专属导购）"
    assert GuideBinding.objects.filter(ended_at__isnull=True).count() == 1
    assert record.moved["guide_bindings_ended"] == [ended.pk]


def test_unmerge_gives_back_a_moved_binding(world, pair):
    survivor, absorbed = pair
    binding = bind(absorbed, world.guide_a, world.store_a)
    record = merge(survivor, absorbed)

    unmerge(record_id=record.pk, actor=world.operator)

    # The very binding returns to the absorbed person, open; the survivor has none again
    back = open_binding(absorbed)
    assert back is not None and back.pk == binding.pk and back.guide == world.guide_a
    assert open_binding(survivor) is None


def test_unmerge_binds_the_absorbed_person_anew_to_the_guide_whose_binding_the_merge_ended(world, pair):
    survivor, absorbed = pair
    kept = bind(survivor, world.guide_b, world.store_b)
    ended = bind(absorbed, world.guide_a, world.store_a)
    record = merge(survivor, absorbed)

    unmerge(record_id=record.pk, actor=world.operator)

    # A new binding to the same guide and store; the ended one stays ended (history); the survivor keeps hers
    restored = open_binding(absorbed)
    assert restored is not None and restored.pk != ended.pk
    assert (restored.guide, restored.store, restored.bound_by, restored.reason) == (
        world.guide_a, world.store_a, world.operator, "撤销合并，恢复专属导购")
    ended.refresh_from_db()
    assert ended.ended_at is not None
    assert open_binding(survivor).pk == kept.pk


def test_unmerge_does_not_rebind_a_guide_who_left_the_store(world, pair):
    survivor, absorbed = pair
    bind(survivor, world.guide_b, world.store_b)
    bind(absorbed, world.guide_a, world.store_a)
    record = merge(survivor, absorbed)
    leave_store(user=world.guide_a, store=world.store_a)

    unmerge(record_id=record.pk)

    assert open_binding(absorbed) is None


def test_a_merge_without_any_binding_records_none(world, pair):
    survivor, absorbed = pair
    colleague = staff("guide_b2", GUIDE, store=world.store_b)
    bind(survivor, colleague, world.store_b)

    record = merge(survivor, absorbed)

    assert "guide_bindings" not in record.moved and "guide_bindings_ended" not in record.moved
    assert open_binding(survivor).guide == colleague


def test_follow_ups_follow_the_person_through_merge_and_unmerge(world, pair):
    # Given a follow-up written about the absorbed record
    survivor, absorbed = pair
    bind(absorbed, world.guide_a, world.store_a)
    note = write_follow_up(member=absorbed, author=world.guide_a, kind="phone", text="约好周末到店")
    viewer = viewer_at(world.guide_a, note.created_at)

    # When the two are merged, it is on the survivor's timeline
    record = merge(survivor, absorbed)
    assert FollowUp.objects.get(pk=note.pk).member == survivor
    assert [e.detail for e in timeline_page(survivor.pk, viewer)[0] if e.kind == "follow_up"] == ["约好周末到店"]

    # And after the unmerge it is the absorbed person's again
    unmerge(record_id=record.pk)
    assert FollowUp.objects.get(pk=note.pk).member == absorbed
