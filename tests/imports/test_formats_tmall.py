"""The Tmall/Taobao order report (ExportOrderList*.csv)."""

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from members.imports.formats import get_format
from members.imports.rows import ImportFileError, OrderRow, RowError

from .support import (
    SAMPLES,
    TMALL_DEFAULTS,
    TMALL_HEADER,
    csv_text,
    errors,
    parse,
    parse_file,
    parsed,
    rows_from,
    single,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def tmall(*overrides, **options):
    """Parse a Tmall report with one row per override (a dict of header → cell)."""
    return parse("tmall", rows_from(TMALL_DEFAULTS, *(overrides or ({},))), encoding="gbk", **options)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# ---------------------------------------------------------------- a real-looking file


def test_the_sample_report_parses_every_row():
    # given the committed GBK sample: formula order numbers, quoted cells, 元 amounts, Excel dates
    items = parse_file("tmall", SAMPLES / "tmall_ExportOrderList.csv")
    # when parsed  # then each row is an order, in file order, with no errors
    assert not errors(items)
    assert [(o.row_number, o.external_no[-3:], o.status) for o in items] == [
        (2, "585", "completed"), (3, "586", "paid"), (4, "587", "pending"), (5, "588", "refunded"),
        (6, "589", "partially_refunded"), (7, "590", "closed"),
    ]


def test_an_order_carries_its_amounts_times_and_shop():
    # given a completed order
    order = single(tmall({}))
    # when parsed  # then its values are typed
    assert order == OrderRow(
        row_number=2, channel="tmall", external_no="2565918346414630585", status="completed", raw_status="交易成功",
        payable_amount=Decimal("129.00"), paid_amount=Decimal("129.00"), refunded_amount=Decimal("0.00"),
        item_count=1, ordered_at=at("2025-06-20 10:00:00"), paid_at=at("2025-06-20 10:01:30"),
        completed_at=at("2025-06-25 09:00:00"), shop_name="栖澜官方旗舰店", buyer=order.buyer, lines=None,
        fingerprint=order.fingerprint,
    )
    assert isinstance(order.fingerprint, int)


def test_the_buyer_is_the_nick_with_the_receiver_details():
    # given an order with the buyer's nick, the receiver's name, phone and address
    order = single(tmall({}))
    # when parsed  # then the buyer record is keyed by the nick
    buyer = order.buyer
    assert (buyer.channel, buyer.external_id, buyer.identifiers) == ("tmall", "tb_lee", {"tmall_nick": "tb_lee"})
    assert (buyer.name, buyer.mobile) == ("李雷", "13812345678")


def test_the_postcode_is_cut_from_the_address():
    order = single(tmall({"收货地址": "上海 上海市 浦东新区 张江路88弄3号楼1201室(200120)"}))
    assert order.buyer.address == "上海 上海市 浦东新区 张江路88弄3号楼1201室"


def test_the_buyer_was_last_seen_at_the_latest_of_the_order_times():
    order = single(tmall({"确认收货时间": "2025-06-25 09:00:00"}))
    assert order.buyer.seen_at == at("2025-06-25 09:00:00")


def test_a_masked_phone_is_kept_for_cleaning_to_judge():
    order = single(tmall({"联系手机": "'138****1234"}))
    assert order.buyer.mobile == "138****1234"


def test_a_buyer_without_a_nick_is_still_known_by_the_phone():
    # given an export version without the nick's value
    order = single(tmall({"买家会员名": ""}))
    # when parsed  # then the buyer has no account but keeps the phone
    assert (order.buyer.external_id, order.buyer.mobile, order.buyer.identifiers) == ("", "13812345678", {})


def test_a_row_without_nick_and_phone_has_no_buyer():
    order = single(tmall({"买家会员名": "", "联系手机": ""}))
    assert order.buyer is None


def test_a_report_without_the_pii_columns_still_gives_orders_without_buyers():
    # given an export with the buyer columns removed
    items = tmall({"买家会员名": None, "收货人姓名": None, "收货地址": None, "联系手机": None})
    # when parsed  # then the orders come without a buyer
    assert single(items).buyer is None


# ---------------------------------------------------------------- statuses


@pytest.mark.parametrize(
    ("text", "status"),
    [("等待买家付款", "pending"), ("买家已付款，等待卖家发货", "paid"), ("买家已付款,等待卖家发货", "paid"),
     ("卖家已发货，等待买家确认", "shipped"), ("交易成功", "completed"), ("交易关闭", "closed"),
     ("交易被淘宝关闭", "closed"), ("交易被天猫关闭", "closed")],
)
def test_each_tmall_status_maps_to_an_order_status(text, status):
    order = single(tmall({"订单状态": text, "退款金额": "0.00"}))
    assert (order.status, order.raw_status) == (status, text)


def test_a_closed_order_refunded_in_full_is_refunded():
    order = single(tmall({"订单状态": "交易关闭", "买家实际支付金额": "199.00", "退款金额": "199.00"}))
    assert (order.status, order.refunded_amount) == ("refunded", Decimal("199.00"))


def test_a_successful_order_with_a_partial_refund_is_partially_refunded():
    order = single(tmall({"订单状态": "交易成功", "买家实际支付金额": "300.00", "退款金额": "100.00"}))
    assert order.status == "partially_refunded"


def test_a_closed_order_never_paid_stays_closed():
    order = single(tmall({"订单状态": "交易被淘宝关闭", "买家实际支付金额": "0.00", "订单付款时间": "", "退款金额": ""}))
    assert (order.status, order.paid_at) == ("closed", None)


def test_an_unknown_status_is_a_row_error_listing_the_known_ones():
    # given a status text the mapping does not know
    [error] = tmall({"订单状态": "交易神秘"})
    # when parsed  # then the row is refused with the column, the value and the choices
    assert (error.row_number, error.column, error.value) == (2, "订单状态", "交易神秘")
    assert "买家已付款，等待卖家发货" in error.reason


# ---------------------------------------------------------------- values as exports write them


def test_amounts_with_a_yuan_suffix_are_read():
    order = single(tmall({"买家应付货款": "258.00元", "买家实际支付金额": "258.00元"}))
    assert (order.payable_amount, order.paid_amount) == (Decimal("258.00"), Decimal("258.00"))


def test_excel_resaved_dates_are_read():
    order = single(tmall({"订单创建时间": "2025/6/21 9:05", "订单付款时间": "2025/6/21 9:06"}))
    assert (order.ordered_at, order.paid_at) == (at("2025-06-21 09:05:00"), at("2025-06-21 09:06:00"))


def test_an_empty_optional_cell_and_a_missing_optional_column_both_give_defaults():
    # given one file with an empty 宝贝总数量 and 退款金额 and one without those columns
    empty = single(tmall({"宝贝总数量": "", "退款金额": ""}))
    missing = single(tmall({"宝贝总数量": None, "退款金额": None}))
    # when parsed  # then both read as nothing
    assert (empty.item_count, empty.refunded_amount) == (missing.item_count, missing.refunded_amount) == (0, 0)


def test_an_older_export_with_total_amount_uses_it_as_payable():
    # given an export version with 总金额 instead of 买家应付货款
    text = csv_text(["订单编号", "总金额", "买家实际支付金额", "订单状态", "订单创建时间"],
                    [["1", "150.00", "140.00", "交易成功", "2025-06-20 10:00:00"]])
    # when parsed  # then 总金额 is the payable amount
    assert single(parse("tmall", text)).payable_amount == Decimal("150.00")


def test_payable_defaults_to_paid_when_the_export_has_neither_payable_column():
    text = csv_text(["订单编号", "买家实际支付金额", "订单状态", "订单创建时间"], [["1", "140.00", "交易成功", "2025-06-20"]])
    assert single(parse("tmall", text)).payable_amount == Decimal("140.00")


def test_the_phone_may_come_as_contact_phone():
    text = csv_text(["订单编号", "买家会员名", "买家实际支付金额", "订单状态", "订单创建时间", "联系电话"],
                    [["1", "tb_lee", "1.00", "交易成功", "2025-06-20", "13812345678"]])
    assert single(parse("tmall", text)).buyer.mobile == "13812345678"


def test_cells_with_trailing_tabs_and_spaces_are_trimmed():
    order = single(tmall({"买家会员名": "tb_lee\t ", "订单状态": "交易成功 ", "店铺名称": " 栖澜官方旗舰店\t"}))
    assert (order.buyer.external_id, order.status, order.shop_name) == ("tb_lee", "completed", "栖澜官方旗舰店")


# ---------------------------------------------------------------- bad rows


def test_a_bad_amount_rejects_its_row_while_the_other_rows_parse():
    # given three orders, the second with a paid amount that is not a number
    items = tmall({"订单编号": "1"}, {"订单编号": "2", "买家实际支付金额": "一百"}, {"订单编号": "3"})
    # when parsed  # then the bad row is a RowError that says where and why
    assert [o.external_no for o in parsed(items)] == ["1", "3"]
    assert errors(items) == [RowError(3, "买家实际支付金额", "一百", "不是有效的金额，应为数字，如 128.00")]


def test_every_bad_cell_of_a_row_is_reported():
    # given a row with a bad date and a bad quantity
    items = tmall({"订单创建时间": "昨天", "宝贝总数量": "-1"})
    # when parsed  # then both problems are reported for the row
    assert [(e.row_number, e.column, e.value) for e in errors(items)] == [(2, "订单创建时间", "昨天"), (2, "宝贝总数量", "-1")]


def test_an_empty_required_cell_is_a_row_error():
    [error] = tmall({"订单创建时间": ""})
    assert (error.column, error.reason) == ("订单创建时间", "必填，不能为空")


# ---------------------------------------------------------------- headers


def test_missing_required_columns_are_all_named_before_any_row_is_read():
    # given a file without 订单编号 and 订单状态
    fmt = get_format("tmall")
    # when its headers are matched  # then the error names both
    with pytest.raises(ImportFileError) as raised:
        fmt.match_headers(["买家会员名", "买家实际支付金额", "订单创建时间"])
    assert "订单编号" in str(raised.value) and "订单状态" in str(raised.value)


def test_unknown_headers_are_listed_and_known_ignored_ones_are_not():
    # given the report's headers with a column no version of the export has
    match = get_format("tmall").match_headers([*TMALL_HEADER, "买家应付邮费", "物流单号", "神秘列"])
    # when matched  # then only the stranger is unknown
    assert match.unknown == ["神秘列"]


def test_a_report_saved_as_xlsx_parses_like_the_csv():
    # given the same order in a workbook, with numbers and datetimes as Excel stores them
    book = Workbook()
    book.active.append(["订单编号", "买家会员名", "买家实际支付金额", "订单状态", "订单创建时间", "联系手机", "宝贝总数量"])
    book.active.append(["2565918346414630585", "tb_lee", 129, "交易成功", dt.datetime(2025, 6, 20, 10), 13812345678, 2.0])
    buffer = io.BytesIO()
    book.save(buffer)
    # when parsed
    order = single(parse("tmall", buffer.getvalue(), filename="ExportOrderList.xlsx"))
    # then the values are the same as from CSV
    assert (order.external_no, order.paid_amount, order.ordered_at, order.buyer.mobile, order.item_count) == (
        "2565918346414630585", Decimal("129.00"), at("2025-06-20 10:00:00"), "13812345678", 2,
    )
