"""Migration insights/0004: results written when the why was JSON move into `figures`, and read the same."""

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from insights.models import MemberValue, ModelKind, ModelRun, ValueModel
from insights.scoring.rfm import NO_ORDERS, figures_of
from insights.why import custom_breakdown, explain_value

from .helpers import make_member

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 31)
MIGRATION = importlib.import_module("insights.migrations.0004_membervalue_figures").Migration


def run_data_steps(*, backwards: bool = False) -> None:
    with connection.cursor() as cursor:
        for operation in MIGRATION.operations[1:]:
            cursor.execute(operation.reverse_sql if backwards else operation.sql)


def test_an_rfm_json_why_moves_into_figures_and_reads_the_same():
    # given RFM results written before figures existed: a buyer's JSON why and a non-buyer's
    buyer, idle = make_member(), make_member()
    model = ValueModel.objects.create(code="rfm", name="RFM", kind=ModelKind.RFM, config={})
    MemberValue.objects.create(model=model, member=buyer, as_of=AS_OF, tier="important_value", score=13, detail={
        "r_days": 3, "f": 2, "m": 300.5, "r_score": 5, "f_score": 4, "m_score": 4})
    MemberValue.objects.create(model=model, member=idle, as_of=AS_OF, tier=NO_ORDERS.code, detail={"f": 0})
    # when the migration's data steps run
    run_data_steps()
    # then the numbers are in figures (the days as the last order's date), the JSON is empty, and the
    # why reads as it did, with the date
    moved, idle_value = MemberValue.objects.get(member=buyer), MemberValue.objects.get(member=idle)
    assert moved.detail == {} and figures_of(moved) == {
        "last_order": date(2026, 3, 28), "f": 2, "m": Decimal("300.5"), "r_score": 5, "f_score": 4, "m_score": 4}
    assert explain_value(moved, today=AS_OF) == (
        "最近一次消费 2026-03-28（3 天前）→ R5；2 单 → F4；¥300.50 → M4（与平均分比较高低）")
    assert (idle_value.detail, idle_value.figures) == ({}, [])
    # and going back restores the JSON
    run_data_steps(backwards=True)
    assert MemberValue.objects.get(member=buyer).detail == {
        "r_days": 3, "f": 2, "m": 300.5, "r_score": 5, "f_score": 4, "m_score": 4}


def test_a_custom_models_json_breakdown_moves_into_figures_in_order():
    # given a custom result of two metrics written as three JSON lists (the first value empty)
    member = make_member()
    metrics = [{"field": "metrics.paid_365d", "direction": "higher", "normalisation": "percentile", "weight": 3},
               {"field": "metrics.orders_365d", "direction": "lower", "normalisation": "minmax", "weight": 1}]
    model = ValueModel.objects.create(code="value", name="价值", kind=ModelKind.CUSTOM, config={
        "metrics": metrics, "tiering": "thresholds",
        "tiers": [{"code": "high", "name": "高", "min_score": 50}, {"code": "low", "name": "低"}]})
    ModelRun.objects.create(model=model, as_of=AS_OF, summary={"metrics": [
        {"field": m["field"], "label": m["field"], "weight": m["weight"]} for m in metrics]})
    MemberValue.objects.create(model=model, member=member, as_of=AS_OF, tier="high", score=Decimal("62.5"), detail={
        "v": [None, 2], "n": [0.5, 0.5], "c": [37.5, 25]})
    # when
    run_data_steps()
    # then figures hold values, normalised values, contributions, and the breakdown pairs them up again
    moved = MemberValue.objects.get()
    assert moved.detail == {} and moved.figures == [None, 2, Decimal("0.5"), Decimal("0.5"), Decimal("37.5"), 25]
    assert [(p["value"], p["normalised"], p["contribution"]) for p in custom_breakdown(moved)] == [
        (None, 0.5, 37.5), (2, 0.5, 25)]
    # and going back restores the three lists
    run_data_steps(backwards=True)
    assert MemberValue.objects.get().detail == {"v": [None, 2], "n": [0.5, 0.5], "c": [37.5, 25]}
