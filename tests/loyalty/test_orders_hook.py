"""The orders_changed hook: a real import earns points, a re-import changes nothing, a refund claws back."""

from decimal import Decimal

import pytest

from loyalty.models import EntryKind, LedgerEntry, PointsAccount, PointsLot
from members.imports.engine import import_file
from members.models import Member
from tests.members.test_import_engine import TMALL_HEADER, tmall_row, write_csv

from .conftest import assert_ledger_ok

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(make_type, make_rule):
    points = make_type(name="积分")
    growth = make_type(name="成长值")
    make_rule(points, name="积分规则", trigger="completed")
    make_rule(growth, name="成长值规则", trigger="paid")
    return points, growth


@pytest.fixture
def first_export(tmp_path):
    return write_csv(tmp_path / "ExportOrderList202603.csv", TMALL_HEADER, [
        tmall_row("1001", "tb-zhang", paid="199.00"),
        tmall_row("1002", "tb-zhang", paid="59.90元"),
        tmall_row("1003", "tb-li", name="李娜", mobile="'13900139000", status="买家已付款，等待卖家发货"),
    ])


def ledger_state():
    return (list(LedgerEntry.objects.values().order_by("pk")), list(PointsLot.objects.values().order_by("pk")),
            list(PointsAccount.objects.values().order_by("pk")))


def totals(mobile):
    member = Member.objects.get(mobile=mobile)
    return {a.account_type.name: a.available for a in PointsAccount.objects.filter(member=member)}


def test_an_imported_tmall_report_earns_points_per_rule(rules, first_export):
    import_file(kind="orders", format_key="tmall", path=first_export)

    # completed orders earn 积分 and 成长值; the paid-but-not-completed one only 成长值
    assert totals("+8613800138000") == {"积分": 258, "成长值": 258}  # 199 + 59 (59.90 floors)
    assert totals("+8613900139000") == {"成长值": 199}
    assert_ledger_ok()


def test_importing_the_same_file_again_changes_no_points(rules, first_export):
    import_file(kind="orders", format_key="tmall", path=first_export)
    before = ledger_state()

    import_file(kind="orders", format_key="tmall", path=first_export)

    assert ledger_state() == before


def test_a_newer_export_completes_one_order_and_refunds_another(rules, first_export, tmp_path):
    import_file(kind="orders", format_key="tmall", path=first_export)
    newer = write_csv(tmp_path / "ExportOrderList202604.csv", TMALL_HEADER, [
        tmall_row("1001", "tb-zhang", paid="199.00", refund="99.50"),
        tmall_row("1003", "tb-li", name="李娜", mobile="'13900139000", status="交易成功"),
    ])

    import_file(kind="orders", format_key="tmall", path=newer)

    # 1001: half refunded → 99 of 199 back from both accounts; 1003 completed → earns 积分 now
    clawed = LedgerEntry.objects.filter(kind=EntryKind.CLAWBACK).values_list("amount", flat=True)
    assert sorted(clawed) == [-99, -99]
    assert totals("+8613800138000") == {"积分": 159, "成长值": 159}
    assert totals("+8613900139000") == {"成长值": 199, "积分": 199}
    assert_ledger_ok()

    # and the same newer export again claws back nothing more
    import_file(kind="orders", format_key="tmall", path=newer)
    assert LedgerEntry.objects.filter(kind=EntryKind.CLAWBACK).count() == 2


def test_the_order_admin_save_earns_through_the_same_hook(rules, admin_client, person, make_order):
    from members.models import Order

    buyer = person(channel="pos", external_id="c1", mobile="13700000001").member
    order = make_order(buyer, paid="10.00", status="paid")

    response = admin_client.post(f"/admin/members/order/{order.pk}/change/", {
        "channel": "pos", "external_no": order.external_no, "member": buyer.pk, "status": "completed",
        "raw_status": "", "payable_amount": "10.00", "paid_amount": "10.00", "refunded_amount": "0",
        "item_count": "1", "ordered_at_0": "", "ordered_at_1": "", "paid_at_0": "2026-03-01", "paid_at_1": "12:00:00",
        "completed_at_0": "2026-03-02", "completed_at_1": "12:00:00", "shop_name": "",
        "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000",
    })

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Order.objects.get(pk=order.pk).status == "completed"
    assert totals("+8613700000001") == {"积分": 10, "成长值": 10}
    assert Decimal("10.00") == Order.objects.get(pk=order.pk).paid_amount
