"""Member metrics: one row per active member, as of a business date, written only when it changes."""

from datetime import date
from decimal import Decimal

import pytest

from insights.metrics import refresh_all_metrics, refresh_member_metrics
from insights.models import MemberMetrics
from members.models import MemberStatus, Store
from tests.conftest import at

from .helpers import make_member, order

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 31)


def metrics_of(member) -> MemberMetrics:
    return MemberMetrics.objects.get(member=member)


def test_windows_end_with_the_business_date_and_start_at_the_shanghai_midnight():
    # given orders just inside and just outside the 30-day window, and one after the date
    member = make_member()
    order(member, at("2026-03-01", "00:00"), paid="10")      # first instant of the window
    order(member, at("2026-02-28", "23:59"), paid="20")      # last instant before it
    order(member, at("2026-03-31", "23:59"), paid="40")      # the business date itself
    order(member, at("2026-04-01", "00:00"), paid="80")      # after the date: not counted at all
    # when the metrics are computed as of 2026-03-31
    refresh_all_metrics(AS_OF)
    # then 30 days holds two orders, lifetime three
    row = metrics_of(member)
    assert (row.orders_30d, row.paid_30d) == (2, Decimal("50.00"))
    assert (row.orders_total, row.paid_total) == (3, Decimal("70.00"))
    assert (row.first_order_date, row.last_order_date) == (date(2026, 2, 28), date(2026, 3, 31))


def test_refunds_are_netted_and_wholly_refunded_orders_only_count_in_the_refund_rate():
    # given a partly refunded, a wholly refunded, an unpaid and a deleted order
    member = make_member()
    order(member, at("2026-03-10"), paid="200", refunded="50")
    order(member, at("2026-03-11"), paid="100", refunded="100")
    order(member, at("2026-03-12"), paid="100", status="closed")
    order(member, at("2026-03-13"), paid="100", deleted=True)
    # when
    refresh_all_metrics(AS_OF)
    # then one order of ¥150 counts; 150 of 300 paid was refunded
    row = metrics_of(member)
    assert (row.orders_total, row.paid_total, row.average_order_value) == (1, Decimal("150.00"), Decimal("150.00"))
    assert row.refund_rate == Decimal("0.5000")


def test_purchase_interval_is_the_median_gap_between_distinct_purchase_days():
    # given purchases on days 1, 1 (twice the same day), 11, 14 and 44 of a span
    member = make_member()
    for day in ("2026-01-01", "2026-01-01", "2026-01-11", "2026-01-14", "2026-02-13"):
        order(member, at(day))
    # when
    refresh_all_metrics(AS_OF)
    # then the gaps 10, 3, 30 have the median 10, the latest gap is 30, and four days are purchase days
    # whose repeat days (after the first, which had ¥200) average ¥100
    row = metrics_of(member)
    assert (row.purchase_interval_days, row.last_gap_days) == (Decimal("10.0"), 30)
    assert (row.purchase_days, row.repeat_purchase_value) == (4, Decimal("100.00"))


def test_a_member_without_orders_has_zeros_and_empty_dates():
    member = make_member()
    refresh_all_metrics(AS_OF)
    row = metrics_of(member)
    assert (row.orders_total, row.paid_365d, row.average_order_value) == (0, Decimal("0"), Decimal("0"))
    assert (row.last_order_date, row.purchase_interval_days, row.refund_rate) == (None, None, None)
    assert (row.channels, row.store_ids) == ([], [])


def test_channels_and_stores_bought_from_are_distinct_and_sorted():
    store = Store.objects.create(code="S1", name="静安店")
    member = make_member()
    order(member, at("2026-03-01"), channel="tmall")
    order(member, at("2026-03-02"), channel="pos", store=store)
    order(member, at("2026-03-03"), channel="pos", store=store)
    refresh_all_metrics(AS_OF)
    row = metrics_of(member)
    assert (row.channels, row.store_ids) == (["pos", "tmall"], [store.pk])


def test_a_second_run_for_the_same_date_writes_nothing():
    # given metrics computed once
    member = make_member()
    order(member, at("2026-03-01"))
    first = refresh_all_metrics(AS_OF)
    # when the same date runs again
    second = refresh_all_metrics(AS_OF)
    # then nothing was written
    assert first.inserted == 1
    assert second.changed == 0


def test_a_new_day_rewrites_only_the_members_whose_windows_moved():
    # given one member whose order leaves the 30-day window tomorrow and one whose does not
    leaving, staying = make_member(), make_member()
    order(leaving, at("2026-03-01"))
    order(staying, at("2026-03-20"))
    refresh_all_metrics(AS_OF)
    # when the next day runs
    result = refresh_all_metrics(date(2026, 4, 1))
    # then one row changed
    assert (result.updated, metrics_of(leaving).orders_30d, metrics_of(staying).as_of) == (1, 0, AS_OF)


def test_merged_away_members_lose_their_row_and_are_never_computed():
    # given two members with rows, one then merged into the other
    survivor, absorbed = make_member(), make_member()
    refresh_all_metrics(AS_OF)
    absorbed.status, absorbed.merged_into = MemberStatus.MERGED, survivor
    absorbed.save()
    # when the absorbed member is refreshed
    result = refresh_member_metrics([absorbed.pk], AS_OF)
    # then their row is gone
    assert result.deleted == 1
    assert not MemberMetrics.objects.filter(member=absorbed).exists()


def test_a_members_refresh_touches_only_those_members():
    one, other = make_member(), make_member()
    refresh_all_metrics(AS_OF)
    order(one, at("2026-03-30"))
    order(other, at("2026-03-30"))
    result = refresh_member_metrics([one.pk], AS_OF)
    assert (result.members, result.updated) == (1, 1)
    assert (metrics_of(one).orders_total, metrics_of(other).orders_total) == (1, 0)
