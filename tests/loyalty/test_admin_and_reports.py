"""Admin screens (rendering, permissions, read-only ledger, adjustment action, rule preview) and the
points liability report with its CSV / XLSX exports."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.roles import ADMIN
from loyalty.models import EntryKind, LedgerEntry, PointsAccount
from loyalty.selectors import liability_report, preview_rule
from loyalty.services import adjust, award_orders, earn, redeem
from tests.conftest import at
from tests.masked_viewer import sent_to_admin_login, sign_in_guide

from .conftest import balances, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(account):
    acct = account(name="积分", expiry_policy="days_after_earn", expiry_days=60)
    earn(account=acct, points=100, occurred_at=at("2026-11-20"), idempotency_key="e1", now=at("2026-11-20"))
    redeem(account=acct, points=30, idempotency_key="r1", now=at("2026-11-21"))
    return acct


@pytest.mark.parametrize("model", ["roletype", "memberrole", "pointsaccounttype", "pointsaccount", "earnrule",
                                   "ledgerentry", "jobrun"])
def test_every_loyalty_admin_list_renders_for_a_loyalty_admin(client, funded, model):
    login(client, "boss", group=ADMIN)

    response = client.get(reverse(f"admin:loyalty_{model}_changelist"))

    assert response.status_code == 200


def test_the_account_page_shows_the_ledger_and_lots(client, funded):
    login(client, "boss", group=ADMIN)

    page = client.get(reverse("admin:loyalty_pointsaccount_change", args=[funded.pk])).content.decode()

    assert "最近 50 条流水" in page and "兑换" in page and "未用完的批次" in page
    assert "2027-01-20 00:00" in page  # 60 days after 11-20, shown in Shanghai time


def test_staff_without_loyalty_permissions_are_refused(client, funded):
    login(client, "stranger")

    assert client.get(reverse("admin:loyalty_pointsaccount_changelist")).status_code == 403
    assert client.get(reverse("admin:loyalty_earnrule_changelist")).status_code == 403


def test_ledger_entries_can_be_neither_added_changed_nor_deleted(client, funded):
    login(client, "boss", group=ADMIN)
    entry = LedgerEntry.objects.filter(account=funded).first()

    add = client.get(reverse("admin:loyalty_ledgerentry_add"))
    delete = client.post(reverse("admin:loyalty_ledgerentry_delete", args=[entry.pk]), {"post": "yes"})
    change = client.post(reverse("admin:loyalty_ledgerentry_change", args=[entry.pk]), {"amount": "999"})

    assert add.status_code == 403 and delete.status_code == 403 and change.status_code == 403
    assert LedgerEntry.objects.get(pk=entry.pk).amount == entry.amount


def test_the_adjust_action_asks_for_a_reason_then_writes_one_entry_per_account(client, funded):
    login(client, "boss", group=ADMIN)
    url = reverse("admin:loyalty_pointsaccount_changelist")
    select = {"action": "adjust_points", "_selected_action": [funded.pk]}

    form_page = client.post(url, select)
    missing_reason = client.post(url, {**select, "confirm": "yes", "points": "20", "reason": " ", "request_key": "k"})
    done = client.post(url, {**select, "confirm": "yes", "points": "20", "reason": "客诉补偿", "request_key": "k1"},
                       follow=True)
    again = client.post(url, {**select, "confirm": "yes", "points": "20", "reason": "客诉补偿", "request_key": "k1"})

    assert "原因" in form_page.content.decode() and "确认调整" in form_page.content.decode()
    assert "请填写调整原因" in missing_reason.content.decode()
    assert "已调整 1 个账户" in done.content.decode()
    assert again.status_code == 302  # the same form submitted twice adjusts once
    entry = LedgerEntry.objects.get(kind=EntryKind.ADJUST)
    assert (entry.amount, entry.reason, entry.actor.username) == (20, "客诉补偿", "boss")
    assert balances(funded)[0] == 90


def test_an_adjustment_beyond_the_balance_shows_the_reason_it_was_refused(client, funded):
    login(client, "boss", group=ADMIN)
    url = reverse("admin:loyalty_pointsaccount_changelist")

    response = client.post(url, {"action": "adjust_points", "_selected_action": [funded.pk], "confirm": "yes",
                                 "points": "-500", "reason": "误发", "request_key": "k2"}, follow=True)

    assert "可用积分不足" in response.content.decode()
    assert balances(funded)[0] == 70


def test_readers_see_accounts_but_cannot_adjust(client, funded):
    login(client, "reader", perms=["loyalty.view_pointsaccount"])
    url = reverse("admin:loyalty_pointsaccount_changelist")

    listing = client.get(url)
    client.post(url, {"action": "adjust_points", "_selected_action": [funded.pk], "confirm": "yes",
                      "points": "20", "reason": "x", "request_key": "k3"})

    assert listing.status_code == 200 and "adjust_points" not in listing.content.decode()
    assert not LedgerEntry.objects.filter(kind=EntryKind.ADJUST).exists()


def test_guides_are_refused_the_accounts_and_cannot_adjust(client, funded):
    sign_in_guide(client)
    url = reverse("admin:loyalty_pointsaccount_changelist")

    listing = client.get(url)
    adjusting = client.post(url, {"action": "adjust_points", "_selected_action": [funded.pk], "confirm": "yes",
                                  "points": "20", "reason": "x", "request_key": "k3"})

    assert sent_to_admin_login(listing) and sent_to_admin_login(adjusting)
    assert not LedgerEntry.objects.filter(kind=EntryKind.ADJUST).exists()


def test_the_account_type_form_explains_a_missing_expiry_setting(client):
    login(client, "boss", group=ADMIN)

    response = client.post(reverse("admin:loyalty_pointsaccounttype_add"), {
        "code": "credits", "name": "学分", "expiry_policy": "days_after_earn", "clearing_keep_years": "1",
        "pending_days": "0", "active": "on",
    })

    assert response.status_code == 200
    assert "需要填写有效天数" in response.content.decode()


def test_the_rule_preview_counts_last_months_orders_and_members(member, make_type, make_rule, make_order):
    points = make_type(name="积分")
    rule = make_rule(points, points_per_yuan=Decimal("1"), min_order_amount=Decimal("50"))
    a, b = member(), member()
    make_order(a, paid="99.90", paid_at=at("2026-10-03"))
    make_order(a, paid="50.00", paid_at=at("2026-10-31", "23:59"))
    make_order(b, paid="120.00", paid_at=at("2026-10-15"))
    make_order(b, paid="30.00", paid_at=at("2026-10-16"))   # below the minimum
    make_order(b, paid="500.00", paid_at=at("2026-11-01", "00:00"))  # next month in Shanghai

    preview = preview_rule(rule, start=date(2026, 10, 1), end=date(2026, 11, 1))

    assert (preview.orders, preview.members, preview.points) == (3, 2, 99 + 50 + 120)
    assert "2 位会员" in str(preview) and "269 积分" in str(preview)
    assert not LedgerEntry.objects.exists()  # read-only


def test_the_rule_page_shows_its_preview(client, make_type, make_rule):
    login(client, "boss", group=ADMIN)
    rule = make_rule(make_type(name="积分"))

    page = client.get(reverse("admin:loyalty_earnrule_change", args=[rule.pk])).content.decode()

    assert "这条规则会为" in page


def test_the_liability_report_sums_outstanding_expiring_and_monthly_activity(account):
    acct = account(name="积分", expiry_policy="days_after_earn", expiry_days=30, pending_days=7)
    earn(account=acct, points=100, occurred_at=at("2026-11-10"), idempotency_key="e1", now=at("2026-11-20"))
    earn(account=acct, points=40, occurred_at=at("2026-11-28"), idempotency_key="e2", now=at("2026-11-28"))
    redeem(account=acct, points=30, idempotency_key="r1", now=at("2026-11-29"))

    report = liability_report(today=date(2026, 11, 30))

    [row] = [r for r in report.outstanding if r["account_type"].pk == acct.account_type_id]
    assert (row["available"], row["pending"], row["total"], row["accounts"]) == (70, 40, 110, 1)
    [exp] = [r for r in report.expiring if r["account_type"].pk == acct.account_type_id]
    # 70 left of the 11-10 lot expire at the end of 12-10; the pending 40 at the end of 12-28
    assert exp["months"][:2] == [0, 110] and exp["total"] == 110
    [nov] = [r for r in report.activity if r["account_type"].pk == acct.account_type_id and r["month"].month == 11]
    assert (nov["earned"], nov["redeemed"], nov["expired"]) == (140, 30, 0)


def test_the_liability_page_needs_login_and_the_view_permission(client, funded):
    url = reverse("loyalty:liability")

    anonymous = client.get(url)
    login(client, "stranger")
    forbidden = client.get(url)

    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert forbidden.status_code == 403


def test_the_liability_page_renders_and_is_linked_from_the_nav(client, funded):
    login(client, "viewer", perms=("loyalty.view_liability_report",))

    page = client.get(reverse("loyalty:liability")).content.decode()
    home = client.get("/").content.decode()

    assert "未兑付余额" in page and "未来 12 个月到期" in page and "每月变动" in page
    assert reverse("loyalty:liability") in home


def test_the_liability_exports_neutralise_formulas(client, make_type, account):
    hostile = make_type(name="=HYPERLINK(\"http://x\")")
    acct = account(hostile)
    adjust(account=acct, points=5, reason="测试")
    login(client, "viewer", perms=("loyalty.view_liability_report",))
    url = reverse("loyalty:liability")

    csv_response = client.get(url, {"format": "csv", "section": "outstanding"})
    xlsx_response = client.get(url, {"format": "xlsx"})
    bad = client.get(url, {"format": "pdf"})

    text = csv_response.content.decode("utf-8-sig")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text
    workbook = load_workbook(BytesIO(xlsx_response.content))
    assert {"未兑付余额", "未来12个月到期", "每月变动", "说明"} <= set(workbook.sheetnames)
    names = [row[0].value for row in workbook["未兑付余额"].iter_rows(min_row=2)]
    assert "'=HYPERLINK(\"http://x\")" in names
    numbers = [row[2].value for row in workbook["未兑付余额"].iter_rows(min_row=2)]
    assert 5 in numbers  # amounts stay numbers
    assert bad.status_code == 404


def test_merged_accounts_do_not_count_twice_in_the_liability(member, make_type, make_rule, make_order):
    from members.services import merge_members

    points = make_type(name="积分")
    make_rule(points)
    a, b = member(), member()
    award_orders(order_ids=[make_order(a, paid="10.00").pk, make_order(b, paid="20.00").pk], now=at("2026-03-02"))
    merge_members(survivor_id=a.pk, absorbed_id=b.pk, rule="manual")

    [row] = [r for r in liability_report().outstanding if r["account_type"].pk == points.pk]

    assert row["total"] == 30 and row["accounts"] == 1
    assert PointsAccount.objects.filter(account_type=points).count() == 2


def test_a_loyalty_admin_opens_a_guide_role_and_ends_it(client, member):
    from loyalty.models import MemberRole, RoleType

    login(client, "boss", group=ADMIN)
    person = member()
    guide = RoleType.objects.get(code="guide")

    added = client.post(reverse("admin:loyalty_memberrole_add"),
                        {"member": person.pk, "role_type": guide.pk, "started_on": "2026-11-01"})
    role = MemberRole.objects.get(member=person, role_type=guide)
    ended = client.post(reverse("admin:loyalty_memberrole_change", args=[role.pk]), {"status": "ended"})
    duplicate = client.post(reverse("admin:loyalty_memberrole_add"),
                            {"member": person.pk, "role_type": guide.pk, "started_on": "2026-11-02"})

    assert added.status_code == 302 and ended.status_code == 302
    role.refresh_from_db()
    assert (role.status, role.started_on.isoformat()) == ("ended", "2026-11-01") and role.ended_on
    assert "已有这个角色" in duplicate.content.decode()


def test_job_runs_show_their_counts_and_trigger_in_chinese(client, db):
    from loyalty.models import JobName, JobRun

    # given a level review run and a points run, as run_daily_jobs records them
    day = {"business_date": date(2026, 12, 1), "as_of": at("2026-12-01", "00:00")}
    review = JobRun.objects.create(job=JobName.REVIEW_LEVELS, triggered_by="schedule", **day,
                                   counts={"reviewed": 1200, "upgrade": 3, "downgrade": 1, "kept": 1196})
    JobRun.objects.create(job=JobName.EXPIRE_LOTS, triggered_by="command", **day,
                          counts={"accounts": 2, "lots": 5, "points": 300})
    login(client, "boss", group=ADMIN)

    # when
    listing = client.get(reverse("admin:loyalty_jobrun_changelist")).content.decode()
    page = client.get(reverse("admin:loyalty_jobrun_change", args=[review.pk])).content.decode()

    # then
    assert "账户 2 · 积分批次 5 · 积分 300" in listing and "命令行" in listing
    assert "考核人数 1,200 · 升级 3 · 降级 1 · 保持不变 1,196" in page and "定时任务" in page
    assert '"reviewed"' not in page and "&quot;reviewed&quot;" not in page
