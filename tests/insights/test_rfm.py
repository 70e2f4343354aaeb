"""RFM: quintile cut points with ties, the eight groups, members without orders, thresholds."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from insights.errors import InsightsError
from insights.metrics import refresh_all_metrics
from insights.models import MemberValue, ModelKind, ModelRun, ValueModel
from insights.scoring.rfm import figures_of
from insights.scoring.runner import run_model
from tests.conftest import at

from .helpers import make_member, order

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 31)


def rfm_model(**config) -> ValueModel:
    return ValueModel.objects.create(code="rfm", name="RFM", kind=ModelKind.RFM, config=config)


def buyer(days_ago: int, orders: int, amount: str):
    """A member whose `orders` orders of `amount` each end `days_ago` days before AS_OF."""
    member = make_member()
    for n in range(orders):
        order(member, at((AS_OF - timedelta(days=days_ago + n)).isoformat()), paid=amount)
    return member


def result(member) -> MemberValue:
    return MemberValue.objects.get(member=member)


def figures(member) -> dict:
    return figures_of(result(member))


def test_quintiles_give_equal_values_equal_scores():
    # given ten buyers with recency 1..10 days, and frequency with ties: 1,1,1,1,2,2,3,3,4,5
    frequencies = [1, 1, 1, 1, 2, 2, 3, 3, 4, 5]
    members = [buyer(days, f, "100") for days, f in zip(range(1, 11), frequencies, strict=True)]
    refresh_all_metrics(AS_OF)
    # when RFM runs
    run_model(rfm_model(), AS_OF)
    # then recency 1..10 days (cuts 2,4,6,8 days) scores 5,5,4,4,3,3,2,2,1,1 (recency = last order)
    r_scores = [figures(m)["r_score"] for m in members]
    assert r_scores == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    # and frequency cuts are the 20/40/60/80 % values 1,1,2,3: equal counts share a score, and a
    # count exceeding the doubled cut 1 passes two cut points at once (2 orders → 3)
    assert [figures(m)["f_score"] for m in members] == [1, 1, 1, 1, 3, 3, 4, 4, 5, 5]
    cuts = ModelRun.objects.get().summary["cuts"]
    assert cuts["r"] == [2, 4, 6, 8] and cuts["f"] == [1, 1, 2, 3]


def test_the_eight_groups_compare_each_score_with_its_average():
    # given four buyers: recent-frequent-big, recent-rare-big, old-frequent-small, old-rare-small
    champion = buyer(1, 5, "900")
    newcomer = buyer(2, 1, "800")
    regular = buyer(200, 4, "10")
    lapsed = buyer(300, 1, "20")
    refresh_all_metrics(AS_OF)
    # when
    run_model(rfm_model(), AS_OF)
    # then each lands in its group, with the scores that say why
    assert result(champion).tier == "important_value"
    assert result(newcomer).tier == "important_develop"
    assert result(regular).tier == "general_keep"
    assert result(lapsed).tier == "general_retain"
    why = figures(champion)
    assert (why["last_order"], why["f"], why["m"]) == (AS_OF - timedelta(days=1), 5, Decimal("4500"))


def test_members_without_orders_in_the_window_are_their_own_group_not_one_one_one():
    # given a member who bought 400 days ago and one who never bought
    old, never = buyer(400, 1, "100"), make_member()
    buyer(5, 2, "100")
    refresh_all_metrics(AS_OF)
    # when
    run_model(rfm_model(), AS_OF)
    # then neither is scored
    for member in (old, never):
        assert (result(member).tier, result(member).score) == ("no_orders", None)


def test_operator_thresholds_score_without_the_population():
    member = buyer(10, 3, "250")
    refresh_all_metrics(AS_OF)
    model = rfm_model(scoring="thresholds", thresholds={"r": [7, 30, 90, 180], "f": [1, 2, 4, 8],
                                                        "m": [100, 500, 1000, 5000]})
    run_model(model, AS_OF)
    # 12 days (last of the three orders is 10 days ago) exceeds 7 → 4; 3 orders exceed 1, 2 → 3; ¥750 → 3
    why = figures(member)
    assert (why["r_score"], why["f_score"], why["m_score"]) == (4, 3, 3)


@pytest.mark.parametrize("config, message", [
    ({"window_days": 100}, "window_days"),
    ({"scoring": "thresholds", "thresholds": {"r": [7, 30, 90], "f": [1, 2, 4, 8], "m": [1, 2, 3, 4]}}, "4 个数字"),
    ({"scoring": "thresholds", "thresholds": {"r": [7, 30, 90, 180], "f": [4, 2, 4, 8], "m": [1, 2, 3, 4]}}, "递增"),
])
def test_an_invalid_model_is_refused_and_nothing_is_written(config, message):
    make_member()
    refresh_all_metrics(AS_OF)
    with pytest.raises(InsightsError, match=message):
        run_model(rfm_model(**config), AS_OF)
    assert not MemberValue.objects.exists() and not ModelRun.objects.exists()


def test_the_why_names_each_measure_and_its_score():
    from insights.why import explain_value

    member = buyer(3, 2, "150")
    buyer(30, 1, "50")
    refresh_all_metrics(AS_OF)
    run_model(rfm_model(), AS_OF)
    # two buyers: the cut points are each measure's two values, so the larger exceeds two of them (score 3)
    assert explain_value(result(member), today=AS_OF) == (
        "最近一次消费 2026-03-28（3 天前）→ R5；2 单 → F3；¥300.00 → M3（与平均分比较高低）")
