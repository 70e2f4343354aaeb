"""A store guide on a phone (390 px, headless Chromium): signs in, finds a customer by the last four
digits of her mobile, opens her card, reads the text portrait, taps a tag for its why, writes a
follow-up with a reminder for today and finds it under 今日提醒; a guide of another store gets the
Chinese 404 for the same card. Screenshots of the card are kept (screenshots/)."""

from django.contrib.auth.models import Group, User
from django.utils import timezone

from core.roles import GUIDE
from insights.metrics.refresh import refresh_member_metrics
from members.models import StaffRole, Store
from members.services import IncomingRecord, resolve_record
from members.services.staff import assign_to_store
from tagging.services.static import put_on
from tests.browser import test_import_in_browser as browser
from tests.browser.test_import_in_browser import _allow_orm_beside_playwright, page  # noqa: F401 - fixtures
from tests.conftest import at
from tests.tagging.helpers import a_tag
from tests.workspace.conftest import buy

pytestmark = browser.pytestmark
PHONE_WIDTH = 390


def a_guide(username: str, store: Store) -> User:
    user = User.objects.create_user(username=username, password=browser.PASSWORD, first_name=username)
    user.groups.add(Group.objects.get(name=GUIDE))
    assign_to_store(user=user, store=store, role=StaffRole.GUIDE)
    return user


def no_horizontal_scroll(tab) -> bool:
    return tab.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_a_guide_finds_a_customer_reads_her_card_and_follows_up(page, live_server):  # noqa: F811 - fixture
    # Given a customer of the guide's store with orders there and a tag put on with a reason
    store, other = Store.objects.create(code="WS1", name="静安店", city="上海市"), Store.objects.create(code="WS2", name="国贸店")
    guide, stranger = a_guide("guide-ws", store), a_guide("guide-elsewhere", other)
    customer = resolve_record(IncomingRecord(
        channel="pos", external_id="ws-browser-1", store_code="WS1", name="王芳", gender="F", birthday="1990-05-20",
        mobile="13900001234", city="上海市", district="静安区", address="南京西路 1266 号", seen_at=at("2026-01-01"),
    )).member
    today = timezone.localdate()
    for days_ago, title, category in ((200, "保湿面霜", "护肤"), (120, "精华液", "护肤"), (40, "口红", "彩妆")):
        buy(customer, store=store, paid="380.00", when=(today - timezone.timedelta(days=days_ago)).isoformat(),
            lines=[(title, category, 1, "380.00")])
    refresh_member_metrics([customer.pk])
    tag = a_tag("vip_care", name="VIP 专属服务", guide_usable=True)
    put_on(tag=tag, member_ids=[customer.pk], actor=guide, reason="顾客要求专人跟进")

    # When the guide signs in and searches the last four digits
    browser.sign_in(page, live_server, guide, "/workspace/")
    page.wait_for_selector("input[name=q]")
    page.fill("input[name=q]", "1234")
    page.click(".ws-search button[type=submit]")

    # Then she is listed with her phone masked, and the page fits the phone
    result = page.locator(f"a[href='/workspace/m/{customer.code}/']")
    assert "139****1234" in result.inner_text() and "13900001234" not in page.content()
    assert no_horizontal_scroll(page)

    # When the guide opens the card
    result.click()
    page.wait_for_selector(".ws-portrait")

    # Then the portrait sums her up, the address stops at the district, and nothing is wider than the phone
    portrait = page.inner_text(".ws-portrait")
    assert "岁女士" in portrait and "上海静安" in portrait and "共消费 3 笔" in portrait and "None" not in portrait
    assert "南京西路" not in page.content() and "13900001234" not in page.content()
    assert no_horizontal_scroll(page)
    browser.shoot(page, "workspace-card-390")

    # When she taps the tag
    page.click("details.tag-why summary")

    # Then its why shows who put it on and the reason
    page.wait_for_selector("details.tag-why .why-body dl")
    assert "顾客要求专人跟进" in page.inner_text("details.tag-why .why-body")

    # When she writes a follow-up with a reminder for today
    page.select_option("#id_kind", "wechat")
    page.fill("#id_text", "微信约了周末到店试新品")
    page.fill("#id_remind_on", today.isoformat())
    page.click("text=保存跟进")

    # Then it is confirmed, on the timeline, and under 今日提醒 on her home page
    page.wait_for_selector(".message.success")
    assert "微信约了周末到店试新品" in page.inner_text(".ws-timeline")
    page.click(".ws-nav >> text=今日")
    page.wait_for_selector("text=今日提醒")
    assert "微信约了周末到店试新品" in page.inner_text(".ws-card")
    browser.shoot(page, "workspace-home-reminder-390")

    # When a guide of another store opens the same card by its address
    page.click("button:has-text('退出')")
    browser.sign_in(page, live_server, stranger, f"/workspace/m/{customer.code}/")

    # Then they get the Chinese 404 page, not the card
    page.wait_for_load_state()
    assert "王芳" not in page.content() and "1234" not in page.inner_text("main")
    assert "不存在" in page.inner_text("main") or "服务范围" in page.inner_text("main")
    browser.shoot(page, "workspace-other-store-404-390")
