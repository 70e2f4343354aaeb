"""Two applies of the same tag to the same members at once never duplicate a membership or its history."""

import threading
import time

import pytest

from members.models import Member
from tagging.models import TagChange, TagMembership
from tagging.services import put_on
from tests.conftest import in_thread, join_all, start_together
from tests.tagging.helpers import a_tag

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_applies_of_the_same_tag_set_at_once_give_each_member_one_membership(person):
    # given forty members and a tag
    for n in range(40):
        person(channel="pos", external_id=f"card-{n}", mobile=f"138123456{n:02d}")
    ids = list(Member.objects.values_list("pk", flat=True))
    tag = a_tag()

    # when two threads apply it to all of them at the same moment (in opposite orders)
    errors, barrier = [], start_together(2)

    def apply(order):
        def work():
            barrier.wait()
            put_on(tag=tag, member_ids=order, reason="并发")
        return work

    join_all([in_thread(apply(ids), errors, name="forwards"), in_thread(apply(ids[::-1]), errors, name="backwards")])

    # then each member holds it once, with exactly one "on" in the history
    assert errors == []
    assert TagMembership.objects.filter(tag=tag).count() == 40
    assert TagChange.objects.filter(tag=tag, added=True).count() == 40


def test_a_tag_put_on_while_the_person_is_being_merged_away_ends_on_nobody_merged(person):
    # given two people, and a merge that holds both people's rows for a moment
    from members import hooks
    from members.services import merge_members

    survivor = person(channel="pos", external_id="card-1", seen="2025-01-01").member
    absorbed = person(channel="pos", external_id="card-2", seen="2025-02-01").member
    tag = a_tag()
    locked, errors = threading.Event(), []

    def hold(record, **kwargs):
        locked.set()
        time.sleep(1)  # the apply below starts meanwhile and must wait for the merge

    hooks.member_merged.connect(hold)
    try:
        merging = in_thread(lambda: merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual"),
                            errors, name="merge")
        assert locked.wait(30)

        # when the tag is put on the absorbed person during the merge
        applying = in_thread(lambda: put_on(tag=tag, member_ids=[absorbed.pk]), errors, name="apply")
        join_all([merging, applying])
    finally:
        hooks.member_merged.disconnect(hold)

    # then the merged-away person holds no tag
    assert errors == []
    assert not TagMembership.objects.filter(member=absorbed).exists()


def test_two_recomputes_of_one_dynamic_tag_at_once_give_each_member_one_membership(person):
    from datetime import date

    from tagging.models import TagKind
    from tagging.services.refresh import refresh_tag

    # given thirty members and a dynamic tag every one of them meets
    for n in range(30):
        person(channel="pos", external_id=f"card-{n}", mobile=f"139123456{n:02d}")
    tag = a_tag("everyone", kind=TagKind.DYNAMIC, condition={"field": "orders.count", "op": "gte", "value": 0})
    errors, barrier = [], start_together(2)

    def recompute():
        barrier.wait()
        refresh_tag(tag, as_of=date(2026, 3, 31))

    # when the nightly job and "recompute now" run it at the same moment
    join_all([in_thread(recompute, errors, name="beat"), in_thread(recompute, errors, name="now")])

    # then each member holds it once, with one "on" in the history (the second run found nothing to do)
    assert errors == []
    assert TagMembership.objects.filter(tag=tag).count() == 30
    assert TagChange.objects.filter(tag=tag, added=True).count() == 30


def test_a_member_merged_during_a_recompute_ends_with_the_right_tags(person):
    from datetime import date

    from members import hooks
    from members.services import merge_members
    from tagging.models import TagKind
    from tagging.services.refresh import refresh_tag

    # given two people who both meet a dynamic tag, and a merge that holds their rows for a moment
    survivor = person(channel="pos", external_id="card-1", seen="2025-01-01").member
    absorbed = person(channel="pos", external_id="card-2", seen="2025-02-01").member
    tag = a_tag("everyone", kind=TagKind.DYNAMIC, condition={"field": "orders.count", "op": "gte", "value": 0})
    locked, errors = threading.Event(), []

    def hold(record, **kwargs):
        locked.set()
        time.sleep(1)

    hooks.member_merged.connect(hold)
    try:
        merging = in_thread(lambda: merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual"),
                            errors, name="merge")
        assert locked.wait(30)
        # when the tag is recomputed during the merge
        computing = in_thread(lambda: refresh_tag(tag, as_of=date(2026, 3, 31)), errors, name="recompute")
        join_all([merging, computing])
    finally:
        hooks.member_merged.disconnect(hold)

    # then the survivor holds it and the merged-away person does not
    assert errors == []
    assert set(TagMembership.objects.filter(tag=tag).values_list("member_id", flat=True)) == {survivor.pk}
