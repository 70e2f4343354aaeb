"""Merge and unmerge as services: the record, the round trip, the hooks, the refusals."""

from collections import Counter

import pytest
from django.db import transaction
from hypothesis import event, given, settings
from hypothesis import strategies as st

from members import hooks
from members.models import (
    AttributeDefinition,
    ConsentRecord,
    Identity,
    MatchRule,
    Member,
    MemberStatus,
    MergeRecord,
    Order,
    SourceProfile,
)
from members.services import (
    IncomingRecord,
    MergeError,
    merge_members,
    record_consent,
    resolve_record,
    unmerge,
)
from tests.conftest import at


def state_of(*members):
    """Everything a merge may touch, per person: profile fields and owned row ids."""
    out = {}
    for member in members:
        member = Member.objects.get(pk=member.pk)
        fields = {f.attname: getattr(member, f.attname) for f in Member._meta.concrete_fields if f.attname != "updated_at"}
        owned = {
            model.__name__: sorted(model.objects.filter(member=member).values_list("pk", flat=True))
            for model in (Identity, SourceProfile, Order, ConsentRecord)
        }
        out[member.pk] = (fields, owned)
    return out


@pytest.fixture
def two_people(person):
    a = person(channel="mall", external_id="m-1", mobile="13811112222", name="王芳", city="杭州", birthday="1991-02-03",
               seen="2025-01-01").member
    b = person(channel="jd", external_id="j-1", mobile="13933334444", name="王 芳", email="wf@example.com",
               identifiers={"jd_account": "wangfang"}, seen="2025-03-01").member
    Order.objects.create(channel="jd", external_no="JD1", member=b, status="completed", paid_amount="99.00",
                         source_profile=b.source_profiles.get())
    record_consent(member_id=b.pk, channel="sms", status="granted", source="京东下单勾选")
    return a, b


def test_merge_moves_everything_and_records_how(two_people):
    a, b = two_people

    record = merge_members(survivor_id=a.pk, absorbed_id=b.pk, rule="manual", reason="同一人")

    assert Member.objects.get(pk=b.pk).status == MemberStatus.MERGED
    assert set(Identity.objects.filter(member=a).values_list("kind", flat=True)) == {"mobile", "email", "jd_account"}
    assert Order.objects.get(external_no="JD1").member_id == a.pk
    assert record.moved["orders"] and record.moved["identities"] and record.moved["consents"]
    assert record.survivor_before["name"] == "王芳" and record.absorbed_before["email"] == "wf@example.com"
    assert Member.objects.get(pk=a.pk).email == "wf@example.com"  # profile now draws on both accounts


def test_unmerge_restores_the_exact_prior_state(two_people):
    a, b = two_people
    before = state_of(a, b)
    record = merge_members(survivor_id=a.pk, absorbed_id=b.pk, rule="manual")

    unmerge(record_id=record.pk)

    assert state_of(a, b) == before
    assert MergeRecord.objects.get().undone_at is not None


def test_orders_placed_after_the_merge_by_the_absorbed_account_go_back_on_unmerge(two_people):
    a, b = two_people
    record = merge_members(survivor_id=a.pk, absorbed_id=b.pk, rule="manual")
    jd_account = SourceProfile.objects.get(channel="jd", external_id="j-1")
    late = Order.objects.create(channel="jd", external_no="JD2", member=a, status="paid", source_profile=jd_account)

    unmerge(record_id=record.pk)

    late.refresh_from_db()
    assert late.member_id == b.pk


def test_hooks_let_other_apps_follow_merge_and_unmerge(two_people):
    a, b = two_people
    seen = []
    on_merge = hooks.member_merged.connect(lambda record: seen.append(("merge", record.absorbed_id)))
    on_unmerge = hooks.member_unmerged.connect(lambda record: seen.append(("unmerge", record.absorbed_id)))
    try:
        record = merge_members(survivor_id=a.pk, absorbed_id=b.pk, rule="manual")
        unmerge(record_id=record.pk)
    finally:
        hooks.member_merged.disconnect(on_merge)
        hooks.member_unmerged.disconnect(on_unmerge)

    assert seen == [("merge", b.pk), ("unmerge", b.pk)]


