"""The 经营看板 page: who may open it, what it shows, how the drill-down narrows it, the CSV downloads."""

import csv
import io
import json

import pytest

from core.roles import ADMIN, OPERATOR
from insights.models import ModelKind, ValueModel
from insights.services.nightly import refresh_insights
from members.models import Order
from tests.conftest import at

from .dashboard_data import AS_OF, CUSTOM, RFM, build_shop
from .helpers import signed_in

pytestmark = pytest.mark.django_db
URL = "/insights/dashboard/"
RANGE = "start=2026-01-01&end=2026-03-31"


@pytest.fixture
def shop():
    data = build_shop()
    ValueModel.objects.create(code="rfm", name="RFM", kind=ModelKind.RFM, config=RFM)
    ValueModel.objects.create(code="value", name="价值分层", kind=ModelKind.CUSTOM, config=CUSTOM)
    refresh_insights(AS_OF)
    return data


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    body = response.content
    assert body.startswith("\ufeff".encode())  # the BOM Excel needs to read UTF-8 Chinese
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def breakdown(client, query: str) -> dict[str, list[str]]:
    return {row[0]: row for row in csv_rows(client.get(f"{URL}?{query}&csv=breakdown"))[1:]}


def test_an_operator_sees_every_chart_and_the_date_of_the_data(client, shop):
    response = signed_in(client, OPERATOR).get(f"{URL}?{RANGE}")
    text = response.content.decode()
    assert response.status_code == 200
    assert "数据截至 2026-03-31" in text
    for title in ("实付净额（元，按月、订单渠道）", "新会员（按月、注册渠道）", "活跃率与复购率", "积分发放",
                  "RFM 分组人数与消费", "价值分层（价值分层）金字塔", "分层迁移"):
        assert json.dumps(title)[1:-1] in text, title  # plotly writes the figure's JSON ASCII-escaped
    assert text.count("plotly-graph-div") >= 8 and "dashboard.js" in text


def test_the_overview_takes_at_most_twenty_queries(client, shop, django_assert_max_num_queries):
    signed_in(client, OPERATOR)
    with django_assert_max_num_queries(20):
        assert client.get(f"{URL}?{RANGE}&channel=pos&province=上海市").status_code == 200


def test_staff_without_the_dashboard_permission_are_refused(client, shop):
    # guides and store managers see their own stores' figures: tests/insights/test_dashboard_store_scope.py
    assert signed_in(client, perms=("view_member",)).get(URL).status_code == 403


def test_admins_may_open_it_and_anonymous_visitors_go_to_the_login(client, shop):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert signed_in(client, ADMIN).get(URL).status_code == 200


def test_the_top_level_breaks_down_by_channel_with_the_whole_shops_totals(client, shop):
    signed_in(client, OPERATOR)
    rows = breakdown(client, RANGE)
    # members by registered channel (ann: POS; bo and cai: Tmall; dong registers after the date but is a member)
    assert {name: row[1] for name, row in rows.items()} == {"门店POS": "1", "天猫": "2", "微信小程序": "1",
                                                            "京东": "0"}
    # sales by order channel: Tmall 150 (ann) + 300 + 80 (bo); POS 100 + 60 + 500; JD 40
    assert {name: row[8] for name, row in rows.items()} == {
        "门店POS": "660.00", "天猫": "530.00", "京东": "40.00", "微信小程序": "0.00"}


def test_drilling_down_narrows_every_figure_to_the_chosen_place(client, shop):
    signed_in(client, OPERATOR)
    # channel → the provinces of Tmall: ann's online order counts where ann lives
    assert {n: r[8] for n, r in breakdown(client, f"{RANGE}&channel=tmall").items()} == {
        "上海市": "150.00", "浙江省": "380.00"}
    # → the cities of 浙江省 → the stores of 杭州市 (bo has no home store, cai's is 杭州银泰店)
    assert list(breakdown(client, f"{RANGE}&channel=tmall&province=浙江省")) == ["杭州市"]
    stores = breakdown(client, f"{RANGE}&channel=tmall&province=浙江省&city=杭州市")
    assert {n: (r[1], r[8]) for n, r in stores.items()} == {"（无门店）": ("1", "380.00"), "杭州银泰店": ("1", "0.00")}
    # and the monthly sales follow: only Tmall's, in 浙江省
    sales = csv_rows(client.get(f"{URL}?{RANGE}&channel=tmall&province=浙江省&csv=sales"))
    assert sales[1:] == [["2026-03", "天猫", "2", "380.00", "10.00", "190.00"]]  # status 已退款 is not a sale


def test_the_store_level_shows_the_store_and_breadcrumbs_lead_back(client, shop):
    signed_in(client, OPERATOR)
    hangzhou = shop["stores"][1]
    page = client.get(f"{URL}?{RANGE}&channel=pos&province=浙江省&city=杭州市&store={hangzhou.pk}").content.decode()
    assert "杭州银泰店" in page
    assert 'href="?channel=pos&amp;province=%E6%B5%99%E6%B1%9F%E7%9C%81&amp;start=2026-01-01&amp;end=2026-03-31"' in page
    assert 'href="?start=2026-01-01&amp;end=2026-03-31">全部</a>' in page


def test_the_date_range_limits_sales_and_new_members(client, shop):
    signed_in(client, OPERATOR)
    sales = csv_rows(client.get(f"{URL}?start=2026-03-01&end=2026-03-10&csv=sales"))
    assert sales[1:] == [["2026-03", "门店POS", "1", "100.00", "0.00", "100.00"],
                         ["2026-03", "天猫", "1", "150.00", "50.00", "150.00"]]
    joined = csv_rows(client.get(f"{URL}?start=2026-03-01&end=2026-03-31&csv=new_members"))
    assert joined[1:] == [["2026-03", "门店POS", "1"], ["2026-03", "天猫", "1"]]


def test_csv_cells_that_look_like_formulas_are_neutralised(client, shop):
    # given a member whose city arrived as a formula
    shop["members"][1].__class__.objects.filter(pk=shop["members"][1].pk).update(province="=HYPERLINK(1)")
    refresh_insights(AS_OF)
    # when the province breakdown is downloaded
    signed_in(client, OPERATOR)
    rows = breakdown(client, f"{RANGE}&channel=tmall")
    # then the cell reads as text
    assert "'=HYPERLINK(1)" in rows


def test_an_unknown_chart_is_not_found(client, shop):
    assert signed_in(client, OPERATOR).get(f"{URL}?csv=nope").status_code == 404


def test_the_page_says_when_there_is_no_data_yet(client, db):
    response = signed_in(client, OPERATOR).get(URL)
    assert response.status_code == 200 and "还没有看板数据" in response.content.decode()


def test_a_refund_after_the_night_shows_only_after_the_next_refresh(client, shop):
    signed_in(client, OPERATOR)
    Order.objects.filter(paid_amount=500).update(refunded_amount=500, status="refunded")
    assert breakdown(client, RANGE)["门店POS"][8] == "660.00"
    refresh_insights(AS_OF)
    assert breakdown(client, RANGE)["门店POS"][8] == "160.00"


def test_order_times_are_read_as_shanghai_days(client, shop):
    # the 23:59 Shanghai order of 2026-03-10 is in a range that ends that day
    signed_in(client, OPERATOR)
    assert at("2026-03-10", "23:59").utcoffset().total_seconds() == 8 * 3600
    rows = breakdown(client, "start=2026-03-10&end=2026-03-10")
    assert rows["天猫"][8] == "150.00"
