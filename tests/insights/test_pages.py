"""The value model pages and the admin preview: who may see them, and what they show."""

from datetime import timedelta

import pytest

from core.roles import ADMIN, GUIDE, OPERATOR
from insights.models import MemberValue, ModelKind, ValueModel
from insights.services.nightly import refresh_insights
from members.conditions.windows import shanghai_today
from tests.conftest import at

from .helpers import make_member, order, signed_in

pytestmark = pytest.mark.django_db




@pytest.fixture
def activity_run():
    for days in (3, 40, 400):
        order(make_member(), at((shanghai_today() - timedelta(days=days)).isoformat()))
    model = ValueModel.objects.create(code="act", name="活跃度", kind=ModelKind.ACTIVITY)
    refresh_insights()
    return model


def test_an_operator_sees_the_tiers_and_the_date_of_the_data(client, activity_run):
    page = signed_in(client, OPERATOR).get("/insights/models/act/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "plotly-graph-div" in text and "分层迁移" in text and f"数据截至 {shanghai_today()}" in text


def test_guides_may_not_open_the_model_pages(client, activity_run):
    assert signed_in(client, GUIDE).get("/insights/models/act/").status_code == 403


def test_anonymous_visitors_go_to_the_login(client, activity_run):
    response = client.get("/insights/models/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_plotly_is_served_from_the_installed_package(client, db):
    response = client.get("/assets/plotly.min.js")
    assert response.status_code == 200 and b"plotly" in response.content[:2000].lower()


def test_the_admin_preview_counts_tiers_and_stores_nothing(client, activity_run):
    signed_in(client, ADMIN)
    before = MemberValue.objects.count()
    response = client.post("/admin/insights/valuemodel/preview/", {
        "kind": "activity", "config": '{"tiers": [{"code": "hot", "name": "热", "max_days": 7}, '
                                      '{"code": "cold", "name": "冷"}]}'})
    tiers = {tier["code"]: tier["members"] for tier in response.json()["tiers"]}
    assert tiers == {"hot": 1, "cold": 2, "none": 0}
    assert MemberValue.objects.count() == before


def test_the_admin_preview_lists_what_is_wrong(client, db):
    signed_in(client, ADMIN)
    response = client.post("/admin/insights/valuemodel/preview/", {"kind": "rfm", "config": '{"window_days": 7}'})
    assert response.status_code == 400 and "window_days" in response.json()["errors"][0]
    bad_json = client.post("/admin/insights/valuemodel/preview/", {"kind": "rfm", "config": "{oops"})
    assert "不是合法的 JSON" in bad_json.json()["errors"][0]


def test_the_admin_form_refuses_a_model_whose_weights_sum_to_zero(client, db):
    signed_in(client, ADMIN)
    response = client.post("/admin/insights/valuemodel/add/", {
        "code": "v", "name": "价值", "kind": "custom", "active": "on",
        "config": '{"metrics": [{"field": "metrics.paid_365d", "direction": "higher", '
                  '"normalisation": "percentile", "weight": 0}], "tiering": "thresholds", '
                  '"tiers": [{"code": "a", "name": "A", "min_score": 50}, {"code": "b", "name": "B"}]}'})
    assert response.status_code == 200 and "权重合计需大于 0" in response.content.decode()
    assert not ValueModel.objects.exists()


def test_the_nightly_runs_in_admin_read_as_steps_and_counts_in_chinese(client, activity_run):
    # given the nightly run of the activity_run fixture (metrics, the model, segments, dashboards)
    signed_in(client, ADMIN)

    # when
    listing = client.get("/admin/insights/insightsrun/").content.decode()

    # then
    assert "会员指标" in listing and "价值模型 act" in listing and "看板统计" in listing
    assert "会员 3 · " in listing and "看板·每日销售 " in listing
    assert "tier_changes" not in listing and "salesday" not in listing
