"""Merge and unmerge as services: the record, the round trip, the hooks, the refusals."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members import hooks
from members.models import ConsentRecord, Identity, Member, MemberStatus, MergeRecord, Order, SourceProfile
from members.services import MergeError, merge_members, record_consent, unmerge


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


# --- property: any chain of merges undone in reverse order restores the exact prior state ---

CHANNELS = ["tmall", "jd", "wechat_mp", "pos", "mall"]
account = st.fixed_dictionaries(
    {
        "channel": st.sampled_from(CHANNELS),
        "name": st.sampled_from(["张伟", "王芳", "李娜", "", "刘洋"]),
        "city": st.sampled_from(["杭州", "上海", "", "广州市"]),
        "birthday": st.sampled_from(["", "1990-01-02", "1985/7/8"]),
        "with_email": st.booleans(),
        "seen": st.sampled_from(["2025-01-01", "2025-06-01", "2026-01-01"]),
    }
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(accounts=st.lists(account, min_size=2, max_size=5), order=st.randoms(use_true_random=False))
def test_property_merge_then_unmerge_restores_exact_prior_state(person, accounts, order):
    with transaction.atomic():  # each example starts from an empty database
        # given distinct people (unique mobiles, so no automatic links)
        people = [
            person(external_id=f"x-{i}", mobile=f"1390000{i:04d}", email=f"p{i}@example.com" if with_email else "",
                   **acc).member
            for i, (with_email, acc) in enumerate((a.pop("with_email"), a) for a in accounts)
        ]
        before = state_of(*people)

        # when they are merged one by one into a random survivor, then every merge undone in reverse
        order.shuffle(people)
        survivor, *others = people
        records = [merge_members(survivor_id=survivor.pk, absorbed_id=o.pk, rule="manual") for o in others]
        for record in reversed(records):
            unmerge(record_id=record.pk)

        # then every person is exactly as before
        assert state_of(*people) == before
        transaction.set_rollback(True)
