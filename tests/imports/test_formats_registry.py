"""Finding a format by key and matching a file's headers to its columns."""

import pytest

from members.imports.formats import FORMATS, MEMBER_FORMATS, ORDER_FORMATS, format_choices, get_format
from members.imports.rows import ImportFileError


def test_every_listed_format_key_has_a_format():
    assert tuple(FORMATS["orders"]) == ORDER_FORMATS
    assert tuple(FORMATS["members"]) == MEMBER_FORMATS


def test_the_generic_member_and_order_templates_are_different_formats():
    orders, members = get_format("generic", kind="orders"), get_format("generic", kind="members")
    assert (orders.kind, members.kind) == ("orders", "members")


def test_the_item_report_is_an_order_format_that_fills_order_lines():
    assert get_format("tmall_items").kind == "order_lines"


def test_an_unknown_format_key_is_a_file_error_listing_the_formats():
    with pytest.raises(ImportFileError, match="京东商家订单导出"):
        get_format("pdd")


def test_member_formats_are_only_found_under_members():
    with pytest.raises(ImportFileError):
        get_format("tmall", kind="members")


def test_format_choices_give_chinese_labels():
    assert ("jd", "京东商家订单导出") in format_choices("orders")


def test_headers_match_whatever_their_order_width_or_spacing():
    # given headers in another order, with full-width and inner spaces
    match = get_format("jd").match_headers(["应付金额", "订单 状态", "下单时间", "订单号\u3000"])
    # when matched  # then each column is found under the header as written in the file
    assert match.columns == {"order_no": "订单号\u3000", "ordered_at": "下单时间", "payable": "应付金额", "status": "订单 状态"}


def test_every_missing_required_column_is_named_by_its_chinese_label():
    with pytest.raises(ImportFileError) as raised:
        get_format("jd").match_headers(["商品名称"])
    for label in ("订单号", "下单时间", "应付金额", "订单状态"):
        assert label in str(raised.value)


def test_absent_optional_columns_are_listed():
    match = get_format("jd").match_headers(["订单号", "下单时间", "应付金额", "订单状态"])
    assert "商品名称" in match.missing_optional


def test_an_alias_left_over_beside_its_label_is_not_unknown():
    # given both the phone column and one of its aliases
    match = get_format("tmall").match_headers(["订单编号", "买家实际支付金额", "订单状态", "订单创建时间", "联系手机", "联系电话"])
    # when matched  # then the label is used and the alias is neither used nor unknown
    assert match.columns["mobile"] == "联系手机"
    assert match.unknown == []
