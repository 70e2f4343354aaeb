"""RFM against a plain-Python reading of its rules, on random members; the people of a merge scored
on the latest run's terms; no buyers at all; fractional thresholds on whole numbers."""

import math
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights.models import MemberMetrics, MemberValue, ModelKind, ModelRun, ValueModel
from insights.scoring.rfm import GROUPS, NO_ORDERS, figures_of
from insights.scoring.runner import run_model
from insights.why import explain_value
from members.models import Member

from .helpers import make_member

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 31)
QUINTILES = (0.2, 0.4, 0.6, 0.8)


def with_measures(rows) -> list[Member]:
    """Members whose 365-day metrics are (days since the last order, orders, amount); orders 0: none."""
    members = [make_member() for _ in rows]
    MemberMetrics.objects.bulk_create([
        MemberMetrics(member=member, as_of=AS_OF, orders_365d=f, paid_365d=m, orders_total=f,
                      last_order_date=AS_OF - timedelta(days=r) if f else None)
        for member, (r, f, m) in zip(members, rows, strict=True)])
    return members


def rfm_model(**config) -> ValueModel:
    return ValueModel.objects.create(code="rfm", name="RFM", kind=ModelKind.RFM, config=config)


def reference(rows, thresholds=None) -> list[tuple]:
    """(tier, r, f, m scores) per row, straight from the rules in insights/scoring/rfm.py."""
    buyers = [row for row in rows if row[1] > 0]
    if not buyers:
        return [(NO_ORDERS.code, None, None, None) for _ in rows]

    def cuts_of(values):  # percentile_disc: the value at position ceil(p·N) of the sorted values
        ordered = sorted(values)
        return [ordered[max(math.ceil(p * len(ordered)), 1) - 1] for p in QUINTILES]

    cuts = thresholds or {k: cuts_of([row[i] for row in buyers]) for i, k in enumerate("rfm")}

    def scores(row):
        r, f, m = row
        return (5 - sum(r > c for c in cuts["r"]), 1 + sum(f > c for c in cuts["f"]), 1 + sum(m > c for c in cuts["m"]))

    scored = [scores(row) for row in buyers]
    averages = [Fraction(sum(s[i] for s in scored), len(scored)) for i in range(3)]
    result = []
    for row in rows:
        if row[1] == 0:
            result.append((NO_ORDERS.code, None, None, None))
            continue
        r, f, m = scores(row)
        result.append((GROUPS[(r >= averages[0], f >= averages[1], m >= averages[2])].code, r, f, m))
    return result


def scored(members) -> list[tuple]:
    values = {v.member_id: v for v in MemberValue.objects.filter(member__in=members)}
    rows = []
    for member in members:
        why = figures_of(values[member.pk])
        rows.append((values[member.pk].tier, *(int(why[k]) if why else None for k in ("r_score", "f_score", "m_score"))))
    return rows


measures = st.tuples(st.integers(0, 400), st.integers(0, 12),
                     st.decimals(min_value=0, max_value=20000, places=2, allow_nan=False, allow_infinity=False))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(measures, min_size=1, max_size=25),
       thresholds=st.one_of(st.none(), st.fixed_dictionaries({
           "r": st.lists(st.integers(0, 400), min_size=4, max_size=4, unique=True).map(sorted),
           "f": st.lists(st.integers(0, 12), min_size=4, max_size=4, unique=True).map(sorted),
           "m": st.lists(st.integers(0, 20000), min_size=4, max_size=4, unique=True).map(sorted)})))
def test_every_member_gets_the_scores_and_group_the_rules_give(rows, thresholds):
    # given random members, ties and members without orders included (orders 0: no order in the window)
    Member.objects.all().delete()
    ValueModel.objects.all().delete()
    rows = [(r, f, m if f else Decimal(0)) for r, f, m in rows]
    members = with_measures(rows)
    # when RFM runs by quintiles or by the operator's thresholds
    config = {"scoring": "thresholds", "thresholds": thresholds} if thresholds else {}
    run_model(rfm_model(**config), AS_OF)
    # then every member's group and scores are what the rules say
    assert scored(members) == reference(rows, thresholds)


