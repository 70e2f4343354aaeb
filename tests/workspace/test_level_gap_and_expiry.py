"""The card's levels and points sections (loyalty/card.py): how far the next level is, in the scheme's
own metric, and which points expire in the next 60 days, counted in Shanghai business days."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from loyalty.calendar import end_of_day, start_of_day
from loyalty.card import levels, points
from loyalty.models import Level, LevelMetric
from tests.workspace.card_helpers import (
    growth_type,
    ladder,
    lot,
    place_in_levels,
    points_account,
    shanghai,
    viewer_at,
)
from tests.workspace.conftest import buy
from workspace.portrait import sentences

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)
NOW = shanghai(TODAY, "10:00")


def days(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


def card_levels(member, world, now=NOW):
    return levels(member, viewer_at(world.guide_a, now))


def expiring(member, world, now=NOW):
    return points(member, viewer_at(world.guide_a, now))[0]["expiring"]


# --- the distance to the next level -----------------------------------------------------------------

def test_window_paid_says_how_much_more_to_spend(world, customer):
    # Given 普通 0 / 银卡 500 / 金卡 1000 by paid amount, and a member who paid 620 net (700 − 80 refunded)
    ladder(LevelMetric.WINDOW_PAID)
    member = customer(store=world.store_a)
    buy(member, paid="400.00", when=days(30))
    buy(member, paid="300.00", refunded="80.00", when=days(5))
    place_in_levels(member, NOW)

    # When the card reads her levels
    [entry] = card_levels(member, world)

    # Then she is 银卡, 380 away from 金卡
    assert (entry["level"], entry["metric_value"]) == ("银卡", 620)
    assert entry["next"]["name"] == "金卡" and entry["next"]["gap"] == 380
    assert entry["next"]["text"] == "再消费 ¥380 升级金卡"


def test_window_paid_keeps_cents_and_groups_thousands(world, customer):
    ladder(LevelMetric.WINDOW_PAID, thresholds=(0, 500, 5000))
    member = customer(store=world.store_a)
    buy(member, paid="599.50", when=days(3))
    place_in_levels(member, NOW)

    assert card_levels(member, world)[0]["next"]["text"] == "再消费 ¥4,400.50 升级金卡"


def test_orders_outside_the_window_do_not_count(world, customer):
    # Given a 12-month window and an order 13 months ago
    ladder(LevelMetric.WINDOW_PAID, window_months=12)
    member = customer(store=world.store_a)
    buy(member, paid="900.00", when=days(400))
    buy(member, paid="100.00", when=days(10))
    place_in_levels(member, NOW)

    [entry] = card_levels(member, world)

    assert entry["level"] == "普通"
    assert entry["next"]["text"] == "再消费 ¥400 升级银卡"


def test_window_orders_says_how_many_more_orders(world, customer):
    # Given 普通 0 / 银卡 2 / 金卡 5 orders; three orders, one fully refunded (it does not count)
    ladder(LevelMetric.WINDOW_ORDERS, thresholds=(0, 2, 5))
    member = customer(store=world.store_a)
    for n in (3, 20, 40):
        buy(member, paid="50.00", when=days(n))
    buy(member, paid="50.00", refunded="50.00", when=days(1))
    place_in_levels(member, NOW)

    [entry] = card_levels(member, world)

    assert entry["level"] == "银卡"
    assert entry["next"]["text"] == "再下 2 单升级金卡"


def test_lifetime_earned_says_it_in_the_account_type_s_name(world, customer):
    # Given 普通 0 / 银卡 1000 / 金卡 5000 by lifetime 成长值, and 880 earned
    ladder(LevelMetric.LIFETIME_EARNED, thresholds=(0, 1000, 5000), account_type=growth_type())
    member = customer(store=world.store_a)
    lot(points_account(member, growth_type()), 880, expires_at=None)
    place_in_levels(member, NOW)

    [entry] = card_levels(member, world)

    assert entry["level"] == "普通" and entry["unit"] == "成长值"
    assert entry["next"]["gap"] == 120
    assert entry["next"]["text"] == "再获得 120 成长值升级银卡"


def test_the_top_level_has_no_next(world, customer):
    ladder(LevelMetric.WINDOW_PAID)
    member = customer(store=world.store_a)
    buy(member, paid="1500.00", when=days(2))
    place_in_levels(member, NOW)

    [entry] = card_levels(member, world)

    assert entry["level"] == "金卡" and entry["next"] is None


def test_the_card_page_says_the_top_level_is_reached(world, customer, client):
    ladder(LevelMetric.WINDOW_PAID)
    member = customer(store=world.store_a)
    buy(member, store=world.store_a, paid="1500.00", when=(timezone.localdate() - timedelta(days=2)).isoformat())
    place_in_levels(member, timezone.now())
    client.force_login(world.guide_a)

    html = client.get(f"/workspace/m/{member.code}/").content.decode()

    assert "金卡" in html and "已是最高等级" in html and "再消费" not in html


def test_a_member_who_already_reaches_the_next_level_is_not_told_to_spend_0(world, customer):
    # Given a 银卡 member with 620 paid, and 金卡's threshold then lowered to 600 (no re-evaluation yet)
    scheme = ladder(LevelMetric.WINDOW_PAID)
    member = customer(store=world.store_a)
    buy(member, paid="620.00", when=days(5))
    place_in_levels(member, NOW)
    Level.objects.filter(scheme=scheme, name="金卡").update(upgrade_threshold=600, retain_threshold=600)

    # When the card reads her levels
    [entry] = card_levels(member, world)

    # Then it does not ask her to spend ¥0 more
    assert entry["level"] == "银卡"
    said = [entry["next"]["text"] if entry["next"] else "", *(s.text for s in sentences({"levels": [entry]}))]
    assert not any("¥0 " in text or text.endswith("¥0。") for text in said), said


# --- points expiring in the next 60 days, by Shanghai day ----------------------------------------------

def test_a_lot_ending_with_day_60_is_shown_on_day_60(world, customer):
    # Given a lot valid to the end of today + 60 (expires_at = 00:00 of today + 61, Shanghai)
    member = customer(store=world.store_a)
    lot(points_account(member), 150, expires_at=end_of_day(TODAY + timedelta(days=60)))

    # Then it is in the window, on its last valid day
    assert expiring(member, world) == [{"on": TODAY + timedelta(days=60), "points": 150}]


def test_a_lot_ending_with_day_61_is_not_shown(world, customer):
    # Given a lot valid to the end of today + 61 (expires_at = 00:00 of today + 62)
    member = customer(store=world.store_a)
    lot(points_account(member), 150, expires_at=start_of_day(TODAY + timedelta(days=62)))

    assert expiring(member, world) == []


def test_a_lot_already_expired_is_not_shown_even_before_the_expiry_job(world, customer):
    # Given lots that expired before now (one a minute ago, one exactly now) the nightly job has not processed
    member = customer(store=world.store_a)
    account = points_account(member)
    lot(account, 70, expires_at=NOW - timedelta(minutes=1))
    lot(account, 80, expires_at=NOW)

    assert expiring(member, world) == []


def test_a_lot_ending_tonight_is_shown_as_today(world, customer):
    member = customer(store=world.store_a)
    lot(points_account(member), 30, expires_at=end_of_day(TODAY))

    assert expiring(member, world) == [{"on": TODAY, "points": 30}]


def test_midnight_of_1_january_is_shown_as_31_december(world, customer):
    # Given a lot cleared at the end of the year: expires_at = 2027-01-01 00:00 Shanghai (2026-12-31 16:00 UTC)
    member = customer(store=world.store_a)
    lot(points_account(member), 200, expires_at=start_of_day(date(2027, 1, 1)))

    # Then the card says 31 December, the last day the points can be used
    assert expiring(member, world) == [{"on": date(2026, 12, 31), "points": 200}]


def test_the_window_moves_with_the_shanghai_day_not_the_utc_day(world, customer):
    # Given a lot ending with 2027-01-19 (= today + 60 on 2026-11-20 in Shanghai)
    member = customer(store=world.store_a)
    lot(points_account(member), 40, expires_at=end_of_day(date(2027, 1, 19)))

    # At 00:30 on 11-20 in Shanghai (still 11-19 in UTC) the window already ends with 01-19
    assert expiring(member, world, now=shanghai(TODAY, "00:30")) == [{"on": date(2027, 1, 19), "points": 40}]
    # At 23:30 on 11-19 in Shanghai the window ends with 01-18: not yet shown
    assert expiring(member, world, now=shanghai(TODAY - timedelta(days=1), "23:30")) == []


def test_lots_ending_the_same_day_are_added_up_and_days_are_in_order(world, customer):
    member = customer(store=world.store_a)
    account = points_account(member)
    lot(account, 100, expires_at=end_of_day(TODAY + timedelta(days=30)))
    lot(account, 5, expires_at=end_of_day(TODAY + timedelta(days=10)))
    lot(account, 20, expires_at=end_of_day(TODAY + timedelta(days=30)))
    lot(account, 999, expires_at=None)

    [account_row] = points(member, viewer_at(world.guide_a, NOW))

    assert account_row["expiring"] == [{"on": TODAY + timedelta(days=10), "points": 5},
                                       {"on": TODAY + timedelta(days=30), "points": 120}]
    assert account_row["expiring_total"] == 125 and account_row["available"] == 1124
