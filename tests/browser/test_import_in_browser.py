"""An operator, in a real headless Chromium, signs in, uploads a Tmall export with a bad row,
follows the batch page to its end and reads the summary and the row error.

Needs Debian's `chromium` (/usr/bin/chromium, installed by `.ci/run`) and the `playwright`
package (dev dependency; it drives the system browser, it downloads none).
"""

import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User

from core.roles import GUIDE, OPERATOR, STORE_ROLES
from members.models import ImportBatch, ImportStatus, Order

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Screenshots to look at after a run (git-ignored); CI keeps them in its checkout.
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "screenshots"
SAMPLE = Path(__file__).resolve().parent.parent / "imports" / "samples" / "tmall_ExportOrderList.csv"
PASSWORD = "pw-browser-123"

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency")
pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium (apt-get install chromium)"),
    # serialized_rollback: the flush after a transactional test would otherwise re-create the role
    # groups with new ids, and later serialized-rollback tests restore the old ones beside them.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _allow_orm_beside_playwright(monkeypatch, settings, tmp_path):
    # Playwright's sync API runs an event loop in this thread; the ORM calls the live server and
    # the test make here are ordinary synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def page():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})  # a phone
        yield context.new_page()
        browser.close()


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def make_staff(role: str) -> User:
    # as create_demo_users makes them: store roles (guides) are not is_staff
    user = User.objects.create_user(username=f"browser-{role}", password=PASSWORD, is_staff=role not in STORE_ROLES)
    user.groups.add(Group.objects.get(name=role))
    return user


def sign_in(page, live_server, user: User, next_path: str) -> None:
    page.goto(f"{live_server.url}{next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_an_operator_uploads_a_tmall_export_and_reads_its_result(page, live_server, tmp_path):
    # Given an operator and a Tmall order report (GBK) with one more row whose amount is unreadable
    operator = make_staff(OPERATOR)
    bad_row = ('="2565918346414639999",tb_bad,,12x.00,0.00,129.00,129.00,交易成功,,王五,'
               "北京 北京市 朝阳区 建国路1号,快递,,'13912345678,2025-06-22 10:00:00,2025-06-22 10:01:00,"
               "氨基酸洁面乳 120g,1,栖澜官方旗舰店,订单未关闭,0.00,,\r\n")
    upload = tmp_path / "ExportOrderList_browser.csv"
    upload.write_bytes(SAMPLE.read_bytes().rstrip(b"\r\n") + b"\r\n" + bad_row.encode("gb18030"))

    # When they sign in on the upload page, choose the Tmall format and upload the file
    sign_in(page, live_server, operator, "/imports/new/")
    page.select_option("select[name=format]", label="天猫/淘宝订单报表（ExportOrderList）")
    page.set_input_files("input[name=file]", str(upload))
    page.click("text=上传并开始导入")

    # Then the batch page follows the import to its end and shows the summary and the bad row
    page.wait_for_selector("text=导入结果", timeout=30_000)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.SUCCEEDED
    assert page.inner_text("#batch-status") == "已完成"
    assert "新增订单" in page.inner_text("table.summary")
    errors = page.inner_text("section:has(h2:text-matches('错误行'))")
    assert "12x.00" in errors
    assert Order.objects.count() == batch.counts["orders_created"] > 0
    shoot(page, "import-batch-finished-390")


def test_a_guide_cannot_open_the_upload_page(page, live_server):
    # Given a store guide
    guide = make_staff(GUIDE)

    # When they sign in and ask for the upload page
    sign_in(page, live_server, guide, "/imports/new/")

    # Then they are refused and see no upload form
    assert page.locator("input[name=file]").count() == 0
    assert "403" in page.content() or "权限" in page.content()
    shoot(page, "import-upload-refused-guide-390")