def test_a_failing_hook_rolls_the_merge_back(two_people):
    a, b = two_people

    def broken(record):
        raise RuntimeError("points could not follow")

    hooks.member_merged.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            merge_members(survivor_id=a.pk, absorbed_id=b.pk, rule="manual")
    finally:
        hooks.member_merged.disconnect(broken)

    assert Member.objects.get(pk=b.pk).status == MemberStatus.ACTIVE and not MergeRecord.objects.exists()


def test_merging_a_member_with_itself_or_a_merged_one_is_refused(two_people):
    a, b = two_people
    with pytest.raises(MergeError):
        merge_members(survivor_id=a.pk, absorbed_id=a.pk, rule="manual")
    merge_members(survivor_id=a.pk, absorbed_id=b.pk, rule="manual")
    with pytest.raises(MergeError, match="只能合并正常状态"):
        merge_members(survivor_id=a.pk, absorbed_id=b.pk, rule="manual")


def test_unmerge_twice_is_refused(two_people):
    a, b = two_people
    record = merge_members(survivor_id=a.pk, absorbed_id=b.pk, rule="manual")
    unmerge(record_id=record.pk)

    with pytest.raises(MergeError, match="已经撤销"):
        unmerge(record_id=record.pk)


def test_unmerge_needs_later_merges_of_the_survivor_undone_first(two_people, person):
    a, b = two_people
    c = person(channel="pos", external_id="p-1", mobile="13755556666").member
    first = merge_members(survivor_id=a.pk, absorbed_id=b.pk, rule="manual")
    merge_members(survivor_id=c.pk, absorbed_id=a.pk, rule="manual")

    with pytest.raises(MergeError, match="请先撤销"):
        unmerge(record_id=first.pk)


# --- property: any chain of merges, by the match rules or by hand, undone latest first restores the exact prior state ---

CHANNELS = ["tmall", "jd", "wechat_mp", "pos", "mall"]
# Identifier kinds that have a match rule, each with a pool of three values the accounts share.
SHARED_VALUES = {
    "mobile": "1381234567{}",
    "email": "shared{}@example.com",
    "wechat_unionid": "oUnion-shared-{}",
    "tmall_ouid": "ouid-shared-{}",
    "jd_account": "jd-shared-{}",
    "pos_card": "card-shared-{}",
}
account = st.fixed_dictionaries(
    {
        "channel": st.sampled_from(CHANNELS),
        "name": st.sampled_from(["张伟", "王芳", "李娜", "", "刘洋"]),
        "city": st.sampled_from(["杭州", "上海", "", "广州市"]),
        "birthday": st.sampled_from(["", "1990-01-02", "1985/7/8"]),
        "seen": st.sampled_from(["2025-01-01", "2025-06-01", "2026-01-01"]),
        "skin_type": st.sampled_from(["", "干性", "油性"]),
        "identifiers": st.dictionaries(st.sampled_from(sorted(SHARED_VALUES)), st.integers(0, 2), min_size=1, max_size=3),
        "orders": st.integers(0, 2),
        "consents": st.lists(st.sampled_from(["granted", "withdrawn"]), max_size=2),
    }
)


def incoming(n: int, acc: dict) -> IncomingRecord:
    ids = {kind: SHARED_VALUES[kind].format(i) for kind, i in acc["identifiers"].items()}
    return IncomingRecord(
        channel=acc["channel"], external_id=f"x-{n}", name=acc["name"], city=acc["city"], birthday=acc["birthday"],
        seen_at=at(acc["seen"]), mobile=ids.pop("mobile", ""), email=ids.pop("email", ""), identifiers=ids,
        attributes={"skin_type": acc["skin_type"]} if acc["skin_type"] else {},
    )


