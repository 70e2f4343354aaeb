"""Higher apps hear which members' tags changed, once per operation, after it commits."""

import pytest

from members.services import merge_members
from tagging import hooks
from tagging.services import put_on, take_off
from tests.tagging.helpers import a_tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    calls = []

    def listen(member_ids, tag_ids, **kwargs):
        calls.append((member_ids, tag_ids))

    hooks.tags_changed.connect(listen)
    yield calls
    hooks.tags_changed.disconnect(listen)


@pytest.fixture
def members(person):
    return [person(channel="pos", external_id=f"card-{n}", seen=f"2025-0{n + 1}-01").member for n in range(2)]


def test_putting_on_and_taking_off_announce_the_members_that_changed_after_commit(
        members, heard, django_capture_on_commit_callbacks):
    tag = a_tag()
    ids = sorted(m.pk for m in members)

    with django_capture_on_commit_callbacks(execute=True):
        put_on(tag=tag, member_ids=ids)
        assert heard == []  # not before the commit
    with django_capture_on_commit_callbacks(execute=True):
        put_on(tag=tag, member_ids=ids)  # nothing changes: nothing to hear
    with django_capture_on_commit_callbacks(execute=True):
        take_off(tag=tag, member_ids=ids[:1])

    assert heard == [(ids, [tag.pk]), (ids[:1], [tag.pk])]


def test_a_merge_announces_both_people_once(members, heard, admin_user, django_capture_on_commit_callbacks):
    tag = a_tag()
    put_on(tag=tag, member_ids=[members[1].pk])
    heard.clear()

    with django_capture_on_commit_callbacks(execute=True):
        merge_members(survivor_id=members[0].pk, absorbed_id=members[1].pk, rule="manual", actor=admin_user)

    assert heard == [(sorted(m.pk for m in members), [tag.pk])]
