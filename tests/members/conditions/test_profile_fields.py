"""Each profile field and operator, compiled and explained: the set the query selects equals the
members whose explanation passes, and `not` takes exactly the rest of the active members."""

from datetime import date

import pytest

from members.conditions.compiler import count, matching_members, sample
from members.conditions.explain import explain
from members.models import AttributeDefinition, ConsentRecord, MemberStatus, SourceProfile, Store
from tests.conftest import at

from .helpers import make_member

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 15)


def selected(condition, as_of=AS_OF) -> set[str]:
    """Member codes the query selects, after checking that explain() agrees member by member and
    that `not` selects exactly the other active members."""
    chosen = set(matching_members(condition, as_of).values_list("code", flat=True))
    negated = set(matching_members({"not": condition}, as_of).values_list("code", flat=True))
    from members.models import Member

    active = {m.code: m for m in Member.objects.filter(status=MemberStatus.ACTIVE)}
    assert chosen.isdisjoint(negated) and chosen | negated == set(active)
    assert {code for code, m in active.items() if explain(condition, m, as_of).matches} == chosen
    return chosen


@pytest.fixture
def people(db):
    store = Store.objects.create(code="S01", name="静安店")
    return {
        "ann": make_member(name="ann", gender="F", birthday=date(1990, 6, 20), city="上海市", province="上海市",
                           mobile="+8613800000001", registered_channel="tmall", home_store=store,
                           registered_at=at("2026-06-01", "23:30")),
        "bob": make_member(name="bob", gender="M", birthday=date(2000, 1, 5), city="杭州市",
                           registered_channel="pos", registered_at=at("2026-06-02", "00:10")),
        "cat": make_member(name="cat"),  # gender 未知, everything else empty
    }


def code(people, *names):
    return {people[name].code for name in names}


@pytest.mark.parametrize("leaf, expected", [
    ({"field": "member.gender", "op": "eq", "value": "F"}, ["ann"]),
    ({"field": "member.gender", "op": "ne", "value": "F"}, ["bob", "cat"]),
    ({"field": "member.gender", "op": "in", "value": ["F", "M"]}, ["ann", "bob"]),
    ({"field": "member.gender", "op": "not_in", "value": ["F"]}, ["bob", "cat"]),
    ({"field": "member.gender", "op": "is_empty"}, ["cat"]),  # 未知 counts as empty
    ({"field": "member.city", "op": "contains", "value": "海"}, ["ann"]),
    ({"field": "member.city", "op": "is_not_empty"}, ["ann", "bob"]),
    ({"field": "member.city", "op": "ne", "value": "上海市"}, ["bob", "cat"]),  # empty is "not 上海市"
    ({"field": "member.province", "op": "is_empty"}, ["bob", "cat"]),
    ({"field": "member.age", "op": "gte", "value": 30}, ["ann"]),  # 35 on 2026-06-15; bob 26
    ({"field": "member.age", "op": "between", "value": [26, 26]}, ["bob"]),
    ({"field": "member.age", "op": "gte", "value": 35}, ["ann"]),  # each comparison at its edge
    ({"field": "member.age", "op": "gt", "value": 35}, []),
    ({"field": "member.age", "op": "lte", "value": 26}, ["bob"]),
    ({"field": "member.age", "op": "lt", "value": 26}, []),
    ({"field": "member.age", "op": "eq", "value": 35}, ["ann"]),
    ({"field": "member.age", "op": "ne", "value": 35}, ["bob", "cat"]),
    ({"field": "member.age", "op": "lt", "value": 100}, ["ann", "bob"]),  # no birthday, no age
    ({"field": "member.age", "op": "is_empty"}, ["cat"]),
    ({"field": "member.birthday", "op": "lte", "value": "1990-06-20"}, ["ann"]),
    ({"field": "member.birthday", "op": "gt", "value": "1990-06-20"}, ["bob"]),
    ({"field": "member.birthday", "op": "gte", "value": "2000-01-05"}, ["bob"]),
    ({"field": "member.birthday", "op": "lt", "value": "2000-01-05"}, ["ann"]),
    ({"field": "member.birthday", "op": "birthday_within_days", "value": 5}, ["ann"]),
    ({"field": "member.birthday", "op": "birthday_within_days", "value": 4}, []),
    ({"field": "member.registered_channel", "op": "eq", "value": "pos"}, ["bob"]),
    ({"field": "member.registered_channel", "op": "is_empty"}, ["cat"]),
    # 23:30 on 1 June and 00:10 on 2 June, Shanghai: two business dates
    ({"field": "member.registered_at", "op": "eq", "value": "2026-06-01"}, ["ann"]),
    ({"field": "member.registered_at", "op": "within_last_days", "value": 13}, ["bob"]),
    ({"field": "member.registered_at", "op": "within_last_days", "value": 14}, ["ann", "bob"]),
    ({"field": "member.registered_at", "op": "before_days_ago", "value": 13}, ["ann"]),
    ({"field": "member.registered_at", "op": "before_days_ago", "value": 14}, []),  # 1 June is 14 days ago
    ({"field": "member.registered_at", "op": "between", "value": ["2026-06-02", "2026-06-02"]}, ["bob"]),
    ({"field": "member.city", "op": "in", "value": ["上海市", "北京市"]}, ["ann"]),
    ({"field": "member.city", "op": "not_in", "value": ["上海市"]}, ["bob", "cat"]),
    ({"field": "member.home_store", "op": "eq", "value": "S01"}, ["ann"]),
    ({"field": "member.home_store", "op": "is_empty"}, ["bob", "cat"]),
    ({"field": "member.has_mobile", "op": "eq", "value": True}, ["ann"]),
    ({"field": "member.has_mobile", "op": "eq", "value": False}, ["bob", "cat"]),
])
def test_each_operator_selects_what_explain_says(people, leaf, expected):
    assert selected(leaf) == code(people, *expected)