def give_history(n: int, acc: dict, resolution) -> None:
    """The account's orders, and consent its person gave or withdrew."""
    for k in range(acc["orders"]):
        Order.objects.create(channel=acc["channel"], external_no=f"x-{n}-{k}", member=resolution.member,
                             source_profile=resolution.source_profile, status="paid", paid_amount="10.00")
    for status in acc["consents"]:
        record_consent(member_id=resolution.member.pk, channel="sms", status=status, source="门店纸质表单")


def tally(reached: Counter, merges: list[MergeRecord]) -> None:
    """Count what an example reached, so the run can prove its examples were not trivial."""
    reached["examples"] += 1
    reached.update(f"rule:{record.rule}" for record in merges)
    carried = [record for record in merges if record.moved["orders"] and record.moved["consents"]]
    if carried:
        reached["absorbed orders and consents"] += 1
        event("a merge moved orders and consents")
    if any(record.rule != "manual" for record in carried):
        reached["absorbed orders and consents by a rule"] += 1
    if len(merges) >= 2:
        reached["chains"] += 1
    event(f"merges: {len(merges)}")


PROPERTY_EXAMPLES = 60


@pytest.mark.django_db
def test_property_merge_then_unmerge_restores_exact_prior_state():
    reached = Counter()

    @settings(max_examples=PROPERTY_EXAMPLES, deadline=None)
    @given(accounts=st.lists(account, min_size=3, max_size=6), by_hand=st.booleans(),
           rng=st.randoms(use_true_random=False))
    def example(accounts, by_hand, rng):
        with transaction.atomic():  # each example starts from an empty database
            # given one person per channel account (the match rules are off, so shared identifiers link no
            # one yet), each with orders, consent history and a custom attribute
            AttributeDefinition.objects.create(key="skin_type", label="肤质", type="choice", choices=["干性", "油性"])
            MatchRule.objects.update(enabled=False)
            records = [incoming(n, acc) for n, acc in enumerate(accounts)]
            resolutions = [resolve_record(record) for record in records]
            for n, (acc, resolution) in enumerate(zip(accounts, resolutions, strict=True)):
                give_history(n, acc, resolution)
            people = [resolution.member for resolution in resolutions]
            before = state_of(*people)

            # when the rules are on and the accounts arrive again in any order (people sharing an
            # identifier merge through that identifier's rule), perhaps everyone left is merged by hand,
            MatchRule.objects.update(enabled=True)
            rng.shuffle(records)
            for record in records:
                resolve_record(record)
            if by_hand:
                survivor, *others = Member.objects.filter(pk__in=[p.pk for p in people], status=MemberStatus.ACTIVE)
                for other in others:
                    merge_members(survivor_id=survivor.pk, absorbed_id=other.pk, rule="manual")
            merges = list(MergeRecord.objects.order_by("pk"))
            # and every merge is undone, latest first
            for record in reversed(merges):
                unmerge(record_id=record.pk)

            # then every person is exactly as before: profile, attributes, accounts, identities, orders, consents
            assert state_of(*people) == before
            tally(reached, merges)
            transaction.set_rollback(True)

    example()

    # and the run reached what the property is about. The floors are about half the least seen in ten
    # runs of 60 examples (18 / 15 / 30 examples, at least five rule kinds):
    # a generator drifting back to trivial people fails here instead of passing on empty comparisons.
    assert reached["examples"] == PROPERTY_EXAMPLES
    assert reached["absorbed orders and consents"] >= 10, reached
    assert reached["absorbed orders and consents by a rule"] >= 8, reached
    assert reached["chains"] >= 15, reached
    rules = {key for key in reached if key.startswith("rule:") and key != "rule:manual"}
    assert len(rules) >= 4 and reached["rule:manual"] > 0, reached
