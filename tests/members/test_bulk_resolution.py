"""resolve_records: many records at once must end exactly where resolve_record one by one ends."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members.models import (
    Identity,
    MatchRule,
    Member,
    MemberStatus,
    MergeCandidate,
    MergeRecord,
    SourceProfile,
)
from members.services import IncomingRecord, resolve_record
from members.services.bulk_resolution import resolve_records
from tests.conftest import at

BASE = at("2026-01-01")


def record(channel="tmall", external_id="", days=0, **fields):
    return IncomingRecord(channel=channel, external_id=external_id, seen_at=BASE + timedelta(days=days), **fields)


def people_of_accounts() -> set[frozenset[tuple[str, str]]]:
    """The partition of channel accounts into active people: what resolution decides."""
    groups: dict[int, set] = {}
    for member_id, channel, external_id in SourceProfile.objects.values_list("member_id", "channel", "external_id"):
        groups.setdefault(member_id, set()).add((channel, external_id))
    assert set(groups) <= set(Member.objects.filter(status=MemberStatus.ACTIVE).values_list("pk", flat=True))
    return {frozenset(g) for g in groups.values()}


def test_new_buyers_become_people_with_their_accounts_and_identities(db):
    # given: two buyers, one of them with two orders
    records = [
        record(external_id="tb-a", name="张伟", mobile="13800138000", identifiers={"tmall_nick": "tb-a"}),
        record(external_id="tb-b", name="李娜", mobile="13900139000", identifiers={"tmall_nick": "tb-b"}),
        record(external_id="tb-a", name="张伟", mobile="13800138000", identifiers={"tmall_nick": "tb-a"}, days=3),
    ]

    # when
    result = resolve_records(records)

    # then: two people, the repeated buyer's rows point at the same person
    assert result.members_created == 2
    assert result.links[0] == result.links[2] != result.links[1]
    zhang = Member.objects.get(pk=result.links[0][0])
    assert (zhang.name, zhang.mobile, zhang.registered_channel) == ("张伟", "+8613800138000", "tmall")
    assert set(Identity.objects.filter(member=zhang).values_list("kind", "value")) == {
        ("mobile", "+8613800138000"), ("tmall_nick", "tb-a")}
    assert SourceProfile.objects.get(external_id="tb-a").seen_at == BASE + timedelta(days=3)


def test_a_buyer_known_from_another_channel_is_matched_not_created(person):
    # given: a POS member with a mobile
    pos = person(channel="pos", external_id="card-1", mobile="13800138000", name="张伟")

    # when: a JD buyer with that mobile arrives in a batch
    result = resolve_records([record(channel="jd", external_id="jd-1", mobile="13800138000",
                                     identifiers={"jd_account": "jd-1"})])

    # then: same person, now with a JD account
    assert result.links[0][0] == pos.member.pk
    assert (result.members_created, result.members_matched) == (0, 1)
    assert SourceProfile.objects.filter(member=pos.member).count() == 2


def test_records_tying_two_known_people_together_merge_them_with_a_record(person):
    # given: two people, one known by mobile, one by JD account
    a = person(channel="pos", external_id="card-1", mobile="13800138000")
    b = person(channel="jd", external_id="jd-1", identifiers={"jd_account": "jd-1"})

    # when: a JD record carries both
    result = resolve_records([record(channel="jd", external_id="jd-1", mobile="13800138000",
                                     identifiers={"jd_account": "jd-1"})])

    # then: one person, the merge explained
    assert result.members_merged == 1
    assert MergeRecord.objects.count() == 1
    assert Member.objects.filter(status=MemberStatus.ACTIVE).count() == 1
    assert result.links[0][0] in (a.member.pk, b.member.pk)


def test_resolving_the_same_batch_twice_changes_nothing(db):
    # given
    records = [record(external_id=f"tb-{i}", mobile=f"1380013{i:04d}", identifiers={"tmall_nick": f"tb-{i}"})
               for i in range(30)]
    first = resolve_records(records)
    before = (list(Member.objects.values().order_by("pk")), list(SourceProfile.objects.values().order_by("pk")),
              list(Identity.objects.values().order_by("pk")))

    # when
    second = resolve_records(records)

    # then
    assert second.links == first.links
    assert (second.members_created, second.members_matched) == (0, 30)
    after = (list(Member.objects.values().order_by("pk")), list(SourceProfile.objects.values().order_by("pk")),
             list(Identity.objects.values().order_by("pk")))
    assert after == before


def test_an_older_record_does_not_overwrite_what_the_channel_said_later(db):
    # given: the account as of day 10
    resolve_records([record(external_id="tb-a", name="张伟", days=10, identifiers={"tmall_nick": "tb-a"})])

    # when: an older export says another name
    resolve_records([record(external_id="tb-a", name="张三", days=1, identifiers={"tmall_nick": "tb-a"})])

    # then
    assert Member.objects.get().name == "张伟"


def test_blocked_and_masked_values_never_link_buyers(db):
    # given: two buyers whose phones are a test number and a masked number
    records = [
        record(external_id="tb-a", mobile="13800000000", identifiers={"tmall_nick": "tb-a"}),
        record(external_id="tb-b", mobile="13800000000", identifiers={"tmall_nick": "tb-b"}),
        record(external_id="tb-c", mobile="138****1234", identifiers={"tmall_nick": "tb-c"}),
        record(external_id="tb-d", mobile="138****1234", identifiers={"tmall_nick": "tb-d"}),
    ]

    # when
    result = resolve_records(records)

    # then: four people
    assert result.members_created == 4


def test_a_record_without_any_identifier_has_no_person_and_says_why(db):
    # when
    result = resolve_records([record(channel="pos", name="无名氏", mobile="138****1234")])

    # then
    assert result.links == [None]
    assert "没有可用于识别会员的标识" in result.problems[0]
    assert not Member.objects.exists()


def test_a_group_past_the_identifier_limit_goes_through_the_guarded_path(db):
    # given: at most one mobile per person
    MatchRule.objects.filter(kind="mobile").update(max_per_member=1)
    resolve_records([record(channel="pos", external_id="card-1", mobile="13800138000")])
    resolve_records([record(channel="pos", external_id="card-2", mobile="13900139000")])

    # when: one record ties both mobiles together
    resolve_records([record(channel="jd", external_id="jd-1", mobile="13800138000"),
                     record(channel="jd", external_id="jd-1", mobile="13900139000", days=1)])

    # then: no merge; the pair waits for review
    assert Member.objects.filter(status=MemberStatus.ACTIVE).count() == 2
    assert MergeCandidate.objects.count() == 1


# --- property: bulk == one by one ------------------------------------------------------------------------

_record = st.builds(
    lambda channel, account, mobile, email: (channel, account, mobile, email),
    st.sampled_from(["tmall", "jd", "pos"]),
    st.integers(0, 5),
    st.one_of(st.none(), st.integers(0, 4)),
    st.one_of(st.none(), st.integers(0, 3)),
)


def _incoming(channel, account, mobile, email, day):
    ids = {"tmall": "tmall_nick", "jd": "jd_account", "pos": "pos_card"}
    return record(
        channel=channel, external_id=f"{channel}-{account}", days=day,
        mobile=f"1380013{mobile:04d}" if mobile is not None else "",
        email=f"p{email}@example.com" if email is not None else "",
        identifiers={ids[channel]: f"{channel}-{account}"},
    )


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(_record, min_size=1, max_size=8), min_size=1, max_size=3))
def test_bulk_resolution_partitions_accounts_exactly_like_one_by_one(batches, django_db_blocker):
    """Whatever the overlap of mobiles, emails and accounts, both paths make the same people."""
    from django.db import transaction

    MatchRule.objects.update(max_per_member=50)  # the guard is order-dependent by design; tested above
    records = [[_incoming(*r, day=i * 10 + j) for j, r in enumerate(batch)] for i, batch in enumerate(batches)]

    # given/when: one by one, in order
    sid = transaction.savepoint()
    for batch in records:
        for r in batch:
            resolve_record(r)
    expected = people_of_accounts()
    transaction.savepoint_rollback(sid)

    # when: batch by batch
    sid = transaction.savepoint()
    for batch in records:
        resolve_records(batch)
    actual = people_of_accounts()
    transaction.savepoint_rollback(sid)

    # then
    assert actual == expected


def test_the_same_data_seen_later_only_moves_seen_at_forward(db):
    # given: an account seen on day 1
    same = {"external_id": "tb-a", "name": "张伟", "mobile": "13800138000", "identifiers": {"tmall_nick": "tb-a"}}
    first = resolve_records([record(days=1, **same)])
    member_before = Member.objects.values().get()

    # when: the same values arrive again from day 9
    again = resolve_records([record(days=9, **same)])

    # then: same person and profile; only the times moved
    assert again.links == first.links
    assert SourceProfile.objects.get().seen_at == BASE + timedelta(days=9)
    assert set(Identity.objects.values_list("last_seen", flat=True)) == {BASE + timedelta(days=9)}
    member_after = Member.objects.values().get()
    assert {k: v for k, v in member_after.items() if k != "updated_at"} == \
        {k: v for k, v in member_before.items() if k != "updated_at"}
