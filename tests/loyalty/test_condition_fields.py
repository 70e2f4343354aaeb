"""The loyalty fields of the member condition language: roles held, level per scheme by rank, balances
per account type and points expiring within N days — by the compiled query and by explain(), which
must agree (hypothesis, on random loyalty data)."""

from datetime import date

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty.levels.services import member_level_for, set_manual_level
from loyalty.models import Level, LevelScheme, PointsAccountType, RoleType
from loyalty.services import earn, end_role, open_account, open_role
from members.conditions.compiler import active_members, count, matching_members
from members.conditions.explain import explain
from members.conditions.registry import fields
from members.conditions.tree import ConditionError
from members.models import Member, MemberStatus
from tests.conftest import at
from tests.members.conditions.helpers import make_member

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 15)


def set_up_loyalty():
    """Role types `consumer` (seeded) and `guide`; account types `pa` (never expires, at once) and `pb`
    (expires 10 days after the earn day, pending 3 days); a consumer scheme `vip` ranked 0/1/2."""
    consumer = RoleType.objects.get(code="consumer")
    RoleType.objects.get_or_create(code="guide", defaults={"name": "导购"})
    pa = PointsAccountType.objects.create(code="pa", name="积分A")
    pb = PointsAccountType.objects.create(code="pb", name="积分B", expiry_policy="days_after_earn", expiry_days=10,
                                          pending_days=3)
    for account_type in (pa, pb):
        account_type.role_types.add(consumer)
    scheme = LevelScheme.objects.create(code="vip", name="会员", role_type=consumer, metric="window_paid",
                                        review_period="monthly")
    for code, rank in (("base", 0), ("silver", 1), ("gold", 2)):
        Level.objects.create(scheme=scheme, code=code, name=code, rank=rank, upgrade_threshold=rank * 1000,
                             retain_threshold=rank * 1000)
    return consumer, scheme


def give_level(member: Member, scheme: LevelScheme, rank: int) -> None:
    role = open_role(member=member, role_type=scheme.role_type)
    row = member_level_for(member_role=role, scheme=scheme)
    if rank:
        set_manual_level(member_level=row, level=scheme.levels.get(rank=rank), reason="测试")


def give_points(member: Member, code: str, points: int, day: str, key: str) -> None:
    account = open_account(member=member, role_type=RoleType.objects.get(code="consumer"),
                           account_type=PointsAccountType.objects.get(code=code))
    earn(account=account, points=points, occurred_at=at(day), idempotency_key=key, now=at(day), levels=False)


def chosen(condition, as_of=AS_OF) -> set[int]:
    return set(matching_members(condition, as_of).values_list("pk", flat=True))


def agrees(condition, as_of=AS_OF) -> set[int]:
    """The members the query selects, after checking explain() says the same of every active member."""
    selected = chosen(condition, as_of)
    for member in active_members():
        assert explain(condition, member, as_of).matches == (member.pk in selected), (condition, member.pk)
    return selected


@pytest.fixture
def loyalty(db):
    return set_up_loyalty()


def test_roles_held_are_the_active_roles(loyalty):
    # given one consumer, one whose consumer role ended, and one without roles
    consumer, _ = loyalty
    holder, former, nobody = make_member(), make_member(), make_member()
    open_role(member=holder, role_type=consumer)
    end_role(role=open_role(member=former, role_type=consumer))
    # then only the holder has it, and has_not is everyone else
    assert agrees({"field": "loyalty.roles", "op": "has", "value": "consumer"}) == {holder.pk}
    assert agrees({"field": "loyalty.roles", "op": "has_not", "value": "consumer"}) == {former.pk, nobody.pk}
    assert explain({"field": "loyalty.roles", "op": "has", "value": "consumer"}, former, AS_OF).root.actual == set()


def test_an_unknown_role_code_is_refused(loyalty):
    with pytest.raises(ConditionError):
        count({"field": "loyalty.roles", "op": "has", "value": "nobody"}, AS_OF)


