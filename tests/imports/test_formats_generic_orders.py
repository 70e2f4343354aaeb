"""Our generic order template: one row per order line, any channel."""

from decimal import Decimal

import pytest

from members.imports.rows import LineRow

from .support import GENERIC_ORDER_DEFAULTS, SAMPLES, errors, parse, parse_file, parsed, rows_from, single


def orders(*overrides):
    return parse("generic", rows_from(GENERIC_ORDER_DEFAULTS, *(overrides or ({},))))


def test_the_sample_file_parses_into_orders():
    # given the committed UTF-8-with-BOM sample: a two-line POS receipt and a mall order without lines
    result = parse_file("generic", SAMPLES / "generic_orders.csv")
    # when parsed  # then each order is complete
    assert not errors(result)
    assert [(o.channel, o.external_no, o.row_count, o.lines and len(o.lines)) for o in result] == [
        ("pos", "POS0001", 2, 2), ("mall", "M20250201001", 1, None),
    ]


@pytest.mark.parametrize(("text", "channel"), [("pos", "pos"), ("门店POS", "pos"), ("天猫", "tmall"), ("微信小程序", "wechat_mp")])
def test_the_channel_is_its_code_or_its_chinese_label(text, channel):
    assert single(orders({"渠道": text})).channel == channel


@pytest.mark.parametrize(("text", "status"), [("completed", "completed"), ("已完成", "completed"), ("部分退款", "partially_refunded")])
def test_the_status_is_our_code_or_its_label(text, status):
    assert single(orders({"订单状态": text})).status == status


def test_an_order_of_several_rows_has_a_line_per_row():
    order = single(orders({"SKU": "A", "数量": "2", "单价": "10.00"}, {"SKU": "B", "商品名称": "短裤", "数量": "", "单价": "5"}))
    assert (order.row_count, order.item_count) == (2, 3)
    assert order.lines == [
        LineRow(line_no=1, sku="A", title="纯棉T恤", category="服装", quantity=2, price=Decimal("10.00")),
        LineRow(line_no=2, sku="B", title="短裤", category="服装", quantity=1, price=Decimal("5.00")),
    ]


def test_the_same_order_number_in_two_channels_is_two_orders():
    result = orders({"渠道": "pos"}, {"渠道": "mall"})
    assert [(o.channel, o.row_count) for o in result] == [("pos", 1), ("mall", 1)]


def test_a_row_without_sku_and_product_name_is_no_line():
    order = single(orders({"SKU": "", "商品名称": "", "数量": ""}))
    assert (order.lines, order.item_count) == (None, 0)


def test_a_file_without_product_columns_says_nothing_about_lines():
    order = single(orders({"SKU": None, "商品名称": None, "品类": None, "数量": None, "单价": None}))
    assert order.lines is None


def test_payable_defaults_to_paid():
    assert single(orders({"应付金额": "", "实付金额": "88.00"})).payable_amount == Decimal("88.00")


def test_the_order_keeps_its_store_and_shop():
    order = single(orders({}))
    assert (order.store_code, order.shop_name) == ("SH001", "上海南京西路店")


@pytest.mark.parametrize(
    ("channel", "identifiers"),
    [("pos", {"pos_card": "ACC1"}), ("mall", {"mall_user": "ACC1"}), ("jd", {"jd_account": "ACC1"}),
     ("tmall", {"tmall_nick": "ACC1"}), ("wechat_mp", {"wechat_openid": "ACC1"}), ("api", {}), ("manual", {})],
)
def test_the_buyer_account_is_the_channel_identifier(channel, identifiers):
    buyer = single(orders({"渠道": channel, "会员渠道账号": "ACC1"})).buyer
    assert (buyer.channel, buyer.external_id, buyer.identifiers) == (channel, "ACC1", identifiers)


def test_the_buyer_carries_phone_name_and_store():
    buyer = single(orders({})).buyer
    assert (buyer.mobile, buyer.name, buyer.store_code) == ("13812345678", "张三", "SH001")


def test_an_order_without_account_and_phone_has_no_buyer():
    assert single(orders({"会员渠道账号": "", "会员手机号": ""})).buyer is None


def test_an_unknown_channel_is_a_row_error():
    [error] = orders({"渠道": "拼多多"})
    assert (error.row_number, error.column, error.value) == (2, "渠道", "拼多多")


def test_a_bad_line_rejects_the_order_and_the_next_order_still_parses():
    result = orders({"订单编号": "A", "单价": "免费"}, {"订单编号": "A"}, {"订单编号": "B"})
    assert [(e.row_number, e.column) for e in errors(result)] == [(2, "单价"), (3, "订单编号")]
    assert [o.external_no for o in parsed(result)] == ["B"]
