"""Level rows under concurrency on PostgreSQL: the review takes the scheme's lock instead of row
locks, and `MemberLevel.level` is checked by statement triggers instead of a foreign key. Neither
may let a change be lost or a level id dangle."""

import threading
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from loyalty.levels.review import review_levels
from loyalty.levels.services import member_level_for, set_manual_level
from loyalty.models import Level, LevelChange, LevelChangeKind, LevelScheme, MemberLevel
from loyalty.services import open_role
from tests.conftest import at, in_thread, join_all

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ON = date(2027, 1, 1)


@pytest.fixture
def gold_row(member, consumer):
    """A consumer at 金卡 with no growth at all, due for review on ON (the review would lower it)."""
    scheme = LevelScheme.objects.get(code="consumer")
    row = member_level_for(member_role=open_role(member=member(), role_type=consumer), scheme=scheme,
                           now=at("2026-06-01"))
    gold = Level.objects.get(scheme=scheme, code="gold")
    MemberLevel.objects.filter(pk=row.pk).update(level=gold, next_review_on=ON)
    row.refresh_from_db()
    return row


def test_the_review_waits_for_a_manual_level_being_set_and_keeps_it(gold_row):
    # Given an admin setting 金卡 as a floor, in a transaction not yet committed
    gold, locked, release, errors = gold_row.level, threading.Event(), threading.Event(), []

    def set_floor():
        with transaction.atomic():
            set_manual_level(member_level=gold_row, level=gold, reason="重要客户", now=at("2026-12-31"))
            locked.set()
            release.wait(10)

    writer = in_thread(set_floor, errors, name="admin-setting-floor")
    assert locked.wait(10)

    # When the review of the day starts meanwhile
    reviewer = in_thread(lambda: review_levels(on=ON, scheme=gold_row.scheme), errors, name="review")
    reviewer.join(0.5)
    waited = reviewer.is_alive()
    release.set()
    join_all([writer, reviewer])

    # Then it waited for the admin's commit and then kept the floor instead of lowering the level
    assert errors == [] and waited
    gold_row.refresh_from_db()
    assert (gold_row.level, gold_row.floor_level) == (gold, gold)
    assert gold_row.next_review_on > ON
    assert not LevelChange.objects.filter(member_level=gold_row, kind=LevelChangeKind.DOWNGRADE).exists()


def test_a_level_id_that_does_not_exist_is_refused(gold_row):
    # Given a level id no level has
    missing = Level.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000

    # When a level row is moved to it or created with it, then the database refuses
    with pytest.raises(IntegrityError, match="not present"), transaction.atomic():
        MemberLevel.objects.filter(pk=gold_row.pk).update(level_id=missing)
    row = MemberLevel.objects.get(pk=gold_row.pk)
    row.pk, row.level_id = None, missing
    row.scheme = LevelScheme.objects.get(code="agent")  # another scheme: the unique pair stays free
    with pytest.raises(IntegrityError, match="not present"), transaction.atomic():
        row.save()


def test_a_level_members_hold_cannot_be_deleted_even_past_django(gold_row):
    # Given 金卡, held by a member, and a new level nobody holds
    fresh = Level.objects.create(scheme=gold_row.scheme, code="diamond", name="钻石", rank=9,
                                 upgrade_threshold=90000, retain_threshold=80000)

    # When both are deleted in SQL, without Django's PROTECT
    with pytest.raises(IntegrityError, match="still the current level"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("DELETE FROM loyalty_level WHERE id = %s", [gold_row.level_id])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM loyalty_level WHERE id = %s", [fresh.pk])

    # Then the held level stays and the other one is gone
    assert Level.objects.filter(pk=gold_row.level_id).exists()
    assert not Level.objects.filter(pk=fresh.pk).exists()


def test_a_level_being_given_to_a_member_cannot_be_deleted_meanwhile(gold_row):
    # Given a transaction moving the member to a new level, not yet committed
    fresh = Level.objects.create(scheme=gold_row.scheme, code="diamond", name="钻石", rank=9,
                                 upgrade_threshold=90000, retain_threshold=80000)
    moved, release, errors = threading.Event(), threading.Event(), []

    def move():
        with transaction.atomic():
            MemberLevel.objects.filter(pk=gold_row.pk).update(level=fresh)
            moved.set()
            release.wait(10)

    def delete():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM loyalty_level WHERE id = %s", [fresh.pk])

    writer = in_thread(move, errors, name="level-move")
    assert moved.wait(10)

    # When the level is deleted in SQL meanwhile
    deleter = in_thread(delete, errors, name="level-delete")
    deleter.join(0.5)
    waited = deleter.is_alive()
    release.set()
    join_all([writer, deleter])

    # Then the delete waited for the move to commit and then failed: the member's level exists
    assert waited
    assert len(errors) == 1 and isinstance(errors[0], IntegrityError)
    assert MemberLevel.objects.get(pk=gold_row.pk).level == fresh
