"""Deterministic identity resolution: each linking rule, blocked values, the mega-merge guard."""

import pytest

from members.models import (
    BlockedValue,
    CandidateSource,
    Identity,
    MatchRule,
    Member,
    MemberStatus,
    MergeCandidate,
    MergeRecord,
    SourceProfile,
)
from members.services import ResolutionError

MOBILE = "13812345678"
E164 = "+8613812345678"


def active_members():
    return Member.objects.filter(status=MemberStatus.ACTIVE)


def test_first_record_creates_a_person_with_its_identities(person):
    result = person(channel="jd", identifiers={"jd_account": "buyer_01"}, mobile=MOBILE, name="张三")

    assert result.created
    assert result.member.code.startswith("M")
    assert set(result.member.identities.values_list("kind", "value")) == {
        ("mobile", E164), ("jd_account", "buyer_01")
    }
    assert result.member.mobile == E164


def test_reimporting_the_same_account_changes_nothing(person):
    first = person(channel="jd", identifiers={"jd_account": "buyer_01"}, mobile=MOBILE)

    second = person(channel="jd", identifiers={"jd_account": "buyer_01"}, mobile=MOBILE)

    assert not second.created and second.member.pk == first.member.pk
    assert Member.objects.count() == 1 and Identity.objects.count() == 2 and SourceProfile.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "raw_a", "raw_b"),
    [
        ("mobile", "138 1234 5678", "+86 13812345678"),
        ("wechat_unionid", "oUnion_abc", "oUnion_abc"),
        ("tmall_ouid", "OUID123", "OUID123"),
        ("tmall_omid", "OMID9", "OMID9"),
        ("tmall_nick", "Tom_Lee", "tom_lee"),
        ("jd_account", "jd_buyer", "JD_BUYER"),
        ("pos_card", "VIP-0001-22", "VIP000122"),
        ("email", "Tom@Example.COM", "tom@example.com"),
    ],
)
def test_each_default_rule_links_two_channel_accounts_into_one_person(person, kind, raw_a, raw_b):
    # given one account on Tmall and another on the mall sharing an identifier
    kwargs_a = {"mobile": raw_a} if kind == "mobile" else {"email": raw_a} if kind == "email" else {"identifiers": {kind: raw_a}}
    kwargs_b = {"mobile": raw_b} if kind == "mobile" else {"email": raw_b} if kind == "email" else {"identifiers": {kind: raw_b}}
    a = person(channel="tmall", external_id="t-1", **kwargs_a)

    # when the second arrives
    b = person(channel="mall", external_id="m-1", **kwargs_b)

    # then both accounts belong to one person
    assert b.member.pk == a.member.pk
    assert SourceProfile.objects.filter(member=a.member).count() == 2


def test_a_disabled_rule_does_not_link(person):
    MatchRule.objects.filter(kind="email").update(enabled=False)
    a = person(channel="tmall", external_id="t-1", email="tom@example.com")

    b = person(channel="mall", external_id="m-1", email="tom@example.com")

    assert b.member.pk != a.member.pk


def test_a_record_linking_two_existing_people_merges_them_into_the_oldest(person):
    older = person(channel="jd", external_id="jd-1", mobile=MOBILE, seen="2025-01-01")
    newer = person(channel="wechat_mp", external_id="wx-1", identifiers={"wechat_unionid": "oUnion-001"}, seen="2025-06-01")

    bridge = person(channel="wechat_mp", external_id="wx-2", mobile=MOBILE, identifiers={"wechat_unionid": "oUnion-001"})

    assert bridge.member.pk == older.member.pk
    newer.member.refresh_from_db()
    assert newer.member.status == MemberStatus.MERGED and newer.member.merged_into_id == older.member.pk
    record = MergeRecord.objects.get()
    assert (record.survivor_id, record.absorbed_id) == (older.member.pk, newer.member.pk)
    assert record.rule == "wechat_unionid" and record.identifier_value == "oUnion-001"
    assert record.absorbed_before["code"] == newer.member.code


