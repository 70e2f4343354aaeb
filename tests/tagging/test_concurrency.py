"""Two applies of the same tag to the same members at once never duplicate a membership or its history."""

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
