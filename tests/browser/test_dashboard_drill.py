"""An operator, in a real headless Chromium at 1280 px, opens the 经营看板 and drills down by clicking
bars: channel → province → city → store; the URL keeps each choice and the breadcrumbs lead back.

Needs Debian's `chromium` and the `playwright` package, like the other browser tests.
"""

from urllib.parse import parse_qs, urlparse

from core.roles import OPERATOR
from insights.models import ModelKind, ValueModel
from insights.services.nightly import refresh_insights
from tests.browser import test_import_in_browser as browser
from tests.browser.test_import_in_browser import _allow_orm_beside_playwright, page  # noqa: F401 - fixtures
from tests.insights.dashboard_data import AS_OF, CUSTOM, RFM, build_shop

pytestmark = browser.pytestmark


def click_bar(tab, chart: str, index: int) -> None:
    """Click the index-th bar of a chart where a person would (plotly listens on the layer above the bars)."""
    bar = tab.locator(f"#chart-{chart} .trace.bars").first.locator(".point path").nth(index)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()  # in the viewport's coordinates, as the mouse clicks
    tab.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def chosen(tab) -> dict:
    return {key: values[0] for key, values in parse_qs(urlparse(tab.url).query).items()
            if key in ("channel", "province", "city", "store")}


def test_an_operator_drills_from_channel_to_store_by_clicking_bars(page, live_server):  # noqa: F811 - fixture
    # Given the small shop, its models and the aggregates of 2026-03-31, and an operator
    page.set_viewport_size({"width": 1280, "height": 900})
    shop = build_shop()
    ValueModel.objects.create(code="rfm", name="RFM", kind=ModelKind.RFM, config=RFM)
    ValueModel.objects.create(code="value", name="价值分层", kind=ModelKind.CUSTOM, config=CUSTOM)
    refresh_insights(AS_OF)
    operator = browser.make_staff(OPERATOR)
    browser.sign_in(page, live_server, operator, "/insights/dashboard/?start=2026-01-01&end=2026-03-31")
    page.wait_for_selector("#chart-breakdown_sales .plotly .point")
    assert "数据截至 2026-03-31" in page.inner_text(".page-head")
    browser.shoot(page, "dashboard-overview-1280")

    # When they click 天猫 (the second bar: POS sold more) in the sales by channel
    click_bar(page, "breakdown_sales", 1)
    page.wait_for_url("**channel=tmall**")
    # Then the view narrows to Tmall and breaks down by province (浙江省 first, the larger)
    assert chosen(page) == {"channel": "tmall"} and "按省份" in page.inner_text("main")

    # When they click 浙江省, then 杭州市
    click_bar(page, "breakdown_sales", 0)
    page.wait_for_url("**province=**")
    click_bar(page, "breakdown_sales", 0)
    page.wait_for_url("**city=**")
    assert chosen(page) == {"channel": "tmall", "province": "浙江省", "city": "杭州市"}

    # And the store 杭州银泰店 in the rates chart (it sold nothing on Tmall, so it has no sales bar)
    click_bar(page, "breakdown_rates", 1)
    page.wait_for_url("**store=**")
    hangzhou = shop["stores"][1]
    assert chosen(page) == {"channel": "tmall", "province": "浙江省", "city": "杭州市", "store": str(hangzhou.pk)}
    crumbs = page.inner_text(".crumbs")
    assert "全部 › 天猫 › 浙江省 › 杭州市 › 杭州银泰店" in crumbs
    browser.shoot(page, "dashboard-drilled-to-store-1280")

    # When they follow the breadcrumb 天猫
    page.click(".crumbs a:has-text('天猫')")
    # Then only the channel stays chosen, with the date range
    page.wait_for_selector("#chart-breakdown_sales .plotly .point")
    assert chosen(page) == {"channel": "tmall"} and "start=2026-01-01" in page.url
