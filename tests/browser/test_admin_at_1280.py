"""Admin pages in a real headless Chromium at 1280 px: the change pages with tabular inlines (等级组's
levels, 订单's lines) fit the window — no horizontal scroll — and a reviewer decides a 疑似重复 pair on
its own page, the two members side by side.

Needs Debian's `chromium` and the `playwright` package, like the other browser tests.
"""

from decimal import Decimal

from django.contrib.auth.models import User

from core.roles import ADMIN
from loyalty.models import LevelScheme
from members.models import CandidateSource, CandidateStatus, MergeCandidate, Order, OrderLine
from members.services import IncomingRecord, resolve_record
from tests.browser import test_import_in_browser as browser
from tests.browser.test_import_in_browser import _allow_orm_beside_playwright, page  # noqa: F401 - fixtures
from tests.conftest import at

pytestmark = browser.pytestmark
WIDTH = 1280


def a_member(n: int, name: str, mobile: str):
    record = IncomingRecord(channel="tmall", external_id=f"admin-1280-{n}", name=name, mobile=mobile, city="上海市",
                            seen_at=at("2026-01-01"), registered_at=at(f"202{n}-01-01"))
    return resolve_record(record).member


def an_order_with_long_lines(member) -> Order:
    order = Order.objects.create(channel="tmall", external_no="3282729339425487819", member=member,
                                 source_profile=member.source_profiles.get(), status="completed",
                                 shop_name="栖澜官方旗舰店", paid_amount=Decimal("1122.90"), item_count=8)
    titles = ["栖澜QILAN护手霜 30g×3支装 滋润保湿 官方正品", "栖澜QILAN舒缓爽肤水 200ml 补水保湿提亮 官方正品",
              "栖澜QILAN重磅纯棉圆领T恤 女装新款 官方旗舰店", "栖澜QILAN氨基酸洁面乳 120g 补水保湿提亮 官方正品"]
    for n, title in enumerate(titles, start=1):
        OrderLine.objects.create(order=order, line_no=n, sku=f"QL-SK-00{n}", title=title, category="护肤",
                                 quantity=2, price=Decimal("199.00"))
    return order


def sign_in_to_admin(tab, live_server, user: User, next_path: str) -> None:
    tab.goto(f"{live_server.url}/admin/login/?next={next_path}")
    tab.fill("#id_username", user.username)
    tab.fill("#id_password", browser.PASSWORD)
    tab.click("input[type=submit]")


def page_width(tab) -> int:
    """How wide the document is: more than the window means a horizontal scroll bar."""
    return tab.evaluate("document.documentElement.scrollWidth")


def test_change_pages_with_inlines_fit_a_1280_px_window(page, live_server):  # noqa: F811 - fixture
    # Given a loyalty admin, the default consumer level scheme (levels with benefits) and a four-line order
    page.set_viewport_size({"width": WIDTH, "height": 900})
    admin = browser.make_staff(ADMIN)
    scheme = LevelScheme.objects.filter(levels__isnull=False).distinct().order_by("pk").first()
    order = an_order_with_long_lines(a_member(4, "刘桂英", "13812345678"))
    assert scheme is not None and scheme.levels.count() >= 3

    # When they open the scheme's change page
    sign_in_to_admin(page, live_server, admin, f"/admin/loyalty/levelscheme/{scheme.pk}/change/")
    page.wait_for_selector("#levels-group")

    # Then every level row is there and the page is no wider than the window
    assert page.locator("#levels-group tr.form-row.has_original").count() == scheme.levels.count()
    browser.shoot(page, "admin-levelscheme-change-1280")
    assert page_width(page) <= WIDTH

    # When they open the order's change page
    page.goto(f"{live_server.url}/admin/members/order/{order.pk}/change/")
    page.wait_for_selector("#lines-group")

    # Then the four lines are there, the help text is Chinese and the page is no wider than the window
    assert page.locator("#lines-group tr.form-row.has_original").count() == 4
    assert "撤销会员合并时" in page.inner_text("#content")
    browser.shoot(page, "admin-order-change-1280")
    assert page_width(page) <= WIDTH


def test_a_reviewer_merges_a_pair_from_its_page(page, live_server):  # noqa: F811 - fixture
    # Given an admin and a pending pair: the same person with two channel accounts
    page.set_viewport_size({"width": WIDTH, "height": 900})
    admin = browser.make_staff(ADMIN)
    older, newer = a_member(4, "王丽", "13800138000"), a_member(5, "王丽", "13900139000")
    candidate = MergeCandidate.objects.create(member_a=older, member_b=newer, source=CandidateSource.FUZZY,
                                              score=0.93, reasons=["姓名相同", "同城"])

    # When they open the pair's page
    sign_in_to_admin(page, live_server, admin, f"/admin/members/mergecandidate/{candidate.pk}/change/")
    page.wait_for_selector("table.merge-pair")

    # Then both members are side by side, with the score, the reasons and the two decisions
    table = page.inner_text("table.merge-pair")
    assert older.code in table and newer.code in table and "0.93" in table and "姓名相同；同城" in table
    assert page.is_visible("#decide-merge") and page.is_visible("#decide-reject")
    assert page.locator("input[name=_save]").count() == 0
    browser.shoot(page, "admin-mergecandidate-pair-1280")
    assert page_width(page) <= WIDTH

    # When they press 合并
    page.click("#decide-merge")

    # Then the queue shows what was done, and the pair is merged into the older member
    page.wait_for_selector("ul.messagelist")
    assert f"已将 {newer.code} 合并到 {older.code}。" in page.inner_text("ul.messagelist")
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.MERGED
