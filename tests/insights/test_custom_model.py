"""The operator's weighted model: the breakdown sums to the score, normalisations, tiers, bad input."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights.errors import InsightsError
from insights.metrics import refresh_all_metrics
from insights.models import MemberValue, ModelKind, ModelRun, ValueModel
from insights.scoring.runner import run_model
from insights.why import custom_breakdown
from tests.conftest import at

from .helpers import make_member, order

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 31)
TIERS = [{"code": "high", "name": "高价值", "min_score": 70}, {"code": "mid", "name": "中价值", "min_score": 30},
         {"code": "abandon", "name": "放弃"}]


def model(metrics, tiers=TIERS, tiering="thresholds") -> ValueModel:
    return ValueModel.objects.create(code="value", name="价值模型", kind=ModelKind.CUSTOM,
                                     config={"metrics": metrics, "tiering": tiering, "tiers": tiers})


def spender(*amounts: str, day="2026-03-20"):
    member = make_member()
    for amount in amounts:
        order(member, at(day), paid=amount)
    return member


def test_percentile_and_minmax_with_direction_and_weights():
    # given three members spending ¥100, ¥200, ¥400 (one, one and two orders)
    low, mid, high = spender("100"), spender("200"), spender("150", "250")
    refresh_all_metrics(AS_OF)
    value_model = model([
        {"field": "metrics.paid_365d", "direction": "higher", "normalisation": "percentile", "weight": 3},
        {"field": "metrics.orders_365d", "direction": "lower", "normalisation": "minmax", "weight": 1},
    ])
    # when
    run_model(value_model, AS_OF)
    # then spend ranks 0, 0.5, 1 (×75) and fewer orders score (2 − n) / (2 − 1) (×25)
    scores = [MemberValue.objects.get(member=m).score for m in (low, mid, high)]
    assert scores == [Decimal("25"), Decimal("62.5"), Decimal("75")]
    assert [MemberValue.objects.get(member=m).tier for m in (low, mid, high)] == ["abandon", "mid", "high"]
    part = custom_breakdown(MemberValue.objects.get(member=mid))[0]
    assert (part["field"], part["normalised"], part["weight"], part["contribution"]) == ("metrics.paid_365d", 0.5, 3,
                                                                                         37.5)


def test_caps_clamp_the_minmax_range():
    a, b = spender("50"), spender("5000")
    refresh_all_metrics(AS_OF)
    run_model(model([{"field": "metrics.paid_365d", "direction": "higher", "normalisation": "minmax",
                      "cap_low": 100, "cap_high": 1100, "weight": 1}]), AS_OF)
    assert [MemberValue.objects.get(member=m).score for m in (a, b)] == [Decimal("0"), Decimal("100")]


def test_top_percent_tiers_rank_by_score_and_keep_ties_together():
    members = [spender(str(100 * n)) for n in (1, 2, 3, 4, 4)]
    refresh_all_metrics(AS_OF)
    run_model(model([{"field": "metrics.paid_365d", "direction": "higher", "normalisation": "percentile",
                      "weight": 1}], tiering="top_percent",
                     tiers=[{"code": "top", "name": "前20%", "percent": 20}, {"code": "rest", "name": "其余"}]), AS_OF)
    # the two ¥400 members tie at the top: 40 % share both, so neither is in the top 20 %
    assert [MemberValue.objects.get(member=m).tier for m in members] == ["rest"] * 5
    assert ModelRun.objects.get().tier_sizes == {"top": 0, "rest": 5}


_amounts = st.lists(st.sampled_from(["10", "99.90", "250", "1000", "3333.33"]), min_size=1, max_size=4)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spends=st.lists(_amounts, min_size=1, max_size=5), weights=st.tuples(*[st.integers(0, 9)] * 3))
def test_the_breakdown_sums_to_the_score(spends, weights):
    with transaction.atomic():
        members = [spender(*amounts) for amounts in spends]
        refresh_all_metrics(AS_OF)
        weights = weights if sum(weights) else (1, 0, 0)
        run_model(model([
            {"field": "metrics.paid_365d", "direction": "higher", "normalisation": "percentile", "weight": weights[0]},
            {"field": "metrics.orders_total", "direction": "higher", "normalisation": "minmax", "weight": weights[1]},
            {"field": "member.age", "direction": "lower", "normalisation": "minmax", "weight": weights[2]},
        ]), AS_OF)
        for member in members:
            result = MemberValue.objects.get(member=member)
            parts = custom_breakdown(result)
            assert sum(Decimal(str(p["contribution"])) for p in parts) == result.score
            assert Decimal("0") <= result.score <= Decimal("100")
        transaction.set_rollback(True)


@pytest.mark.parametrize("metrics, tiers, message", [
    ([{"field": "metrics.paid_365d", "direction": "higher", "normalisation": "percentile", "weight": 0}], TIERS,
     "权重合计需大于 0"),
    ([{"field": "metrics.nope", "direction": "higher", "normalisation": "percentile", "weight": 1}], TIERS, "未知字段"),
    ([{"field": "member.city", "direction": "higher", "normalisation": "percentile", "weight": 1}], TIERS, "不是"),
    ([{"field": "metrics.paid_365d", "direction": "up", "normalisation": "percentile", "weight": 1}], TIERS, "direction"),
    ([{"field": "metrics.paid_365d", "direction": "higher", "normalisation": "percentile", "weight": 1}],
     [{"code": "a", "name": "A", "min_score": 30}, {"code": "b", "name": "B", "min_score": 70},
      {"code": "c", "name": "C"}], "递减"),
])
def test_an_invalid_model_is_refused_and_nothing_is_stored(metrics, tiers, message):
    spender("100")
    refresh_all_metrics(AS_OF)
    with pytest.raises(InsightsError, match=message):
        run_model(model(metrics, tiers), AS_OF)
    assert not MemberValue.objects.exists()


def test_the_why_lists_each_metric_by_its_contribution():
    from insights.why import explain_value

    spender("100")
    top = spender("900")
    refresh_all_metrics(AS_OF)
    run_model(model([{"field": "metrics.paid_365d", "direction": "higher", "normalisation": "percentile",
                      "weight": 1}]), AS_OF)
    why = explain_value(MemberValue.objects.get(member=top))
    assert why == "近365天实付净额 900 → 100% × 权重 1 = 100（合计 100.0000）"
