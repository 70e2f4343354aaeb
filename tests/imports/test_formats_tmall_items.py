"""The Tmall item report (ExportOrderDetailList*.csv): one row per item of an order."""

from decimal import Decimal

from members.imports.rows import ItemRow, LineRow, RowError

from .support import SAMPLES, errors, parse, parse_file, parsed, rows_from, single

ITEM_DEFAULTS = {
    "订单编号": '="2565918346414630585"', "标题": "栖澜氨基酸洁面乳 120g", "价格": "129.00", "购买数量": "1",
    "外部系统编号": "", "商品属性": "规格：120g", "套餐信息": "", "备注": "", "订单状态": "交易成功",
    "商家编码": "QL-SK-004",
}


def items(*overrides):
    return parse("tmall_items", rows_from(ITEM_DEFAULTS, *(overrides or ({},))), encoding="gbk")


def test_the_sample_report_parses_every_row():
    result = parse_file("tmall_items", SAMPLES / "tmall_ExportOrderDetailList.csv")
    assert not errors(result)
    assert [(i.external_no[-3:], i.line.line_no, i.line.sku) for i in result] == [
        ("585", 1, "QL-SK-004"), ("586", 1, "EXT-004"), ("589", 1, "QL-SK-010"), ("589", 2, "QL-GIFT-01"),
    ]


def test_an_item_row_is_a_line_of_its_order():
    item = single(items({}))
    assert item == ItemRow(
        row_number=2, channel="tmall", external_no="2565918346414630585", raw_status="交易成功",
        line=LineRow(line_no=1, sku="QL-SK-004", title="栖澜氨基酸洁面乳 120g", category="", quantity=1,
                     price=Decimal("129.00")),
    )


def test_lines_are_numbered_per_order_across_the_whole_file():
    # given order A, then B, then A again further down
    result = items({"订单编号": "A"}, {"订单编号": "A"}, {"订单编号": "B"}, {"订单编号": "A"})
    # when parsed  # then A's later row continues A's numbering
    assert [(i.external_no, i.line.line_no) for i in result] == [("A", 1), ("A", 2), ("B", 1), ("A", 3)]


def test_the_sku_is_the_merchant_code_else_the_external_code():
    result = items({"商家编码": "M-1", "外部系统编号": "E-1"}, {"商家编码": "", "外部系统编号": "E-2"})
    assert [i.line.sku for i in result] == ["M-1", "E-2"]


def test_a_bad_price_rejects_its_row_and_keeps_its_line_number():
    # given an order whose first item has a broken price
    result = items({"订单编号": "A", "价格": "abc"}, {"订单编号": "A"})
    # when parsed  # then the error names the cell and the good row keeps position 2
    assert errors(result) == [RowError(2, "价格", "abc", "不是有效的金额，应为数字，如 128.00")]
    assert [i.line.line_no for i in parsed(result)] == [2]


def test_a_fractional_quantity_is_a_row_error():
    [error] = items({"购买数量": "1.5"})
    assert (error.column, error.value) == ("购买数量", "1.5")


def test_an_empty_title_is_a_row_error():
    [error] = items({"标题": " "})
    assert (error.column, error.reason) == ("标题", "必填，不能为空")
