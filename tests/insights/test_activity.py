"""Activity tiers at their boundaries (Shanghai business dates) and lifecycle stages."""

from datetime import date, timedelta

import pytest

from insights.metrics import refresh_all_metrics
from insights.models import MemberValue, ModelKind, ValueModel
from insights.scoring.runner import run_model
from tests.conftest import at

from .helpers import make_member, order

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 31)


def tier_and_stage(member) -> tuple[str, str]:
    value = MemberValue.objects.get(member=member)
    return value.tier, value.detail["stage"]


def run(**config):
    refresh_all_metrics(AS_OF)
    run_model(ValueModel.objects.create(code="act", name="活跃度", kind=ModelKind.ACTIVITY, config=config), AS_OF)


def bought_days_ago(*days: int, time: str = "12:00"):
    member = make_member()
    for n in days:
        order(member, at((AS_OF - timedelta(days=n)).isoformat(), time))
    return member


def test_tiers_at_their_boundaries():
    # given last orders 30, 31, 90, 91, 180 and 181 days ago (late in the Shanghai evening)
    members = {n: bought_days_ago(n, 400, time="23:59") for n in (30, 31, 90, 91, 180, 181)}
    never = make_member()
    # when
    run()
    # then ≤ 30 活跃, 31–90 沉默, 91–180 睡眠, > 180 流失; no activity at all is its own tier
    assert {n: tier_and_stage(m)[0] for n, m in members.items()} == {
        30: "active", 31: "silent", 90: "silent", 91: "sleeping", 180: "sleeping", 181: "lost"}
    assert tier_and_stage(never) == ("none", "never")


def test_an_order_just_after_midnight_shanghai_counts_for_that_day():
    # 2026-03-01 00:00:30 in Shanghai is still 2026-02-28 in UTC: 30 days before AS_OF in Shanghai
    member = make_member()
    order(member, at("2026-03-01", "00:00"))
    run()
    assert MemberValue.objects.get(member=member).score == 30


def test_lifecycle_stages():
    new = bought_days_ago(5)
    once = bought_days_ago(60)
    repeat = bought_days_ago(40, 60)
    loyal = bought_days_ago(40, 50, 60, 70, 80)
    returned = bought_days_ago(10, 400)  # bought again after 390 days away
    run()
    assert [tier_and_stage(m)[1] for m in (new, once, repeat, loyal, returned)] == [
        "new", "once", "repeat", "loyal", "returned"]


def test_custom_tiers_are_used():
    member = bought_days_ago(20)
    run(tiers=[{"code": "hot", "name": "热", "max_days": 14}, {"code": "cold", "name": "冷"}])
    assert tier_and_stage(member)[0] == "cold"
