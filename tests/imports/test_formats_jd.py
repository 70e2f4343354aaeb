"""The JD merchant order export: one row per SKU, rows of an order grouped into one order."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from members.imports.rows import LineRow, RowError

from .support import JD_DEFAULTS, SAMPLES, errors, parse, parse_file, parsed, rows_from, single

SHANGHAI = ZoneInfo("Asia/Shanghai")


def jd(*overrides):
    return parse("jd", rows_from(JD_DEFAULTS, *(overrides or ({},))), encoding="gbk")


def test_the_sample_export_parses_into_orders():
    # given the committed GBK sample: a two-SKU order, a deleted one, a pending and a cancelled one
    orders = parse_file("jd", SAMPLES / "jd_orders.csv")
    # when parsed  # then consecutive rows of one order become one order
    assert not errors(orders)
    assert [(o.row_number, o.row_count, o.external_no, o.status, o.is_deleted) for o in orders] == [
        (2, 2, "314435234762", "completed", False), (4, 1, "314435234763", "paid", True),
        (5, 1, "314435234764", "pending", False), (6, 1, "314435234765", "closed", False),
    ]


def test_consecutive_rows_of_an_order_become_one_order_with_a_line_each():
    # given an order of two SKUs
    order = single(jd({"商品ID": "1001", "订购数量": "2", "京东价": "50.00"},
                      {"商品ID": "1002", "商品名称": "精华液", "订购数量": "1", "京东价": "99.00"}))
    # when parsed  # then it is one order built from two rows
    assert (order.row_number, order.row_count, order.item_count) == (2, 2, 3)
    assert order.lines == [
        LineRow(line_no=1, sku="1001", title="氨基酸洁面乳 120g", quantity=2, price=Decimal("50.00")),
        LineRow(line_no=2, sku="1002", title="精华液", quantity=1, price=Decimal("99.00")),
    ]


def test_order_values_come_from_the_first_row_of_the_order():
    # given a second row whose order-level cells disagree with the first
    order = single(jd({"应付金额": "129.00"}, {"应付金额": "999.00", "下单时间": "不是时间"}))
    # when parsed  # then the first row wins and the disagreement is no error
    assert order.payable_amount == Decimal("129.00")


def test_an_order_appearing_again_later_continues_its_line_numbers():
    # given order A, B, then A again
    orders = jd({"订单号": "A"}, {"订单号": "B"}, {"订单号": "A"})
    # when parsed  # then A comes twice, its second part numbered on from the first
    assert [(o.external_no, o.row_number, [line.line_no for line in o.lines]) for o in orders] == [
        ("A", 2, [1]), ("B", 3, [1]), ("A", 4, [2]),
    ]


def test_the_buyer_is_the_ordering_account():
    buyer = single(jd({})).buyer
    assert (buyer.channel, buyer.external_id, buyer.identifiers) == ("jd", "jd_hanmeimei", {"jd_account": "jd_hanmeimei"})
    assert (buyer.name, buyer.mobile, buyer.address) == ("韩梅梅", "13912345678", "北京市朝阳区建国路1号")
    assert buyer.seen_at == dt.datetime(2025, 6, 24, 18, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("text", "status"),
    [("等待付款", "pending"), ("待付款", "pending"), ("等待出库", "paid"), ("待出库", "paid"), ("锁定", "paid"),
     ("锁定订单", "paid"), ("等待确认收货", "shipped"), ("已发货", "shipped"), ("完成", "completed"),
     ("已完成", "completed"), ("已取消", "closed"), ("取消", "closed")],
)
def test_each_jd_status_maps_to_an_order_status(text, status):
    assert single(jd({"订单状态": text})).status == status


@pytest.mark.parametrize("text", ["(删除)等待出库", "（删除）等待出库"])
def test_a_deleted_prefix_marks_the_order_deleted_and_the_rest_is_its_status(text):
    order = single(jd({"订单状态": text}))
    assert (order.is_deleted, order.status, order.raw_status) == (True, "paid", text)


def test_a_paid_order_paid_what_it_owed():
    order = single(jd({"订单状态": "已完成", "应付金额": "328.00"}))
    assert (order.payable_amount, order.paid_amount) == (Decimal("328.00"), Decimal("328.00"))


def test_a_pending_order_has_paid_nothing():
    order = single(jd({"订单状态": "等待付款", "付款确认时间": ""}))
    assert order.paid_amount == Decimal("0.00")


def test_an_order_cancelled_before_payment_has_paid_nothing():
    order = single(jd({"订单状态": "已取消", "付款确认时间": ""}))
    assert (order.status, order.paid_amount) == ("closed", Decimal("0.00"))


def test_a_refund_column_turns_a_cancelled_paid_order_into_refunded():
    text = rows_from({**JD_DEFAULTS, "退款金额": ""}, {"订单状态": "已取消", "应付金额": "89.00", "退款金额": "89.00"})
    assert single(parse("jd", text)).status == "refunded"


def test_a_partial_refund_on_a_completed_order_is_partially_refunded():
    text = rows_from({**JD_DEFAULTS, "退款金额": ""}, {"订单状态": "已完成", "应付金额": "328.00", "退款金额": "100.00"})
    assert single(parse("jd", text)).status == "partially_refunded"


def test_payable_falls_back_to_the_order_amount():
    order = single(jd({"应付金额": "", "订单金额": "66.00"}))
    assert order.payable_amount == Decimal("66.00")


def test_a_bad_line_rejects_the_whole_order_and_accounts_for_every_row():
    # given a three-row order whose second row has a broken quantity, then a good order
    result = jd({"订单号": "A"}, {"订单号": "A", "订购数量": "两个"}, {"订单号": "A"}, {"订单号": "B"})
    # when parsed  # then the bad cell is reported, the order's other rows say why they were skipped
    assert [(e.row_number, e.column, e.value) for e in errors(result)] == [
        (2, "订单号", "A"), (3, "订购数量", "两个"), (4, "订单号", "A"),
    ]
    assert errors(result)[0].reason == "同一订单的第 3 行有错误，整单未导入"
    assert [o.external_no for o in parsed(result)] == ["B"]


def test_a_bad_first_row_rejects_the_order():
    result = jd({"订单号": "A", "下单时间": "昨天"}, {"订单号": "A"})
    assert [(e.row_number, e.column) for e in errors(result)] == [(2, "下单时间"), (3, "订单号")]


def test_a_row_without_an_order_number_is_an_error_in_file_order():
    # given an order, a row without an order number, and the same order again
    result = jd({"订单号": "A"}, {"订单号": ""}, {"订单号": "A"})
    # when parsed  # then output follows the file: each order covers consecutive rows
    assert [(type(i).__name__, i.row_number) for i in result] == [("OrderRow", 2), ("RowError", 3), ("OrderRow", 4)]
    assert result[1] == RowError(3, "订单号", "", "订单编号不能为空")