def test_level_compares_by_rank_and_no_level_is_empty(loyalty):
    # given members at ranks 0, 1, 2 and one without a level in the scheme
    _, scheme = loyalty
    base, silver, gold, none = (make_member() for _ in range(4))
    for person, rank in ((base, 0), (silver, 1), (gold, 2)):
        give_level(person, scheme, rank)
    # then eq and gte go by rank, and the member without a level is only in is_empty / not
    key = "loyalty.level.vip"
    assert agrees({"field": key, "op": "eq", "value": 1}) == {silver.pk}
    assert agrees({"field": key, "op": "gte", "value": 1}) == {silver.pk, gold.pk}
    assert agrees({"field": key, "op": "gte", "value": 0}) == {base.pk, silver.pk, gold.pk}
    assert agrees({"field": key, "op": "is_empty"}) == {none.pk}
    assert agrees({"not": {"field": key, "op": "gte", "value": 1}}) == {base.pk, none.pk}


def test_level_offers_only_eq_and_gte_and_needs_a_known_scheme(loyalty):
    with pytest.raises(ConditionError):
        count({"field": "loyalty.level.vip", "op": "lt", "value": 1}, AS_OF)
    with pytest.raises(ConditionError):
        count({"field": "loyalty.level.nosuch", "op": "eq", "value": 1}, AS_OF)


def test_balances_per_account_type_and_zero_without_an_account(loyalty):
    # given a member with 100 available 積分A, one whose 积分B is still pending, one without accounts
    rich, waiting, none = make_member(), make_member(), make_member()
    give_points(rich, "pa", 100, "2026-06-01", "r1")
    give_points(waiting, "pb", 40, "2026-06-14", "w1")  # pending until 06-17
    # then each balance is its own field, and no account counts as 0
    assert agrees({"field": "loyalty.points_available.pa", "op": "gte", "value": 100}) == {rich.pk}
    assert agrees({"field": "loyalty.points_available.pa", "op": "eq", "value": 0}) == {waiting.pk, none.pk}
    assert agrees({"field": "loyalty.points_pending.pb", "op": "eq", "value": 40}) == {waiting.pk}
    assert agrees({"field": "loyalty.points_available.pb", "op": "lt", "value": 1}) == {rich.pk, waiting.pk, none.pk}
    assert agrees({"field": "loyalty.points_lifetime.pa", "op": "between", "value": [1, 100]}) == {rich.pk}
    assert agrees({"field": "loyalty.points_lifetime.pa", "op": "is_empty"}) == set()


def test_points_expiring_within_n_days_count_from_today_to_the_nth_day_s_end(loyalty):
    # given 积分B earned on 06-01 (expires end of 06-11) and on 06-10 (expires end of 06-20)
    member = make_member()
    give_points(member, "pb", 5, "2026-06-01", "e1")
    give_points(member, "pb", 7, "2026-06-10", "e2")
    expiring = lambda days, as_of: explain(  # noqa: E731
        {"field": f"loyalty.points_expiring.pb.{days}", "op": "eq", "value": 0}, member, as_of).root.actual
    # then on 06-11 "0 days" is what expires tonight; on 06-12 the first lot counts as expired already
    assert expiring(0, date(2026, 6, 11)) == 5
    assert expiring(8, date(2026, 6, 11)) == 5
    assert expiring(9, date(2026, 6, 11)) == 12
    assert expiring(30, date(2026, 6, 12)) == 7
    assert expiring(30, date(2026, 6, 21)) == 0
    for days, as_of, value in ((0, date(2026, 6, 11), 5), (9, date(2026, 6, 11), 12), (30, date(2026, 6, 12), 7)):
        assert agrees({"field": f"loyalty.points_expiring.pb.{days}", "op": "eq", "value": value}, as_of) == {member.pk}


def test_points_expiring_needs_a_type_and_a_number_of_days(loyalty):
    assert fields.get("loyalty.points_expiring.pb.30") is not None
    assert fields.get("loyalty.points_expiring.pb") is None
    assert fields.get("loyalty.points_expiring.pb.x") is None
    assert fields.get("loyalty.points_expiring.nosuch.30") is None


