"""The CLV model on our own members: fitted from the metrics, every active member scored, the holdout
check, and churn risk and purchase propensity as condition fields."""

import random
from datetime import date, timedelta

import pytest

pytest.importorskip("pymc_marketing")

from insights.errors import InsightsError  # noqa: E402
from insights.metrics import refresh_all_metrics  # noqa: E402
from insights.models import MemberValue, ModelKind, ModelRun, ValueModel  # noqa: E402
from insights.scoring.runner import run_model  # noqa: E402
from members.conditions.compiler import matching_members  # noqa: E402
from members.conditions.explain import explain  # noqa: E402
from members.conditions.tree import parse  # noqa: E402
from tests.conftest import at  # noqa: E402

from .helpers import make_member, order, signed_in  # noqa: E402

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 31)


def buyer(days_ago: list[int], amount: str = "200"):
    member = make_member()
    for days in days_ago:
        order(member, at((AS_OF - timedelta(days=days)).isoformat()), paid=amount)
    return member


@pytest.fixture
def shoppers():
    """80 buyers with random histories over two years, a loyal recent one, a lapsed one, a non-buyer."""
    rng = random.Random(11)
    for _ in range(80):
        first = rng.randint(30, 700)
        buyer(sorted({rng.randint(0, first) for _ in range(rng.randint(1, 6))} | {first}), str(rng.randint(50, 800)))
    loyal = buyer([3, 20, 40, 60, 80, 100, 120, 140], "300")
    lapsed = buyer([500, 520, 540, 560, 580, 600, 620, 640], "300")
    never = make_member()
    refresh_all_metrics(AS_OF)
    model = ValueModel.objects.create(code="clv", name="CLV", kind=ModelKind.CLV, config={"holdout_days": 120})
    run_model(model, AS_OF)
    return loyal, lapsed, never


def test_every_active_member_is_scored_and_recent_loyalty_means_alive(shoppers):
    loyal, lapsed, never = shoppers
    assert MemberValue.objects.count() == 83
    assert MemberValue.objects.get(member=never).tier == "no_history"
    alive = {m: MemberValue.objects.get(member=m).detail["p_alive"] for m in (loyal, lapsed)}
    assert 0 <= alive[lapsed] < alive[loyal] <= 1
    assert MemberValue.objects.get(member=loyal).score > MemberValue.objects.get(member=lapsed).score


def test_the_run_keeps_parameters_and_the_holdout_check(shoppers):
    summary = ModelRun.objects.get().summary
    assert set(summary["parameters"]) == {"bgnbd", "gamma_gamma"}
    holdout = summary["holdout"]
    assert holdout["days"] == 120 and holdout["by_frequency"][0]["frequency"] == "0"
    assert sum(row["members"] for row in holdout["by_frequency"]) == holdout["members"]


def test_churn_risk_and_propensity_are_condition_fields(shoppers):
    loyal, lapsed, never = shoppers
    leaf = {"field": "insights.churn_risk.clv", "op": "gte", "value": 50}
    chosen = set(matching_members(parse(leaf), AS_OF).values_list("pk", flat=True))
    assert lapsed.pk in chosen and loyal.pk not in chosen and never.pk not in chosen
    assert explain(parse(leaf), lapsed, AS_OF).matches
    propensity = explain(parse({"field": "insights.purchase_propensity.clv", "op": "is_not_empty"}), loyal, AS_OF)
    assert propensity.root.actual > 0


def test_too_little_history_is_refused_and_nothing_is_written():
    buyer([5])
    refresh_all_metrics(AS_OF)
    model = ValueModel.objects.create(code="clv", name="CLV", kind=ModelKind.CLV)
    with pytest.raises(InsightsError, match="至少"):
        run_model(model, AS_OF)
    assert not MemberValue.objects.exists()


def test_the_model_page_shows_the_fit_and_the_holdout(shoppers, client):
    signed_in(client, "运营")
    page = client.get("/insights/models/clv/").content.decode()
    assert "留出期检验" in page and "BG/NBD" in page and "plotly-graph-div" in page
