"""An operator, in a real headless Chromium at 1280 px, creates a dynamic tag: a condition with a
mistake is shown with its path, the corrected one previews "当前符合 N 人" with sample members before
saving; they save it, press 立即重算, watch the run finish, and read why a member got the tag.

Needs Debian's `chromium` and the `playwright` package, like the other browser tests.
"""

import json

from core.roles import OPERATOR
from members.services import IncomingRecord, resolve_record
from tagging.models import RunStatus, Tag, TagCategory, TagMembership, TagRefreshRun
from tests.browser import test_import_in_browser as browser
from tests.browser.test_import_in_browser import _allow_orm_beside_playwright, page  # noqa: F401 - fixtures
from tests.conftest import at

pytestmark = browser.pytestmark
CONDITION = {"all": [{"field": "member.city", "op": "eq", "value": "上海市"},
                     {"field": "member.has_mobile", "op": "eq", "value": True}]}


def a_member(n: int, city: str):
    record = IncomingRecord(channel="pos", external_id=f"tag-browser-{n}", name=f"顾客{n}", city=city,
                            mobile=f"1391234500{n}", seen_at=at("2026-01-01"))
    return resolve_record(record).member


def test_an_operator_creates_previews_recomputes_a_dynamic_tag_and_reads_the_why(page, live_server):  # noqa: F811 - fixture
    # Given an operator, a tag category, and three members, two of them in Shanghai
    page.set_viewport_size({"width": 1280, "height": 900})  # a staff page
    operator = browser.make_staff(OPERATOR)
    TagCategory.objects.create(code="life", name="生命周期")
    shanghai = [a_member(0, "上海市"), a_member(1, "上海市")]
    a_member(2, "杭州市")

    # When they sign in on the add-tag page, choose 动态标签 and type a condition with a wrong value
    page.goto(f"{live_server.url}/admin/tagging/tag/add/")
    page.fill("#id_username", operator.username)
    page.fill("#id_password", browser.PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.fill("#id_code", "sh-mobile")
    page.fill("#id_name", "上海有手机")
    page.select_option("#id_category", label="生命周期")
    page.select_option("#id_kind", "dynamic")
    assert page.is_hidden("fieldset.kind-variable") and page.is_visible("fieldset.kind-dynamic")
    wrong = {"all": [CONDITION["all"][0], {"field": "member.has_mobile", "op": "gte", "value": True}]}
    page.fill("#id_condition", json.dumps(wrong, ensure_ascii=False, indent=2))
    page.click("button.preview-button")

    # Then the preview names the path of the mistake
    page.wait_for_selector(".preview-errors:not([hidden])")
    assert "all[1].op" in page.inner_text(".preview-errors")
    browser.shoot(page, "tag-condition-error-1280")

    # When they correct it and preview again
    page.fill("#id_condition", json.dumps(CONDITION, ensure_ascii=False, indent=2))
    page.click("button.preview-button")

    # Then "当前符合 2 人" shows with the two Shanghai members, phones masked
    page.wait_for_selector(".preview-result:not([hidden])")
    assert "当前符合 2 人" in page.inner_text(".preview-count")
    sample = page.inner_text(".preview-sample")
    assert all(member.code in sample for member in shanghai) and "139****5000" in sample
    assert "13912345000" not in sample
    page.click("summary:has-text('可用字段')")
    assert page.is_visible("table.field-list")
    browser.shoot(page, "tag-condition-preview-1280")

    # When they save it and press 立即重算 on its page
    page.click("input[name=_continue]")
    page.wait_for_selector("#recompute-now")
    tag = Tag.objects.get(code="sh-mobile")
    assert tag.condition == CONDITION and not TagMembership.objects.exists()
    browser.shoot(page, "tag-saved-with-recompute-1280")
    page.click("#recompute-now")

    # Then the run page follows the recompute to its end
    page.wait_for_selector("#run-status:has-text('已完成')", timeout=30_000)
    run = TagRefreshRun.objects.get()
    assert run.status == RunStatus.DONE and run.tag == tag and run.added == 2
    assert "新打上 2 人" in page.inner_text("#run-progress")
    assert page.eval_on_selector("#run-bar", "bar => bar.value") == 1
    browser.shoot(page, "tag-recompute-finished-1280")

    # When they follow the link to the tag's holders and open one member's why
    page.click("#run-holders")
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list tbody tr").count() == 2
    browser.shoot(page, "tag-holders-list-1280")
    page.click(f"#result_list tbody tr:has-text('{shanghai[0].code}') a:has-text('规则第 1 版')")

    # Then they read why: rule version 1, the values when it went on, and ✓ for each leaf now
    page.wait_for_selector(".why-section")
    why = page.inner_text(".why-section")
    assert "规则第 1 版" in why and "现在仍满足条件" in why
    assert why.count("✓") >= 3 and "✗" not in why
    assert "城市 等于 上海市" in why and "有手机号 等于 是" in why
    browser.shoot(page, "tag-membership-why-1280")


def test_the_run_page_follows_a_running_recompute_to_its_end(page, live_server):  # noqa: F811 - fixture
    # Given an operator and a recompute of all tags half way through
    page.set_viewport_size({"width": 1280, "height": 900})
    operator = browser.make_staff(OPERATOR)
    run = TagRefreshRun.objects.create(status=RunStatus.RUNNING, progress=0.5, tags_done=3, tags_total=6)

    # When they open its page
    page.goto(f"{live_server.url}/admin/tagging/tagrefreshrun/{run.pk}/change/")
    page.fill("#id_username", operator.username)
    page.fill("#id_password", browser.PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_selector("#run-progress")

    # Then it shows the half-way bar, and moves on by itself as the run advances and finishes
    assert page.inner_text("#run-status") == "计算中" and page.inner_text("#run-tags") == "3/6"
    browser.shoot(page, "tag-recompute-running-1280")
    TagRefreshRun.objects.filter(pk=run.pk).update(progress=5 / 6, tags_done=5)
    page.wait_for_selector("#run-tags:has-text('5/6')", timeout=10_000)
    TagRefreshRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, progress=1.0, tags_done=6, added=7,
                                                   summary=[{"tag_code": "a", "added": 7, "removed": 0}])
    page.wait_for_selector("#run-counts:has-text('新打上 7 人')", timeout=10_000)
    assert page.inner_text("#run-status") == "已完成" and page.locator("#run-live").count() == 0
