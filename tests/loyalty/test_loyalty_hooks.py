"""loyalty.hooks: every kind of posting and level change is announced once, after the commit, with
its ids — and never when the transaction rolls back."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from loyalty import hooks
from loyalty.levels.review import review_levels
from loyalty.levels.services import evaluate_upgrades, set_manual_level
from loyalty.models import EntryKind, LedgerEntry, Level, LevelScheme, MemberLevel, PointsAccountType
from loyalty.services import adjust, claw_back_refund, earn, expire_lots, open_account, redeem, reverse_redeem
from loyalty.services.jobs import unlock_pending
from members import hooks as member_hooks
from members.services import merge_members, unmerge
from tests.conftest import at

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


@pytest.fixture
def sent():
    """What each loyalty hook was sent, as (hook name, arguments) in order."""
    calls = []
    handlers = {
        hooks.points_posted: lambda **kwargs: calls.append(("points_posted", kwargs)),
        hooks.levels_changed: lambda **kwargs: calls.append(("levels_changed", kwargs)),
    }
    for hook, handler in handlers.items():
        hook.connect(handler)
    yield calls
    for hook, handler in handlers.items():
        hook.disconnect(handler)


def points_sends(calls):
    return [kwargs for name, kwargs in calls if name == "points_posted"]


def level_sends(calls):
    return [kwargs for name, kwargs in calls if name == "levels_changed"]


def kinds(*values):
    return sorted(str(kind) for kind in values)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block's on-commit callbacks as its own commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def give(acct, points, day="2026-03-01", key=None, **fields):
    return earn(account=acct, points=points, occurred_at=at(day), idempotency_key=key or f"k{points}{day}",
                now=at(day), **fields)


# ------------------------------------------------------------------------------ points


def test_an_earn_is_announced_once_and_its_replay_not_at_all(account, sent, committed):
    acct = account()

    with committed():
        give(acct, 100, key="e1")
    with committed():
        give(acct, 100, key="e1")  # the same request again writes nothing

    assert points_sends(sent) == [{"account_ids": [acct.pk], "kinds": kinds(EntryKind.EARN)}]


def test_an_earn_into_debt_takes_the_orm_path_and_is_announced_once(account, sent, committed):
    # given an account in debt (the fast path leaves debts to the ORM service)
    acct = account(allow_negative=True)
    adjust(account=acct, points=-30, reason="纠错")

    with committed():
        give(acct, 100, key="e1")

    assert points_sends(sent) == [{"account_ids": [acct.pk], "kinds": kinds(EntryKind.EARN)}]


def test_a_redeem_that_first_expires_old_points_is_one_send_with_both_kinds(account, sent, committed):
    # given 100 points that expired before a redemption (tonight's job has not run)
    acct = account(expiry_policy="days_after_earn", expiry_days=30)
    give(acct, 100, day="2026-01-01")
    give(acct, 50, day="2026-03-01")

    with committed():
        redeem(account=acct, points=20, idempotency_key="r1", now=at("2026-03-02"))

    assert points_sends(sent) == [{"account_ids": [acct.pk], "kinds": kinds(EntryKind.EXPIRE, EntryKind.REDEEM)}]


def test_a_plain_redeem_on_the_fast_path_is_announced_once(account, sent, committed):
    acct = account()
    give(acct, 100)

    with committed():
        redeem(account=acct, points=20, idempotency_key="r1", now=at("2026-03-02"))

    assert points_sends(sent) == [{"account_ids": [acct.pk], "kinds": kinds(EntryKind.REDEEM)}]


def test_reversing_a_redemption_and_adjusting_are_each_announced_once(account, sent, committed):
    acct = account()
    give(acct, 100)
    redemption = redeem(account=acct, points=20, idempotency_key="r1", now=at("2026-03-02"))
    entry = LedgerEntry.objects.get(pk=redemption.pk)

    with committed():
        reverse_redeem(entry=entry, now=at("2026-03-03"))
    with committed():
        adjust(account=acct, points=-5, reason="纠错", now=at("2026-03-03"))

    assert points_sends(sent) == [
        {"account_ids": [acct.pk], "kinds": kinds(EntryKind.REVERSAL)},
        {"account_ids": [acct.pk], "kinds": kinds(EntryKind.ADJUST)},
    ]


def test_a_refund_clawing_back_two_earns_of_one_order_is_one_send(account, member, make_type, consumer,
                                                                   make_order, sent, committed):
    # given an order that earned on two account types
    owner = member()
    points, growth = make_type(name="积分"), make_type(name="成长值")
    accounts = [open_account(member=owner, role_type=consumer, account_type=t) for t in (points, growth)]
    order = make_order(owner, paid="100.00")
    for acct in accounts:
        give(acct, 100, key=f"order{acct.pk}", order=order)

    # when it is refunded in full
    order.status, order.refunded_amount = "refunded", Decimal("100.00")
    order.save()
    with committed():
        claw_back_refund(order=order, now=at("2026-03-05"))

    assert points_sends(sent) == [{"account_ids": sorted(a.pk for a in accounts), "kinds": kinds(EntryKind.CLAWBACK)}]


def test_an_order_chunk_is_one_send_for_every_account_it_earned_and_clawed(member, make_type, make_rule,
                                                                            make_order, consumer, sent, committed):
    # given two members' orders, one member in debt (per-account path), and a refund of an earlier earn
    points = make_type(name="积分", allow_negative=True)
    make_rule(points, name="积分规则")
    rich, indebted = member(), member()
    debt_account = open_account(member=indebted, role_type=consumer, account_type=points)
    adjust(account=debt_account, points=-10, reason="纠错")
    refunded = make_order(rich, paid="50.00")
    member_hooks.orders_changed.send(order_ids=[refunded.pk], source="earlier")
    refunded.status, refunded.refunded_amount = "refunded", Decimal("50.00")
    refunded.save()
    orders = [make_order(rich, paid="100.00"), make_order(indebted, paid="80.00"), refunded]
    sent.clear()

    # when one import chunk announces them
    with committed():
        member_hooks.orders_changed.send(order_ids=[o.pk for o in orders], source="import:1")

    # then one points announcement names both accounts and both kinds
    accounts = sorted([debt_account.pk, rich.points_accounts.get(account_type=points).pk])
    assert points_sends(sent) == [{"account_ids": accounts, "kinds": kinds(EntryKind.CLAWBACK, EntryKind.EARN)}]


def test_the_daily_expiry_and_unlock_jobs_announce_each_chunk_once(account, make_type, sent, committed):
    # given two accounts with points expiring, and one with points pending
    expiring = make_type(expiry_policy="days_after_earn", expiry_days=10)
    first, second = account(expiring), account(expiring)
    give(first, 10, day="2026-01-01")
    give(second, 20, day="2026-01-02")
    waiting = account(pending_days=3)
    give(waiting, 30, day="2026-02-01")

    with committed():
        expire_lots(as_of=at("2026-02-01", "00:00"))
    with committed():
        unlock_pending(as_of=at("2026-02-10", "00:00"))

    assert points_sends(sent) == [
        {"account_ids": sorted([first.pk, second.pk]), "kinds": kinds(EntryKind.EXPIRE)},
        {"account_ids": [waiting.pk], "kinds": kinds(EntryKind.UNLOCK)},
    ]


def test_a_merge_announces_its_moves_once(person, make_type, consumer, sent, committed):
    # given two people with points of one type
    points = make_type(name="积分")
    survivor = person(channel="mall", external_id="m-1", mobile="13811112222").member
    absorbed = person(channel="jd", external_id="j-1", mobile="13933334444").member
    s, a = (open_account(member=m, role_type=consumer, account_type=points) for m in (survivor, absorbed))
    give(s, 50, key="s1")
    give(a, 100, key="a1")

    with committed():
        record = merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual")
    with committed():
        unmerge(record_id=record.pk)

    assert points_sends(sent) == [
        {"account_ids": sorted([s.pk, a.pk]), "kinds": kinds(EntryKind.MERGE_IN, EntryKind.MERGE_OUT)},
        {"account_ids": sorted([s.pk, a.pk]), "kinds": kinds(EntryKind.UNMERGE_IN, EntryKind.UNMERGE_OUT)},
    ]


def test_nothing_is_announced_when_the_transaction_rolls_back(account, sent, committed):
    acct = account()

    with committed():
        with pytest.raises(Boom), transaction.atomic():
            give(acct, 100, key="e1")
            adjust(account=acct, points=5, reason="补发")
            raise Boom

    assert sent == []


def test_a_handler_that_fails_neither_undoes_nor_repeats_the_earn(account, committed):
    # given a downstream handler with a bug
    acct = account()

    def broken(**kwargs):
        raise Boom

    hooks.points_posted.connect(broken)
    try:
        with committed():
            give(acct, 100, key="e1")
    finally:
        hooks.points_posted.disconnect(broken)

    # then the points stay, once
    assert list(LedgerEntry.objects.filter(account=acct).values_list("kind", "amount")) == [("earn", 100)]


# ------------------------------------------------------------------------------ levels


@pytest.fixture
def ladder(consumer):
    """A consumer scheme by growth earned in the last month: base 0 / silver 100 (keep 100)."""
    growth = PointsAccountType.objects.get(code="growth")
    LevelScheme.objects.filter(code="consumer").update(active=False)
    scheme = LevelScheme.objects.create(code="test", name="测试等级", role_type=consumer, metric="window_earned",
                                        window_months=1, account_type=growth, review_period="monthly",
                                        downgrade_policy="one_level")
    for code, rank, threshold in (("base", 0, 0), ("silver", 1, 100)):
        Level.objects.create(scheme=scheme, code=code, name=code, rank=rank, upgrade_threshold=Decimal(threshold),
                             retain_threshold=Decimal(threshold))
    return scheme, growth


def test_upgrading_several_members_is_one_send_with_their_level_rows(ladder, member, consumer, sent, committed):
    # given two members, one with growth enough for silver
    scheme, growth = ladder
    low, high = member(), member()
    acct = open_account(member=high, role_type=consumer, account_type=growth)
    give(acct, 150, levels=False)
    open_account(member=low, role_type=consumer, account_type=growth)

    # when their levels are evaluated (each gets an initial level, one goes up)
    with committed():
        evaluate_upgrades(member_ids=[low.pk, high.pk], now=at("2026-03-02"))

    rows = sorted(MemberLevel.objects.filter(scheme=scheme).values_list("pk", flat=True))
    assert len(rows) == 2
    assert level_sends(sent) == [{"member_level_ids": rows}]


def test_a_manual_level_is_announced_once(ladder, member, consumer, sent, committed):
    scheme, growth = ladder
    owner = member()
    open_account(member=owner, role_type=consumer, account_type=growth)
    evaluate_upgrades(member_ids=[owner.pk], now=at("2026-03-01"))
    row = MemberLevel.objects.get(scheme=scheme, member=owner)

    with committed():
        set_manual_level(member_level=row, level=Level.objects.get(scheme=scheme, code="silver"), reason="VIP",
                         now=at("2026-03-02"))

    assert level_sends(sent) == [{"member_level_ids": [row.pk]}]


def test_the_review_announces_the_rows_it_moved_but_not_those_it_kept(ladder, member, consumer, sent, committed):
    # given two silver members due for review, only one of whom earned in the last month
    scheme, growth = ladder
    keeps, drops = member(), member()
    for owner in (keeps, drops):
        acct = open_account(member=owner, role_type=consumer, account_type=growth)
        give(acct, 150, day="2026-01-15", key=f"jan{owner.pk}", levels=False)
    give(keeps.points_accounts.get(account_type=growth), 150, day="2026-02-15", key="feb", levels=False)
    evaluate_upgrades(member_ids=[keeps.pk, drops.pk], now=at("2026-01-15", "13:00"))

    with committed():
        review_levels(on=date(2026, 3, 1), scheme=scheme)

    # then only the lowered row is announced
    dropped = MemberLevel.objects.get(scheme=scheme, member=drops)
    assert dropped.level.code == "base"
    assert MemberLevel.objects.get(scheme=scheme, member=keeps).level.code == "silver"
    assert level_sends(sent) == [{"member_level_ids": [dropped.pk]}]


def test_no_level_change_is_announced_when_the_transaction_rolls_back(ladder, member, consumer, sent, committed):
    scheme, growth = ladder
    owner = member()
    acct = open_account(member=owner, role_type=consumer, account_type=growth)

    with committed():
        with pytest.raises(Boom), transaction.atomic():
            give(acct, 150, levels=False)
            evaluate_upgrades(member_ids=[owner.pk], now=at("2026-03-02"))
            raise Boom

    assert sent == []
