"""An operator, in a real headless Chromium at 1280 px, builds a segment in the visual builder and sees
the count change as they edit, saves it, opens its portrait beside everyone, and exports it.

Needs Debian's `chromium` and the `playwright` package, like the other browser tests.
"""

from insights.models import Segment, SegmentExport
from members.models import Member
from tests.browser import test_import_in_browser as browser
from tests.browser.test_import_in_browser import _allow_orm_beside_playwright, page  # noqa: F401 - fixtures

pytestmark = browser.pytestmark


def test_an_operator_builds_a_segment_reads_its_portrait_and_exports_it(page, live_server):  # noqa: F811 - fixture
    # Given an operator and five members: three women (two in Shanghai) and two men
    page.set_viewport_size({"width": 1280, "height": 900})
    operator = browser.make_staff("运营")
    for n, (gender, city) in enumerate([("F", "上海市"), ("F", "上海市"), ("F", "杭州市"), ("M", "上海市"),
                                        ("M", "")]):
        Member.objects.create(code=f"B{n:05d}", name=f"顾客{n}", gender=gender, city=city,
                              mobile=f"+861391234500{n}")

    # When they open the builder: the first leaf is 性别 = 未知 by default; they pick 女
    browser.sign_in(page, live_server, operator, "/insights/segments/new/")
    page.wait_for_selector("#builder .leaf select.field")
    page.fill("#id_name", "上海女性")
    page.select_option("#builder .leaf select.value", "F")

    # Then the live count shows the three women
    page.wait_for_selector("#live-count:has-text('3 人')")

    # When they add a second condition: 城市 = 上海市
    page.click("#builder button:has-text('+ 条件')")
    second = page.locator("#builder .leaf").nth(1)
    second.locator("select.field").select_option("member.city")
    second.locator("input.value").fill("上海市")

    # Then the count drops to two
    page.wait_for_selector("#live-count:has-text('2 人')")
    browser.shoot(page, "segment-builder-1280")

    # When they save
    page.click("button:has-text('保存人群')")

    # Then the portrait page shows two members compared with everyone
    page.wait_for_selector(".js-plotly-plot")  # the charts come after plotly.js has loaded
    assert page.inner_text("#segment-size") == "2"
    assert "画像：本人群 与 全部会员" in page.inner_text("main")
    segment = Segment.objects.get(name="上海女性")
    assert segment.condition["all"][1] == {"field": "member.city", "op": "eq", "value": "上海市"}
    browser.shoot(page, "segment-portrait-1280")

    # When they export it as CSV
    with page.expect_download() as download:
        page.click(".export-form button[type=submit]")
    content = open(download.value.path(), encoding="utf-8-sig").read()

    # Then the file holds the two members and the export is audited
    assert content.count("\n") == 3 and "B00000" in content and "B00001" in content
    assert SegmentExport.objects.get().rows == 2
