"""The admin lists of model results and tier changes name the tiers as the model does, not by code;
a result's page says why."""

from datetime import date

import pytest

from core.roles import ADMIN
from insights.models import MemberValue, ModelKind, TierChange, ValueModel

from .helpers import make_member, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def rfm_result():
    model = ValueModel.objects.create(code="rfm", name="RFM", kind=ModelKind.RFM, config={})
    member = make_member(name="安")
    MemberValue.objects.create(model=model, member=member, as_of=date(2026, 12, 7), tier="important_value",
                               score=13, figures=[(date(2026, 12, 4) - date(1970, 1, 1)).days, 2, 300, 5, 4, 4])
    TierChange.objects.create(model=model, member=member, as_of=date(2026, 12, 7), from_tier="general_keep",
                              to_tier="important_value")
    return model


def test_the_results_list_shows_the_tier_name_with_its_code(client, rfm_result):
    # given an admin, when they open the model results list
    html = signed_in(client, ADMIN).get("/admin/insights/membervalue/").content.decode()
    # then the tier reads as its name
    assert "重要价值客户（important_value）" in html


def test_the_tier_changes_list_names_both_tiers(client, rfm_result):
    html = signed_in(client, ADMIN).get("/admin/insights/tierchange/").content.decode()
    assert "一般保持客户（general_keep）" in html and "重要价值客户（important_value）" in html


def test_a_results_page_says_why_in_words(client, rfm_result):
    # given an admin, when they open one RFM result
    value = MemberValue.objects.get()
    html = signed_in(client, ADMIN).get(f"/admin/insights/membervalue/{value.pk}/change/").content.decode()
    # then its numbers read as the why the member page shows
    assert "得分依据" in html and "最近一次消费 2026-12-04（" in html and "→ R5；2 单 → F4；¥300.00 → M4" in html
