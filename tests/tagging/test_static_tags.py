"""Static tags put on and taken off by staff: idempotent, with history, end dates and refusals."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tagging.models import TagChange, TagKind, TagMembership
from tagging.services import TaggingError, expire_static_tags, put_on, take_off
from tests.conftest import at
from tests.tagging.helpers import a_tag, tag_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(person):
    return [person(channel="pos", external_id=f"card-{n}", mobile=f"1381234560{n}").member for n in range(3)]


def test_a_member_holds_a_tag_with_one_value_at_most_once(members):
    tag = a_tag()
    fields = {"member": members[0], "tag": tag, "origin_member": members[0], "since": timezone.now()}
    TagMembership.objects.create(**fields)

    with pytest.raises(IntegrityError), transaction.atomic():
        TagMembership.objects.create(**fields)


def test_putting_a_tag_on_many_members_writes_one_history_row_each(members, admin_user):
    tag = a_tag()

    added = put_on(tag=tag, member_ids=[m.pk for m in members], actor=admin_user, reason="门店活动")

    assert added == 3
    memberships = TagMembership.objects.filter(tag=tag)
    assert {m.member_id for m in memberships} == {m.pk for m in members}
    assert {(m.actor_id, m.reason, m.origin_member_id == m.member_id) for m in memberships} == {
        (admin_user.pk, "门店活动", True)}
    history = TagChange.objects.filter(tag=tag)
    assert [(c.added, c.kind, c.actor_label, c.reason) for c in history] == [
        (True, TagKind.STATIC, admin_user.username, "门店活动")] * 3


def test_re_applying_a_tag_changes_nothing_and_writes_no_history(members):
    # given a tag already on the first member since yesterday
    tag = a_tag()
    put_on(tag=tag, member_ids=[members[0].pk], reason="第一次", now=at("2026-03-01"))

    # when it is applied again to that member and one more
    added = put_on(tag=tag, member_ids=[members[0].pk, members[1].pk], reason="第二次")

    # then only the new member got it, and the first keeps its date and reason
    assert added == 1
    first = TagMembership.objects.get(member=members[0], tag=tag)
    assert (first.since, first.reason) == (at("2026-03-01"), "第一次")
    assert TagChange.objects.filter(tag=tag).count() == 2


def test_taking_a_tag_off_writes_history_only_for_members_who_held_it(members, admin_user):
    tag = a_tag()
    put_on(tag=tag, member_ids=[members[0].pk])

    removed = take_off(tag=tag, member_ids=[members[0].pk, members[1].pk], actor=admin_user, reason="顾客要求")
    again = take_off(tag=tag, member_ids=[members[0].pk], actor=admin_user)

    assert (removed, again) == (1, 0)
    assert tag_codes(members[0]) == set()
    off = TagChange.objects.get(tag=tag, added=False)
    assert (off.member_id, off.actor_id, off.reason) == (members[0].pk, admin_user.pk, "顾客要求")


def test_a_tag_with_an_end_date_comes_off_the_day_after_it(members):
    # given a tag held until 3 March and another without an end date
    timed, lasting = a_tag("trial"), a_tag("vip")
    put_on(tag=timed, member_ids=[members[0].pk], ends_on=date(2026, 3, 3))
    put_on(tag=lasting, member_ids=[members[0].pk])

    # when the expiry job runs on the end date, then the day after
    on_the_day = expire_static_tags(today=date(2026, 3, 3))
    day_after = expire_static_tags(today=date(2026, 3, 4))

    # then the tag holds through its end date and only it comes off, by the job
    assert (on_the_day, day_after) == (0, 1)
    assert tag_codes(members[0]) == {"vip"}
    off = TagChange.objects.get(added=False)
    assert (off.tag_id, off.actor_label, off.actor_id) == (timed.pk, "job:expire_static_tags", None)


@pytest.mark.parametrize(("fields", "message"), [
    ({"kind": TagKind.DYNAMIC, "condition": {"field": "member.gender", "op": "eq", "value": "F"}}, "由系统计算"),
    ({"kind": TagKind.VARIABLE, "extractor": "favourite_category"}, "由系统计算"),
    ({"active": False}, "已停用"),
])
def test_dynamic_variable_and_inactive_tags_are_refused(members, fields, message):
    tag = a_tag(**fields)

    for service in (put_on, take_off):
        with pytest.raises(TaggingError, match=message):
            service(tag=tag, member_ids=[members[0].pk])

    assert not TagMembership.objects.exists()


def test_merged_away_members_are_not_given_tags(members, admin_user):
    from members.services import merge_members

    merge_members(survivor_id=members[0].pk, absorbed_id=members[1].pk, rule="manual", actor=admin_user)

    added = put_on(tag=a_tag(), member_ids=[members[1].pk])

    assert added == 0
    assert not TagMembership.objects.exists()
