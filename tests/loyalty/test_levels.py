"""Levels in the database: real-time upgrades, reviews, manual floors, several roles, merge/unmerge."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import ProtectedError

from loyalty.errors import LoyaltyError
from loyalty.levels.benefits import current_benefits, level_multipliers
from loyalty.levels.preview import preview_impact
from loyalty.levels.review import review_levels
from loyalty.levels.services import evaluate_upgrades, member_level_for, set_manual_level
from loyalty.models import (
    Benefit,
    Level,
    LevelChange,
    LevelChangeKind,
    LevelScheme,
    MemberLevel,
    PointsAccountType,
    RoleType,
)
from loyalty.services import earn, open_account, open_role
from members.services import merge_members, unmerge
from tests.conftest import at

D = Decimal


@pytest.fixture
def growth(db):
    return PointsAccountType.objects.get(code="growth")


@pytest.fixture
def ladder(consumer, growth):
    """A consumer scheme by lifetime growth value, reviewed monthly: 普通 0 / 银卡 1000(800) / 金卡 5000(4000)."""

    def _make(**fields):
        LevelScheme.objects.filter(code="consumer").update(active=False)  # the default scheme stays out of the way
        values = {"code": "test", "name": "测试等级", "role_type": consumer, "metric": "lifetime_earned",
                  "account_type": growth, "review_period": "monthly", "downgrade_policy": "one_level", **fields}
        scheme = LevelScheme.objects.create(**values)
        for code, rank, up, keep in (("base", 0, 0, 0), ("silver", 1, 1000, 800), ("gold", 2, 5000, 4000)):
            Level.objects.create(scheme=scheme, code=code, name=code, rank=rank, upgrade_threshold=D(up),
                                 retain_threshold=D(keep))
        return scheme

    return _make


def level_of(scheme, member):
    return MemberLevel.objects.get(scheme=scheme, member=member).level.code


def grow(member, consumer, growth, points, when="2026-03-01", key=None):
    account = open_account(member=member, role_type=consumer, account_type=growth)
    return earn(account=account, points=points, occurred_at=at(when), idempotency_key=key or f"g{points}{when}",
                now=at(when))


def test_a_member_exactly_at_the_threshold_is_upgraded_at_once(ladder, member, consumer, growth):
    # Given a scheme with 银卡 at 1000 and a member holding 999 growth
    scheme = ladder()
    person = member()
    grow(person, consumer, growth, 999)
    evaluate_upgrades(member_ids=[person.pk], now=at("2026-03-01"))
    assert level_of(scheme, person) == "base"

    # When one more point arrives (exactly 1000)
    grow(person, consumer, growth, 1, key="one")
    evaluate_upgrades(member_ids=[person.pk], now=at("2026-03-02"))

    # Then they are 银卡, with the history saying why
    assert level_of(scheme, person) == "silver"
    change = LevelChange.objects.get(member=person, kind=LevelChangeKind.UPGRADE)
    assert change.metric_value == D("1000") and "1000" in change.rule


def test_an_import_batch_upgrades_every_buyer_it_touched(ladder, member, consumer, growth, make_rule, make_order):
    # Given a rule giving 1 growth per yuan and two buyers
    scheme = ladder()
    make_rule(growth)
    rich, modest = member(), member()
    orders = [make_order(rich, paid="6000.00"), make_order(modest, paid="10.00")]

    # When the orders arrive through the members hook (as an import chunk does)
    from members import hooks
    hooks.orders_changed.send(order_ids=[o.pk for o in orders], source="import:1")

    # Then the big spender is 金卡 at once and the other stays 普通
    assert level_of(scheme, rich) == "gold"
    assert level_of(scheme, modest) == "base"


def test_a_review_lowers_one_level_at_a_time_and_is_idempotent(ladder, member, consumer, growth):
    # Given a 金卡 member whose metric later sits under the gold retain threshold
    scheme = ladder(metric="window_earned", window_months=1)
    person = member()
    grow(person, consumer, growth, 5000, when="2026-01-10")
    evaluate_upgrades(member_ids=[person.pk], now=at("2026-01-10", "13:00"))
    assert level_of(scheme, person) == "gold"
    row = MemberLevel.objects.get(scheme=scheme, member=person)
    assert row.next_review_on == date(2026, 2, 1)

    # When the monthly review of 2026-03-01 runs (nothing earned in February), twice
    first = review_levels(on=date(2026, 3, 1))
    again = review_levels(on=date(2026, 3, 1))

    # Then they drop to 银卡 only, the next review is 04-01, and the second run changed nothing
    assert level_of(scheme, person) == "silver"
    assert first.by_kind[LevelChangeKind.DOWNGRADE] == 1 and again.reviewed == 0
    assert MemberLevel.objects.get(pk=row.pk).next_review_on == date(2026, 4, 1)
    assert LevelChange.objects.filter(member=person, kind=LevelChangeKind.DOWNGRADE).count() == 1


def test_the_to_supported_policy_drops_straight_to_what_the_metric_supports(ladder, member, consumer, growth):
    scheme = ladder(metric="window_earned", window_months=1, downgrade_policy="to_supported")
    person = member()
    grow(person, consumer, growth, 5000, when="2026-01-10")
    evaluate_upgrades(member_ids=[person.pk], now=at("2026-01-10", "13:00"))

    review_levels(on=date(2026, 3, 1))

    assert level_of(scheme, person) == "base"


def test_the_review_window_ends_at_local_midnight_of_the_review_day(ladder, member, consumer, growth):
    # Given a one-month window reviewed on 2026-03-01 and growth earned at 2026-02-28 23:59:59 Shanghai
    scheme = ladder(metric="window_earned", window_months=1)
    person = member()
    grow(person, consumer, growth, 1000, when="2026-01-15")
    evaluate_upgrades(member_ids=[person.pk], now=at("2026-01-15", "13:00"))
    account = open_account(member=person, role_type=consumer, account_type=growth)
    earn(account=account, points=800, occurred_at=at("2026-02-28", "23:59:59"), idempotency_key="late",
         now=at("2026-02-28", "23:59:59"))

    # When the 03-01 review runs, then those 800 count (≥ the 800 retain threshold) and 银卡 stays
    review_levels(on=date(2026, 3, 1))
    assert level_of(scheme, person) == "silver"

    # And growth earned at 03-01 00:00:00 belongs to the next window: by 04-01 it is gone
    earn(account=account, points=100, occurred_at=at("2026-03-01", "00:00"), idempotency_key="midnight",
         now=at("2026-03-01", "00:00"))
    review_levels(on=date(2026, 4, 1))
    assert level_of(scheme, person) == "base"


def test_a_manual_level_is_a_floor_until_its_end_date(ladder, member, consumer, growth, django_user_model):
    # Given a member with nothing earned, set to 金卡 by an admin until 2026-03-31
    scheme = ladder(metric="window_earned", window_months=1)
    admin = django_user_model.objects.create_user("boss")
    person = member()
    role = open_role(member=person, role_type=consumer)
    row = member_level_for(member_role=role, scheme=scheme, now=at("2026-02-10"))
    gold = Level.objects.get(scheme=scheme, code="gold")
    set_manual_level(member_level=row, level=gold, reason="大客户补偿", until=date(2026, 3, 31), actor=admin,
                     now=at("2026-02-10"))

    # When the 03-01 review runs, the floor holds; on 04-01 (after its end) the rules take over
    review_levels(on=date(2026, 3, 1))
    assert level_of(scheme, person) == "gold"
    review_levels(on=date(2026, 4, 1))

    # Then the level falls one step and the history names the expired floor and the admin's reason
    assert level_of(scheme, person) == "silver"
    kinds = list(LevelChange.objects.filter(member=person).order_by("pk").values_list("kind", flat=True))
    assert kinds == [LevelChangeKind.INITIAL, LevelChangeKind.MANUAL, LevelChangeKind.FLOOR_EXPIRED]
    manual = LevelChange.objects.get(member=person, kind=LevelChangeKind.MANUAL)
    assert manual.actor == admin and "大客户补偿" in manual.rule
    assert MemberLevel.objects.get(pk=row.pk).floor_level is None


def test_a_manual_floor_lets_the_rules_raise_the_level(ladder, member, consumer, growth):
    scheme = ladder()
    person = member()
    role = open_role(member=person, role_type=consumer)
    row = member_level_for(member_role=role, scheme=scheme, now=at("2026-02-10"))
    set_manual_level(member_level=row, level=Level.objects.get(scheme=scheme, code="silver"), reason="活动",
                     now=at("2026-02-10"))

    grow(person, consumer, growth, 6000)
    evaluate_upgrades(member_ids=[person.pk], now=at("2026-03-01"))

    assert level_of(scheme, person) == "gold"


def test_a_manual_level_needs_a_reason(ladder, member, consumer):
    scheme = ladder()
    role = open_role(member=member(), role_type=consumer)
    row = member_level_for(member_role=role, scheme=scheme)
    with pytest.raises(LoyaltyError, match="原因"):
        set_manual_level(member_level=row, level=Level.objects.get(scheme=scheme, code="gold"), reason="  ")


def test_one_person_holds_a_level_in_each_role_and_gets_the_benefits_of_both(ladder, member, consumer, growth):
    # Given a consumer at 金卡 who is also an agent at the agent scheme's second level
    scheme = ladder()
    gold = Level.objects.get(scheme=scheme, code="gold")
    gold.benefits.add(Benefit.objects.get(code="points_x1_5"), Benefit.objects.get(code="free_shipping"))
    person = member()
    grow(person, consumer, growth, 5000)
    evaluate_upgrades(member_ids=[person.pk], now=at("2026-03-01"))
    agent = RoleType.objects.get(code="agent")
    agent_scheme = LevelScheme.objects.get(code="agent")
    agent_row = member_level_for(member_role=open_role(member=person, role_type=agent), scheme=agent_scheme)
    leader = Level.objects.get(scheme=agent_scheme, code="leader")
    set_manual_level(member_level=agent_row, level=leader, reason="签约团长")

    # Then both levels stand and the benefits are the union of both levels' benefits
    codes = {b.code for b in current_benefits(person.pk)}
    assert {"points_x1_5", "free_shipping", "discount_90"} <= codes
    assert level_of(scheme, person) == "gold" and level_of(agent_scheme, person) == "leader"


def test_a_level_multiplier_scales_the_points_an_order_earns(ladder, member, consumer, growth, make_type,
                                                            make_rule, make_order):
    # Given 金卡 gives ×1.5 points and a member at 金卡
    scheme = ladder()
    Level.objects.get(scheme=scheme, code="gold").benefits.add(Benefit.objects.get(code="points_x1_5"))
    person = member()
    grow(person, consumer, growth, 5000)
    evaluate_upgrades(member_ids=[person.pk], now=at("2026-03-01"))
    points = make_type(code="pts")
    rule = make_rule(points)

    # Then the multiplier applies to that member only
    assert level_multipliers(rule, [person.pk]) == {person.pk: D("1.5")}
    from loyalty.earning import awards_for
    order = make_order(person, paid="101.00")
    awards = [a for a in awards_for([order], [rule])]
    assert awards[0].points == 151  # floor(101 × 1.5)


def test_merged_people_keep_the_higher_level_and_an_unmerge_gives_each_their_own(ladder, member, consumer, growth):
    # Given a 金卡 person and a 普通 person who turn out to be one
    scheme = ladder()
    older, newer = member(), member()
    open_role(member=older, role_type=consumer)
    grow(newer, consumer, growth, 5000)
    evaluate_upgrades(member_ids=[older.pk, newer.pk], now=at("2026-03-01"))
    assert (level_of(scheme, older), level_of(scheme, newer)) == ("base", "gold")

    # When they merge, the survivor is 金卡 with the merge in its history
    record = merge_members(survivor_id=older.pk, absorbed_id=newer.pk, rule="manual", reason="同一人")
    assert level_of(scheme, older) == "gold"
    assert LevelChange.objects.filter(member=older, kind=LevelChangeKind.MERGE, merge_record=record).exists()

    # And when the merge is undone, each has their own level again
    unmerge(record_id=record.pk)
    assert level_of(scheme, older) == "base"
    assert level_of(scheme, newer) == "gold"


def test_the_impact_preview_counts_who_would_move_and_writes_nothing(ladder, member, consumer, growth):
    # Given three members at 0, 1200 and 4500 growth, evaluated under the current ladder
    scheme = ladder()
    people = [member(), member(), member()]
    for person, points in zip(people, (0, 1200, 4500), strict=True):
        open_role(member=person, role_type=consumer)
        if points:
            grow(person, consumer, growth, points, key=f"p{person.pk}")
    evaluate_upgrades(member_ids=[p.pk for p in people], now=at("2026-03-01"))
    silver = Level.objects.get(scheme=scheme, code="silver")
    gold = Level.objects.get(scheme=scheme, code="gold")
    before = (MemberLevel.objects.count(), LevelChange.objects.count())

    # When the admin previews 金卡 at 4000 and 银卡 retained only from 1500
    impact = preview_impact(scheme, {gold.pk: (D(4000), D(3000)), silver.pk: (D(1500), D(1500))},
                            now=at("2026-03-02"))

    # Then the 4500 member would go up, the 1200 member down at review, the 0 member stays; nothing written
    assert (impact.up, impact.down, impact.stay) == (1, 1, 1)
    assert impact.samples["up"][0][0] == people[2].pk and impact.samples["down"][0][0] == people[1].pk
    assert (MemberLevel.objects.count(), LevelChange.objects.count()) == before


def test_run_loyalty_jobs_includes_the_level_review(ladder, member, consumer, growth):
    scheme = ladder(metric="window_earned", window_months=1)
    person = member()
    grow(person, consumer, growth, 1000, when="2026-01-10")
    evaluate_upgrades(member_ids=[person.pk], now=at("2026-01-10", "13:00"))

    call_command("run_loyalty_jobs", "--date", "2026-03-01")

    assert level_of(scheme, person) == "base"


def test_points_credited_through_the_earn_service_upgrade_at_once(ladder, member, consumer, growth):
    # Given a member with no level work done yet
    scheme = ladder()
    person = member()

    # When 5000 growth is credited directly (an API call, not an order)
    grow(person, consumer, growth, 5000, when="2026-03-01")

    # Then the level is 金卡 straight away
    assert level_of(scheme, person) == "gold"


def test_a_level_named_in_the_history_cannot_be_deleted(ladder, member, consumer, growth):
    # Given an upgrade in the history (which references levels without a database constraint)
    scheme = ladder()
    person = member()
    grow(person, consumer, growth, 1000)
    evaluate_upgrades(member_ids=[person.pk], now=at("2026-03-01"))
    silver = Level.objects.get(scheme=scheme, code="silver")
    assert LevelChange.objects.filter(to_level=silver).exists()

    # When an admin deletes that level, Then Django still protects it
    with pytest.raises(ProtectedError):
        silver.delete()