def test_a_merged_member_is_scored_on_the_latest_runs_cut_points_and_averages():
    # given ten buyers scored by quintiles (average F score 2.6: F high means 3 or more)
    rows = [(d, f, Decimal(100 * f)) for d, f in zip(range(1, 11), [1, 1, 1, 1, 2, 2, 3, 3, 4, 5], strict=True)]
    members = with_measures(rows)
    model = rfm_model()
    run_model(model, AS_OF)
    summary = ModelRun.objects.get().summary
    # when one of them now has 2 orders, and only they are rescored (what a merge asks)
    MemberMetrics.objects.filter(member=members[0]).update(orders_365d=2, paid_365d=200)
    run_model(model, AS_OF, members=[members[0].pk])
    # then the run's cut points still apply (2 orders exceed the cuts 1 and 1 → F3), nobody else moved,
    # and the averages are kept unrounded for exactly this comparison
    assert figures_of(MemberValue.objects.get(member=members[0]))["f_score"] == 3
    assert summary["cuts"]["f"] == [1, 1, 2, 3]
    assert summary["averages"]["f"] == float(Fraction(1 * 4 + 3 * 2 + 4 * 2 + 5 * 2, 10))
    assert ModelRun.objects.get().summary == summary


def test_with_no_buyer_at_all_everyone_is_in_the_no_orders_group():
    # given members who never bought
    members = with_measures([(0, 0, Decimal(0))] * 3) + [make_member()]
    # when
    run_model(rfm_model(), AS_OF)
    # then each is in 窗口内无消费, with no score and no figures, and the why says so
    for value in MemberValue.objects.filter(member__in=members):
        assert (value.tier, value.score, value.figures) == (NO_ORDERS.code, None, [])
        assert explain_value(value).startswith("窗口内没有消费")
    assert ModelRun.objects.get().summary["cuts"]["m"] == [0, 0, 0, 0]


def test_a_fractional_threshold_cuts_whole_days_and_orders_where_it_lies():
    # given buyers 7 and 8 days since their last order, with 2 and 3 orders
    seven, eight = with_measures([(7, 2, Decimal("10.00")), (8, 3, Decimal("10.01"))])
    # when the thresholds fall between whole numbers (and between cents)
    run_model(rfm_model(scoring="thresholds", thresholds={
        "r": [7.5, 30, 90, 180], "f": [2.5, 4, 6, 8], "m": [10.005, 20, 30, 40]}), AS_OF)
    # then 7 days exceeds none of them (R5) and 8 days exceeds 7.5 (R4); 3 orders exceed 2.5; ¥10.01 > 10.005
    assert [figures_of(MemberValue.objects.get(member=m))["r_score"] for m in (seven, eight)] == [5, 4]
    assert [figures_of(MemberValue.objects.get(member=m))["f_score"] for m in (seven, eight)] == [1, 2]
    assert [figures_of(MemberValue.objects.get(member=m))["m_score"] for m in (seven, eight)] == [1, 2]
    # and the model page shows the thresholds as written
    assert ModelRun.objects.get().summary["cuts"]["r"] == [7.5, 30, 90, 180]


def test_the_next_nights_run_rewrites_nobody_whose_scores_stayed():
    # given ten buyers scored today
    rows = [(d, f, Decimal(100 * f)) for d, f in zip(range(1, 11), [1, 1, 1, 1, 2, 2, 3, 3, 4, 5], strict=True)]
    members = with_measures(rows)
    model = rfm_model()
    run_model(model, AS_OF)
    # when the model runs the next day on the same orders (everyone's last order one day older)
    written = run_model(model, AS_OF + timedelta(days=1))
    # then no result is rewritten: the why keeps the last order's date, not the days since it
    assert (written.scored, written.upserted, written.changes) == (10, 0, 0)
    first = MemberValue.objects.get(member=members[0])
    assert first.as_of == AS_OF
    # and the why counts the days from the day it is read
    assert explain_value(first, today=AS_OF + timedelta(days=1)).startswith("最近一次消费 2026-03-30（2 天前）→ R5")
