"""Random condition trees over the profile fields, on random members: the compiled query selects
exactly the members whose explanation passes, and `not X` splits the active members exactly."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from members.conditions.compiler import active_members, matching_members
from members.conditions.explain import explain
from members.conditions.registry import DEFAULT_OPERATORS, FieldType
from members.conditions.windows import SHANGHAI
from members.models import (
    AttributeDefinition,
    Channel,
    ConsentRecord,
    Member,
    MemberStatus,
    SourceProfile,
    Store,
)

from .helpers import make_member

pytestmark = pytest.mark.django_db
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

CITIES = ["上海市", "杭州市", "北京上海路"]
CHANNELS = list(Channel.values)
STORES = ["S01", "S02"]
# Small pools shared by members and conditions, so that equal values and window edges come up
# often; the year end and 29 February among them.
BIRTHDAYS = [date(2000, 2, 29), date(1999, 12, 31), date(2001, 1, 1), date(1995, 6, 15), date(2004, 3, 1)]
DATES = [date(2026, 6, 14), date(2026, 6, 15), date(2026, 12, 31), date(2027, 1, 1), date(2027, 2, 28),
         date(2028, 2, 29)]

def mostly(pool: list, anything):
    """Values from `pool` two times in three, else from `anything`."""
    return st.one_of(st.sampled_from(pool), st.sampled_from(pool), anything)


days = mostly(BIRTHDAYS, st.dates(min_value=date(1950, 1, 1), max_value=date(2010, 12, 31)))
recent = mostly(DATES, st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31)))
iso = lambda dates: dates.map(date.isoformat)  # noqa: E731
numbers = mostly([0.5, 30, 165.5, *range(21, 34)], st.integers(-5, 90))  # ages from the pools: 22 to 33
# differences between pool dates (1, 58, 59, 197, 199...) and the year
day_counts = mostly([0, 1, 2, 58, 59, 60, 197, 199, 365, 366, 624, 625], st.integers(0, 800))

# key: (type, scalar values, contains fragments, extra operators)
FIELDS = {
    "member.gender": (FieldType.CHOICE, st.sampled_from(["M", "F", "U"]), None, ()),
    "member.city": (FieldType.TEXT, st.sampled_from(CITIES), st.sampled_from(["海", "上海", "市", "杭"]), ()),
    "member.province": (FieldType.TEXT, st.sampled_from(CITIES), st.sampled_from(["海", "市"]), ()),
    "member.age": (FieldType.NUMBER, numbers, None, ()),
    "member.birthday": (FieldType.DATE, iso(days), None, ("birthday_within_days",)),
    "member.registered_at": (FieldType.DATE, iso(recent), None, ()),
    "member.registered_channel": (FieldType.CHOICE, st.sampled_from(CHANNELS), None, ()),
    "member.home_store": (FieldType.CHOICE, st.sampled_from(STORES), None, ()),
    "member.has_mobile": (FieldType.BOOLEAN, st.booleans(), None, ()),
    "member.sms_consent": (FieldType.BOOLEAN, st.booleans(), None, ()),
    "member.channel_accounts": (FieldType.SET, st.sampled_from(CHANNELS), None, ()),
    "member.attr.skin": (FieldType.CHOICE, st.sampled_from(["干性", "油性"]), None, ()),
    "member.attr.height": (FieldType.NUMBER, numbers, None, ()),
    "member.attr.vip": (FieldType.BOOLEAN, st.booleans(), None, ()),
    "member.attr.since": (FieldType.DATE, iso(recent), None, ()),
    "member.attr.hobbies": (FieldType.SET, st.sampled_from(["跑步", "瑜伽"]), None, ()),
    "member.attr.note": (FieldType.TEXT, st.sampled_from(["香氛", "敏感肌"]), st.sampled_from(["香", "肌"]), ()),
}
ATTRIBUTES = [("skin", "choice", ["干性", "油性"]), ("height", "decimal", []), ("vip", "boolean", []),
              ("since", "date", []), ("hobbies", "multi_choice", ["跑步", "瑜伽"]), ("note", "text", [])]


def value_for(op: str, scalar, fragment):
    if op in ("is_empty", "is_not_empty"):
        return st.none()
    if op in ("in", "not_in"):
        return st.lists(scalar, min_size=1, max_size=3)
    if op == "between":
        return st.lists(scalar, min_size=2, max_size=2).map(sorted)
    if op == "contains":
        return fragment
    if op in ("within_last_days", "before_days_ago"):
        return day_counts
    if op == "birthday_within_days":
        return day_counts.filter(lambda n: n <= 365)
    return scalar


@st.composite
def leaves(draw, key: str | None = None):
    key = key or draw(st.sampled_from(sorted(FIELDS)))
    kind, scalar, fragment, extra = FIELDS[key]
    op = draw(st.sampled_from(DEFAULT_OPERATORS[kind] + extra))
    value = draw(value_for(op, scalar, fragment))
    return {"field": key, "op": op} | ({} if value is None else {"value": value})


trees = st.recursive(leaves(), lambda children: st.one_of(
    st.lists(children, min_size=1, max_size=3).map(lambda items: {"all": items}),
    st.lists(children, min_size=1, max_size=3).map(lambda items: {"any": items}),
    children.map(lambda item: {"not": item}),
), max_leaves=6)


def depth(node) -> int:
    if "field" in node:
        return 0
    body = node.get("all") or node.get("any") or [node.get("not")]
    return 1 + max(depth(child) for child in body)


def shanghai_instant(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI) + timedelta(minutes=minutes)


members = st.fixed_dictionaries({
    "gender": st.sampled_from(["M", "F", "U"]),
    "birthday": st.none() | days,
    "city": st.sampled_from(["", *CITIES]),
    "province": st.sampled_from(["", *CITIES]),
    "registered_channel": st.sampled_from(["", *CHANNELS]),
    # minutes near both ends of the day: the Shanghai date must decide, not the UTC one
    "registered_at": st.none() | st.tuples(recent, st.sampled_from([0, 1, 479, 480, 481, 1439])),
    "home_store": st.sampled_from([None, *STORES]),
    "mobile": st.sampled_from(["", "+8613800000000"]),
    "status": st.sampled_from([MemberStatus.ACTIVE] * 4 + [MemberStatus.MERGED, MemberStatus.ERASED]),
    "attributes": st.fixed_dictionaries({}, optional={
        "skin": st.sampled_from(["干性", "油性"]), "height": st.sampled_from(["0.5", "30", "165.5", "高"]),
        "vip": st.booleans(), "since": iso(recent) | st.just("去年"),
        "hobbies": st.lists(st.sampled_from(["跑步", "瑜伽"]), unique=True), "note": st.sampled_from(["", "香氛"]),
    }),
    "consents": st.lists(st.sampled_from(["granted", "withdrawn"]), max_size=2),
    "accounts": st.lists(st.sampled_from(CHANNELS), unique=True, max_size=2),
})


def create(person: dict, stores: dict):
    registered = person["registered_at"]
    member = make_member(
        gender=person["gender"], birthday=person["birthday"], city=person["city"], province=person["province"],
        registered_channel=person["registered_channel"], home_store=stores.get(person["home_store"]),
        registered_at=shanghai_instant(*registered) if registered else None, mobile=person["mobile"],
        status=person["status"], attributes=person["attributes"],
    )
    for index, status in enumerate(person["consents"]):
        ConsentRecord.objects.create(member=member, channel="sms", status=status, source="t",
                                     recorded_at=shanghai_instant(date(2025, 1, 1), index))
    for channel in person["accounts"]:
        SourceProfile.objects.create(member=member, channel=channel, external_id=f"{member.code}-{channel}",
                                     seen_at=shanghai_instant(date(2025, 1, 1), 0))
    return member


def check_agreement(condition, people, as_of):
    with transaction.atomic():
        stores = {code: Store.objects.create(code=code, name=code) for code in STORES}
        for key, kind, choices in ATTRIBUTES:
            AttributeDefinition.objects.create(key=key, label=key, type=kind, choices=choices)
        created = [create(person, stores) for person in people]

        chosen = set(matching_members(condition, as_of).values_list("pk", flat=True))
        negated = set(matching_members({"not": condition}, as_of).values_list("pk", flat=True))
        active = set(active_members().values_list("pk", flat=True))

        assert chosen.isdisjoint(negated) and chosen | negated == active
        for member in Member.objects.filter(pk__in=[m.pk for m in created]):  # as read back: times in UTC
            assert explain(condition, member, as_of).matches == (member.pk in chosen), member.pk
        transaction.set_rollback(True)


@pytest.mark.parametrize("key", sorted(FIELDS))  # every field gets its share of examples
@settings(PROPERTY, max_examples=30)
@given(data=st.data(), people=st.lists(members, min_size=1, max_size=8), as_of=recent)
def test_each_field_s_leaves_compiled_agree_with_explain(key, data, people, as_of):
    check_agreement(data.draw(leaves(key)), people, as_of)


@PROPERTY
@given(condition=trees, people=st.lists(members, min_size=1, max_size=6), as_of=recent)
def test_the_compiled_query_and_explain_agree_and_not_partitions_the_active_members(condition, people, as_of):
    assume(depth(condition) <= 8)
    check_agreement(condition, people, as_of)
