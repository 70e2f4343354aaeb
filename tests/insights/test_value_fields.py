"""Value model results as condition fields: tier, score and stage, in the query and in explain()."""

from datetime import date

import pytest

from insights.metrics import refresh_all_metrics
from insights.models import ModelKind, ValueModel
from insights.scoring.runner import run_model
from members.conditions.compiler import matching_members
from members.conditions.explain import explain
from members.conditions.tree import ConditionError, parse
from tests.conftest import at

from .helpers import make_member, order

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 31)


def matches(member, leaf: dict) -> bool:
    condition = parse(leaf)
    found = matching_members(condition, AS_OF).filter(pk=member.pk).exists()
    assert explain(condition, member, AS_OF).matches is found, leaf
    return found


@pytest.fixture
def scored():
    active, lost = make_member(), make_member()
    order(active, at("2026-03-30"))
    order(lost, at("2025-01-01"))
    refresh_all_metrics(AS_OF)
    run_model(ValueModel.objects.create(code="act", name="活跃度", kind=ModelKind.ACTIVITY), AS_OF)
    newcomer = make_member()  # not scored yet
    return active, lost, newcomer


def test_tier_eq_and_ne_are_complements_even_for_members_not_yet_scored(scored):
    active, lost, newcomer = scored
    leaf = {"field": "insights.tier.act", "op": "eq", "value": "active"}
    assert [matches(m, leaf) for m in scored] == [True, False, False]
    assert [matches(m, {**leaf, "op": "ne"}) for m in scored] == [False, True, True]
    assert matches(newcomer, {"field": "insights.tier.act", "op": "is_empty"})


def test_score_and_stage_fields(scored):
    active, lost, _ = scored
    assert matches(active, {"field": "insights.score.act", "op": "lte", "value": 1})
    assert matches(lost, {"field": "insights.stage.act", "op": "eq", "value": "once"})


def test_an_unknown_tier_is_refused_with_the_choices():
    ValueModel.objects.create(code="act", name="活跃度", kind=ModelKind.ACTIVITY)
    with pytest.raises(ConditionError) as error:
        parse({"field": "insights.tier.act", "op": "eq", "value": "vip"})
    assert "active(活跃)" in str(error.value.errors)