def test_editors_list_the_families_from_the_data(loyalty):
    keys = {field.key for field in fields.all()}
    assert {"loyalty.roles", "loyalty.level.vip", "loyalty.points_available.pa", "loyalty.points_pending.pb",
            "loyalty.points_lifetime.pa", "loyalty.points_expiring.pb.30"} <= keys


# ---- compiled query and explain agree on random loyalty data --------------------------------------

DAYS = ["2026-06-01", "2026-06-05", "2026-06-10", "2026-06-14", "2026-06-15"]
AS_OFS = [date(2026, 6, 10), date(2026, 6, 14), date(2026, 6, 15), date(2026, 6, 20), date(2026, 6, 25)]
NUMBERS = st.sampled_from([0, 1, 5, 7, 12, 40, 100])

people = st.lists(st.fixed_dictionaries({
    "status": st.sampled_from([MemberStatus.ACTIVE] * 4 + [MemberStatus.MERGED]),
    "guide": st.sampled_from([None, "active", "ended"]),
    "level": st.sampled_from([None, 0, 1, 2]),
    "earns": st.lists(st.tuples(st.sampled_from(["pa", "pb"]), st.sampled_from([5, 7, 40]), st.sampled_from(DAYS)),
                      max_size=3),
}), min_size=1, max_size=5)


@st.composite
def loyalty_leaves(draw):
    kind = draw(st.sampled_from(["roles", "level", "balance", "expiring"]))
    if kind == "roles":
        return {"field": "loyalty.roles", "op": draw(st.sampled_from(["has", "has_not"])),
                "value": draw(st.sampled_from(["consumer", "guide"]))}
    if kind == "level":
        op = draw(st.sampled_from(["eq", "gte", "is_empty", "is_not_empty"]))
        leaf = {"field": "loyalty.level.vip", "op": op}
        return leaf if op.startswith("is_") else leaf | {"value": draw(st.sampled_from([0, 1, 2, 3]))}
    if kind == "balance":
        key = draw(st.sampled_from(["available", "pending", "lifetime"]))
        field = f"loyalty.points_{key}.{draw(st.sampled_from(['pa', 'pb']))}"
    else:
        field = f"loyalty.points_expiring.{draw(st.sampled_from(['pa', 'pb']))}.{draw(st.sampled_from([0, 1, 5, 10, 30]))}"
    op = draw(st.sampled_from(["eq", "ne", "gt", "gte", "lt", "lte", "between", "is_empty", "is_not_empty"]))
    if op.startswith("is_"):
        return {"field": field, "op": op}
    value = sorted(draw(st.lists(NUMBERS, min_size=2, max_size=2))) if op == "between" else draw(NUMBERS)
    return {"field": field, "op": op, "value": value}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(leaf=loyalty_leaves(), group=st.sampled_from(["leaf", "not"]), people=people, as_of=st.sampled_from(AS_OFS))
def test_the_compiled_query_and_explain_agree_on_loyalty_leaves(db, leaf, group, people, as_of):
    condition = leaf if group == "leaf" else {"not": leaf}
    with transaction.atomic():
        _, scheme = set_up_loyalty()
        guide = RoleType.objects.get(code="guide")
        for number, person in enumerate(people):
            member = make_member()
            if person["guide"]:
                role = open_role(member=member, role_type=guide)
                if person["guide"] == "ended":
                    end_role(role=role)
            if person["level"] is not None:
                give_level(member, scheme, person["level"])
            for index, (code, points, day) in enumerate(person["earns"]):
                give_points(member, code, points, day, f"k{number}-{index}")
            Member.objects.filter(pk=member.pk).update(status=person["status"])

        selected = chosen(condition, as_of)
        negated = chosen({"not": condition}, as_of)
        active = set(active_members().values_list("pk", flat=True))
        assert selected.isdisjoint(negated) and selected | negated == active
        assert count(condition, as_of) == len(selected)
        for member in active_members():
            assert explain(condition, member, as_of).matches == (member.pk in selected), member.pk
        transaction.set_rollback(True)