@pytest.mark.parametrize("junk", ["0", "-1", "null", "anonymous", "00000000000", "11111111111"])
def test_blocked_values_never_link_people(person, junk):
    a = person(channel="pos", external_id="card-a", identifiers={"pos_card": junk}, mobile="13900001111")

    b = person(channel="pos", external_id="card-b", identifiers={"pos_card": junk}, mobile="13900002222")

    assert a.member.pk != b.member.pk
    assert not Identity.objects.filter(kind="pos_card").exists()


def test_values_blocked_by_staff_never_link(person):
    BlockedValue.objects.create(kind="email", value="shop@brand.com", reason="门店公用邮箱")
    a = person(channel="pos", external_id="a", email="shop@brand.com", mobile="13900001111")

    b = person(channel="pos", external_id="b", email="SHOP@brand.com", mobile="13900002222")

    assert a.member.pk != b.member.pk


def test_a_masked_phone_is_kept_for_display_but_never_links(person):
    a = person(channel="tmall", external_id="nick-a", mobile="138****5678")

    b = person(channel="tmall", external_id="nick-b", mobile="138****5678")

    assert a.member.pk != b.member.pk
    assert a.member.mobile == "" and a.member.mobile_masked == "138****5678"


def test_a_record_without_any_usable_identifier_is_rejected_with_a_reason(person):
    with pytest.raises(ResolutionError, match="没有可用于识别会员的标识"):
        person(channel="pos", name="张三", mobile="138****5678")


def test_mega_merge_guard_sends_the_merge_to_review_instead(person):
    # given a person already holding the maximum number of mobiles
    MatchRule.objects.filter(kind="mobile").update(max_per_member=2)
    hub = person(channel="pos", external_id="p-1", mobile="13900000001")
    person(channel="pos", external_id="p-1", mobile="13900000002")  # same account, second mobile
    other = person(channel="jd", external_id="j-1", mobile="13700000001", identifiers={"jd_account": "jd_x_buyer"})

    # when a record claims one of hub's mobiles and the other person's JD account
    result = person(channel="jd", external_id="j-2", mobile="13900000001", identifiers={"jd_account": "jd_x_buyer"})

    # then nobody is merged and the pair waits for a person to decide
    assert MergeRecord.objects.count() == 0
    candidate = MergeCandidate.objects.get()
    assert candidate.source == CandidateSource.GUARD
    assert {candidate.member_a_id, candidate.member_b_id} == {hub.member.pk, other.member.pk}
    assert result.member.pk in {hub.member.pk, other.member.pk}
    assert active_members().count() == 2


def test_identifiers_beyond_the_per_person_limit_are_not_attached(person):
    MatchRule.objects.filter(kind="mobile").update(max_per_member=1)
    person(channel="pos", external_id="p-1", mobile="13900000001")

    result = person(channel="pos", external_id="p-1", mobile="13900000002")

    assert result.skipped_identifiers == [("mobile", "+8613900000002")]
    assert result.member.identities.filter(kind="mobile").count() == 1


def test_unknown_store_code_is_reported_not_fatal(person):
    result = person(channel="pos", external_id="p-1", mobile=MOBILE, store_code="NOPE")

    assert result.member.home_store is None
    assert "门店编码不存在: NOPE" in result.notes


def test_a_merge_records_the_identifier_that_tied_the_people_not_the_account(person):
    # given an older person known by mobile, and a newer Tmall account known only by nick
    person(channel="jd", external_id="jd-1", mobile=MOBILE, seen="2025-01-01")
    person(channel="tmall", external_id="nick-1", identifiers={"tmall_nick": "tom_lee"}, seen="2025-06-01")

    # when the Tmall account later reports the same mobile
    person(channel="tmall", external_id="nick-1", identifiers={"tmall_nick": "tom_lee"}, mobile=MOBILE)

    # then the merge says the mobile caused it
    record = MergeRecord.objects.get()
    assert (record.rule, record.identifier_value) == ("mobile", E164)