def test_sms_consent_is_the_latest_record(people):
    # Given ann granted then withdrew, bob withdrew then granted, cat was never asked
    for name, statuses in (("ann", ["granted", "withdrawn"]), ("bob", ["withdrawn", "granted"])):
        for day, status in zip(("2026-01-01", "2026-02-01"), statuses, strict=True):
            ConsentRecord.objects.create(member=people[name], channel="sms", status=status, source="t",
                                         recorded_at=at(day))

    assert selected({"field": "member.sms_consent", "op": "eq", "value": True}) == code(people, "bob")


def test_channel_accounts_held(people):
    SourceProfile.objects.create(member=people["ann"], channel="tmall", external_id="a", seen_at=at("2026-01-01"))
    SourceProfile.objects.create(member=people["ann"], channel="jd", external_id="b", seen_at=at("2026-01-01"))
    SourceProfile.objects.create(member=people["bob"], channel="jd", external_id="c", seen_at=at("2026-01-01"))

    assert selected({"field": "member.channel_accounts", "op": "has", "value": "tmall"}) == code(people, "ann")
    assert selected({"field": "member.channel_accounts", "op": "has_not", "value": "jd"}) == code(people, "cat")
    assert explain({"field": "member.channel_accounts", "op": "has", "value": "jd"},
                   people["ann"], AS_OF).root.actual == {"tmall", "jd"}


def test_custom_attributes_of_each_type(people):
    for key, kind, choices in (("skin", "choice", ["干性", "油性"]), ("height", "decimal", []), ("vip", "boolean", []),
                               ("since", "date", []), ("hobbies", "multi_choice", ["跑步", "瑜伽"]),
                               ("note", "text", [])):
        AttributeDefinition.objects.create(key=key, label=key, type=kind, choices=choices)
    people["ann"].attributes = {"skin": "干性", "height": "165.5", "vip": True, "since": "2020-01-01",
                                "hobbies": ["跑步"], "note": "喜欢香氛"}
    people["ann"].save()
    # a value stored before the attribute's type changed does not fit it: empty, not a query error
    people["bob"].attributes = {"height": "高", "since": "去年", "vip": False, "hobbies": []}
    people["bob"].save()

    assert selected({"field": "member.attr.skin", "op": "eq", "value": "干性"}) == code(people, "ann")
    assert selected({"field": "member.attr.height", "op": "gt", "value": 165}) == code(people, "ann")
    assert selected({"field": "member.attr.height", "op": "is_empty"}) == code(people, "bob", "cat")
    assert selected({"field": "member.attr.vip", "op": "eq", "value": False}) == code(people, "bob", "cat")
    assert selected({"field": "member.attr.since", "op": "lt", "value": "2021-01-01"}) == code(people, "ann")
    assert selected({"field": "member.attr.hobbies", "op": "has", "value": "跑步"}) == code(people, "ann")
    assert selected({"field": "member.attr.note", "op": "contains", "value": "香"}) == code(people, "ann")


def test_merged_and_erased_members_are_never_selected_nor_in_the_complement(people):
    # Given a merged-away woman and an erased one
    make_member(gender="F", status=MemberStatus.MERGED, merged_into=people["ann"])
    make_member(gender="F", status=MemberStatus.ERASED)
    condition = {"field": "member.gender", "op": "eq", "value": "F"}

    # Then neither is counted, by the condition or by its negation
    assert count(condition, AS_OF) == 1
    assert count({"not": condition}, AS_OF) == 2
    merged = make_member(gender="F", status=MemberStatus.MERGED)
    assert explain(condition, merged, AS_OF).matches is False


def test_groups_combine_and_explain_shows_each_leaf_and_group(people):
    condition = {"all": [
        {"field": "member.gender", "op": "eq", "value": "F"},
        {"any": [{"field": "member.city", "op": "in", "value": ["杭州市"]},
                 {"not": {"field": "member.age", "op": "lt", "value": 30}}]},
    ]}

    assert selected(condition) == code(people, "ann")
    assert [m.code for m in sample(condition, 5, AS_OF)] == [people["ann"].code]

    why = explain(condition, people["ann"], AS_OF).as_dict()
    assert why["matches"] is True
    gender, any_group = why["tree"]["children"]
    assert gender == {"path": "all[0]", "field": "member.gender", "label": "性别", "op": "eq", "op_label": "等于",
                      "value": "F", "window": None, "actual": "F", "passed": True}
    city, not_group = any_group["children"]
    assert (city["actual"], city["passed"], any_group["passed"]) == ("上海市", False, True)
    assert not_group["passed"] is True and not_group["children"][0]["actual"] == 35
