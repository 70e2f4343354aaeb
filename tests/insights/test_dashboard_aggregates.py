"""The dashboard aggregates equal a plain Python count of the same rows, and a re-run writes nothing."""

from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from insights.dashboards.aggregates import refresh_dashboard_aggregates
from insights.models import (
    LevelSnapshot,
    MemberMetrics,
    MemberSnapshot,
    MemberValue,
    ModelKind,
    NewMembersDay,
    PointsDay,
    PointsSnapshot,
    SalesDay,
    TierSnapshot,
    ValueModel,
)
from insights.services.nightly import refresh_insights
from loyalty.models import LedgerEntry, MemberLevel, PointsAccount
from members.models import Member, MemberStatus, Order
from members.models.choices import PAID_STATUSES

from .dashboard_data import AS_OF, CUSTOM, RFM, build_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    data = build_shop()
    ValueModel.objects.create(code="rfm", name="RFM", kind=ModelKind.RFM, config=RFM)
    ValueModel.objects.create(code="value", name="价值分层", kind=ModelKind.CUSTOM, config=CUSTOM)
    refresh_insights(AS_OF)  # metrics, the models, then the dashboards
    return data


def day(moment):
    return timezone.localtime(moment).date()


def place(member):
    return (member.registered_channel, member.province, member.city, member.home_store_id)


def rows(model, figures, **scope):
    """{(date, other keys…, channel, province, city, store id): (figures…)} of the table."""
    place_ = ["channel", "province", "city", "store_id"]
    keys = [f.attname for f in model._meta.concrete_fields if f.attname not in (*figures, *place_, "id")] + place_
    return {tuple(r[k] for k in keys): tuple(r[f] for f in figures)
            for r in model.objects.filter(**scope).values(*keys, *figures)}


def test_daily_sales_equal_the_orders_counted_one_by_one(shop):
    # given the shop's orders, refreshed as of 2026-03-31
    # when each counted order is added up by its Shanghai day and place
    expected = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for o in Order.objects.select_related("store", "member"):
        if o.status not in PAID_STATUSES or o.is_deleted or o.paid_at is None or day(o.paid_at) > AS_OF:
            continue
        where = o.store or o.member
        figures = expected[(day(o.paid_at), o.channel, where.province, where.city, o.store_id)]
        if o.paid_amount > o.refunded_amount:
            figures[0] += 1
            figures[1] += o.paid_amount - o.refunded_amount
        figures[2] += o.refunded_amount
    # then the aggregate holds the same rows
    assert rows(SalesDay, ("orders", "paid", "refunded")) == {k: tuple(v) for k, v in expected.items()}
    # and the boundaries fell where Shanghai's midnight puts them (23:59 on the 10th, 00:00 on the 11th)
    tmall = SalesDay.objects.filter(channel="tmall", province="上海市").get()
    assert (tmall.day.isoformat(), tmall.paid) == ("2026-03-10", Decimal("150.00"))


def test_new_members_count_active_people_by_their_shanghai_registration_day(shop):
    expected = Counter((day(m.registered_at), *place(m)) for m in Member.objects.filter(status=MemberStatus.ACTIVE)
                       if day(m.registered_at) <= AS_OF)
    assert rows(NewMembersDay, ("members",)) == {k: (n,) for k, n in expected.items()}
    assert sum(NewMembersDay.objects.values_list("members", flat=True)) == 3  # not the merged one, not dong yet


def test_points_per_day_are_the_ledger_entries_added_up(shop):
    expected = defaultdict(lambda: [0, 0, 0])
    for e in LedgerEntry.objects.select_related("account__member"):
        column = {"earn": 0, "redeem": 1, "reversal": 1, "expire": 2}.get(e.kind)
        if column is None:
            continue
        sign = 1 if column == 0 else -1
        expected[(day(e.occurred_at), e.account.account_type_id, *place(e.account.member))][column] += \
            sign * (e.amount + e.pending_delta)
    assert rows(PointsDay, ("issued", "redeemed", "expired")) == {k: tuple(v) for k, v in expected.items()}
    totals = [sum(PointsDay.objects.values_list(f, flat=True)) for f in ("issued", "redeemed", "expired")]
    assert totals == [540, 120, 40]


def test_member_snapshot_counts_active_buyers_and_repeat_buyers_from_the_metrics(shop):
    expected = defaultdict(lambda: [0, 0, 0, 0])
    for m in Member.objects.filter(status=MemberStatus.ACTIVE):
        metrics = MemberMetrics.objects.get(member=m)
        figures = expected[(AS_OF, *place(m))]
        figures[0] += 1
        figures[1] += metrics.orders_90d > 0
        figures[2] += metrics.orders_365d > 0
        figures[3] += metrics.orders_365d >= 2
    assert rows(MemberSnapshot, ("members", "active", "buyers", "repeat_buyers")) == \
        {k: tuple(v) for k, v in expected.items()}


def test_points_outstanding_levels_and_tiers_are_snapshots_of_the_date(shop):
    outstanding = defaultdict(lambda: [0, 0])
    for a in PointsAccount.objects.filter(status="active").select_related("member"):
        figures = outstanding[(AS_OF, a.account_type_id, *place(a.member))]
        figures[0] += 1
        figures[1] += max(a.available, 0) + a.pending
    assert rows(PointsSnapshot, ("accounts", "outstanding")) == {k: tuple(v) for k, v in outstanding.items()}

    levels = Counter((AS_OF, ml.level_id, *place(ml.member)) for ml in MemberLevel.objects.select_related("member")
                     if ml.member.status == MemberStatus.ACTIVE)
    assert rows(LevelSnapshot, ("members",)) == {k: (n,) for k, n in levels.items()}

    tiers = defaultdict(lambda: [0, Decimal(0)])
    for v in MemberValue.objects.select_related("member__metrics"):
        figures = tiers[(AS_OF, v.model_id, v.tier, *place(v.member))]
        figures[0] += 1
        figures[1] += v.member.metrics.paid_365d
    assert rows(TierSnapshot, ("members", "spend")) == {k: tuple(v) for k, v in tiers.items()}
    assert TierSnapshot.objects.filter(model__code="rfm").exists()


def test_a_second_refresh_of_the_same_date_writes_nothing(shop):
    # given the aggregates of 2026-03-31 (written by the nightly job in the fixture)
    # when they are refreshed again for that date
    counts = refresh_dashboard_aggregates(AS_OF)
    # then nothing was written
    assert set(counts.values()) == {0}


def test_a_late_change_rewrites_only_the_rows_it_touches(shop):
    # given a refund recorded after the nightly run, on an order of 2026-03-20
    Order.objects.filter(paid_amount=Decimal("500")).update(refunded_amount=Decimal("100"), status="partially_refunded")
    before = SalesDay.objects.count()
    # when the aggregates are refreshed again
    counts = refresh_dashboard_aggregates(AS_OF)
    # then one sales row changed and nothing else
    assert counts["salesday"] == 1 and sum(counts.values()) == 1 and SalesDay.objects.count() == before
    assert SalesDay.objects.get(day=AS_OF - timedelta(days=11)).paid == Decimal("400.00")


def test_a_day_with_no_more_sales_loses_its_row(shop):
    # given the only order of 2026-02-02 deleted after the nightly run
    Order.objects.filter(channel="jd").update(is_deleted=True)
    # when refreshed
    counts = refresh_dashboard_aggregates(AS_OF)
    # then its row is gone
    assert counts["salesday"] == 1 and not SalesDay.objects.filter(channel="jd").exists()

