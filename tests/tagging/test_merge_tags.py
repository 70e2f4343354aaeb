"""Tags follow a merge (the survivor holds the union) and come back when it is undone."""

from datetime import date

import pytest

from members.services import merge_members, unmerge
from tagging.models import TagChange, TagKind, TagMembership
from tagging.services import put_on
from tests.conftest import at
from tests.tagging.helpers import a_tag, tag_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(person):
    survivor = person(channel="mall", external_id="m-1", mobile="13811112222", seen="2025-01-01").member
    absorbed = person(channel="jd", external_id="j-1", mobile="13933334444", seen="2025-03-01").member
    return survivor, absorbed


def held(member, code):
    return TagMembership.objects.get(member=member, tag__code=code)


@pytest.fixture
def tagged(two):
    """Survivor: vip (since 5 March), shared (since 1 March). Absorbed: shared (since 1 Feb, to 30 June),
    trial (until 31 May), and a dynamic tag the system gave it."""
    survivor, absorbed = two
    vip, shared, trial = (a_tag(code) for code in ("vip", "shared", "trial"))
    dynamic = a_tag("buyer", kind=TagKind.DYNAMIC, condition={"field": "orders.count", "op": "gte", "value": 1})
    put_on(tag=vip, member_ids=[survivor.pk], now=at("2026-03-05"))
    put_on(tag=shared, member_ids=[survivor.pk], now=at("2026-03-01"))
    put_on(tag=shared, member_ids=[absorbed.pk], now=at("2026-02-01"), ends_on=date(2026, 6, 30),
           reason="她自己的")
    put_on(tag=trial, member_ids=[absorbed.pk], ends_on=date(2026, 5, 31), reason="试用")
    TagMembership.objects.create(member=absorbed, tag=dynamic, origin_member=absorbed, since=at("2026-01-01"),
                                 rule_version=1)
    return survivor, absorbed


def test_after_a_merge_the_survivor_holds_the_union_and_the_absorbed_person_nothing(tagged, admin_user):
    survivor, absorbed = tagged

    merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual", actor=admin_user)

    # the survivor holds both people's static tags; the dynamic one is left to its recompute
    assert tag_codes(survivor) == {"vip", "shared", "trial"}
    assert tag_codes(absorbed) == set()
    # a tag both held keeps the earlier date (and the later end); a copied one says where it came from
    assert (held(survivor, "shared").since, held(survivor, "shared").ends_on) == (at("2026-02-01"), None)
    trial = held(survivor, "trial")
    assert (trial.origin_member_id, trial.ends_on, trial.reason) == (absorbed.pk, date(2026, 5, 31), "试用")
    # and every change is in the history, linked to the merge
    changes = TagChange.objects.filter(merge_record__isnull=False)
    assert sorted((c.member_id == survivor.pk, c.added, c.tag.code) for c in changes) == [
        (False, False, "buyer"), (False, False, "shared"), (False, False, "trial"), (True, True, "trial")]


def test_unmerge_gives_each_person_their_own_static_tags_back(tagged, admin_user):
    survivor, absorbed = tagged
    before = {m.pk: sorted((t.tag.code, t.since, t.ends_on, t.reason) for t in m.tag_memberships.filter(
        tag__kind=TagKind.STATIC)) for m in (survivor, absorbed)}
    record = merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual", actor=admin_user)

    unmerge(record_id=record.pk, actor=admin_user)

    after = {m.pk: sorted((t.tag.code, t.since, t.ends_on, t.reason) for t in m.tag_memberships.filter(
        tag__kind=TagKind.STATIC)) for m in (survivor, absorbed)}
    assert after == before
    undo = TagChange.objects.filter(merge_record=record, reason__startswith="撤销合并")
    assert sorted((c.member_id == survivor.pk, c.added, c.tag.code) for c in undo) == [
        (False, True, "shared"), (False, True, "trial"), (True, False, "trial")]


def test_a_merge_of_people_without_tags_writes_no_tag_history(two, admin_user):
    survivor, absorbed = two

    record = merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual", actor=admin_user)
    unmerge(record_id=record.pk)

    assert not TagChange.objects.exists()


def test_merges_undone_in_reverse_give_each_of_three_people_their_own_tags(person, admin_user):
    # given three people, each with a tag of their own, merged c→b then b→a
    a, b, c = (person(channel="pos", external_id=f"card-{n}", seen=f"2025-0{n + 1}-01").member for n in range(3))
    for member, code in ((a, "ta"), (b, "tb"), (c, "tc")):
        put_on(tag=a_tag(code), member_ids=[member.pk])
    c_into_b = merge_members(survivor_id=b.pk, absorbed_id=c.pk, rule="manual", actor=admin_user)
    b_into_a = merge_members(survivor_id=a.pk, absorbed_id=b.pk, rule="manual", actor=admin_user)
    assert (tag_codes(a), tag_codes(b), tag_codes(c)) == ({"ta", "tb", "tc"}, set(), set())
    assert held(a, "tc").origin_member_id == c.pk

    # when both merges are undone, the later first
    unmerge(record_id=b_into_a.pk)
    unmerge(record_id=c_into_b.pk)

    # then each holds only their own tag again
    assert (tag_codes(a), tag_codes(b), tag_codes(c)) == ({"ta"}, {"tb"}, {"tc"})
