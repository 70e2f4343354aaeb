"""Concurrent resolution on PostgreSQL: overlapping people never duplicate or deadlock."""

import pytest

from members.models import Identity, Member, MemberStatus
from members.services import IncomingRecord, resolve_record
from tests.conftest import in_thread, join_all, start_together

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_concurrently(records):
    errors, barrier = [], start_together(len(records))

    def start(record):
        def work():
            barrier.wait()
            resolve_record(record)

        return in_thread(work, errors, name=f"resolve-{record.channel}-{record.external_id}")

    join_all([start(r) for r in records])
    return errors


def test_the_same_new_person_from_many_channels_at_once_becomes_one_member():
    records = [IncomingRecord(channel="pos", external_id=f"card-{i}", mobile="13812345678") for i in range(8)]

    errors = run_concurrently(records)

    assert errors == []
    assert Member.objects.filter(status=MemberStatus.ACTIVE).count() == 1
    assert Identity.objects.filter(kind="mobile").count() == 1


def test_overlapping_merges_at_once_end_in_one_person_holding_every_identity():
    # given three people, each with their own mobile and WeChat id (3 of each stays within the guard)
    for i in range(3):
        resolve_record(IncomingRecord(channel="wechat_mp", external_id=f"wx-{i}", mobile=f"1390000000{i + 1}",
                                      identifiers={"wechat_unionid": f"oUnion-{i:03d}"}))

    # when records bridging them in a ring arrive at the same time
    records = [
        IncomingRecord(channel="mall", external_id=f"bridge-{i}", mobile=f"1390000000{i + 1}",
                       identifiers={"wechat_unionid": f"oUnion-{(i + 1) % 3:03d}"})
        for i in range(3)
    ]
    errors = run_concurrently(records)

    # then nothing failed and exactly one active person holds all six identities
    assert errors == []
    active = Member.objects.filter(status=MemberStatus.ACTIVE)
    assert active.count() == 1
    assert Identity.objects.filter(member=active.get()).count() == 6
