"""Tmall order and item reports: order numbers, export quirks, statuses, buyers, items and bad rows."""

import re
from collections import Counter
from datetime import date

from members.demo.exports import generate_population, write_tmall_items, write_tmall_orders

from .demo_export_helpers import AMOUNT, END, parses_as_date, read_csv

# the shared fixtures, re-exported so that pytest finds them in this module
from .demo_export_helpers import files as files
from .demo_export_helpers import population as population

TMALL_STATUSES = ("等待买家付款", "买家已付款，等待卖家发货", "卖家已发货，等待买家确认", "交易成功", "交易关闭", "交易被淘宝关闭")


# --- Tmall values --------------------------------------------------------------------------------

def test_tmall_order_numbers_are_unique_excel_formulas_of_18_or_19_digits(files):
    _, rows = read_csv(files["tmall"].path)
    numbers = [row["订单编号"] for row in rows]
    assert all(re.fullmatch(r'="\d{18,19}"', n) for n in numbers)
    assert len(set(numbers)) == len(numbers) == 2000


def test_tmall_values_carry_the_export_quirks(files):
    # given the order report
    _, rows = read_csv(files["tmall"].path)
    phones = Counter(
        "apostrophe" if re.fullmatch(r"'1\d{10}", p) else "masked" if re.fullmatch(r"1\d{2}\*{4}\d{4}", p)
        else "empty" if not p else "junk" for p in (row["联系手机"] for row in rows)
    )
    # then mobiles mostly carry the apostrophe, some are masked, a few empty or junk
    assert phones["apostrophe"] > 0.7 * len(rows)
    assert phones["masked"] > 0.05 * len(rows)
    assert 0 < phones["empty"] < 0.05 * len(rows) and 0 < phones["junk"] < 0.03 * len(rows)
    # and ~5 % of rows have Excel re-save dates, a few amounts a 元 suffix, every date and amount parses
    excel = sum(bool(re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}", row["订单创建时间"])) for row in rows)
    assert 0.02 * len(rows) < excel < 0.09 * len(rows)
    assert 0 < sum(row["买家应付货款"].endswith("元") for row in rows) < 0.08 * len(rows)
    assert all(parses_as_date(row["订单创建时间"]) for row in rows)
    assert all(AMOUNT.match(row[c]) for row in rows for c in ("买家应付货款", "买家实际支付金额", "退款金额"))
    # and addresses read province, city, district, street (postcode)
    assert all(re.fullmatch(r"\S+ \S+市 \S+ \S+\(\d{6}\)", row["收货地址"]) for row in rows)


def test_tmall_statuses_have_realistic_shares_and_consistent_amounts(files):
    _, rows = read_csv(files["tmall"].path)
    statuses = Counter(row["订单状态"] for row in rows)
    amount = lambda row, column: float(row[column].removesuffix("元"))  # noqa: E731
    # then most orders succeed and some are closed
    assert statuses["交易成功"] > 0.7 * len(rows)
    assert 0.05 * len(rows) < statuses["交易关闭"] + statuses["交易被淘宝关闭"] < 0.2 * len(rows)
    assert set(statuses) <= set(TMALL_STATUSES)
    for row in rows:
        closed = row["订单状态"] in ("交易关闭", "交易被淘宝关闭")
        # closed orders say why; open ones say 订单未关闭
        assert (row["订单关闭原因"] != "订单未关闭") == closed
        # a never-paid order has no payment time and paid nothing; a full refund returns what was paid
        if not row["订单付款时间"]:
            assert amount(row, "买家实际支付金额") == 0 and row["订单状态"] in ("等待买家付款", "交易关闭", "交易被淘宝关闭")
        elif row["订单状态"] == "交易关闭":
            assert amount(row, "退款金额") == amount(row, "买家实际支付金额") > 0
        assert amount(row, "退款金额") <= amount(row, "买家实际支付金额")
        assert bool(row["确认收货时间"]) == (row["订单状态"] == "交易成功")
    partial = [r for r in rows if r["订单状态"] == "交易成功" and amount(r, "退款金额") > 0]
    assert 0.02 * len(rows) < len(partial) < 0.12 * len(rows)


def test_recent_tmall_orders_are_still_waiting_for_payment_shipping_or_confirmation(tmp_path):
    # given orders over the last ten days only
    population = generate_population(2, 300, end_date=END, start_date=date(2025, 6, 21), tmall_buyers=300,
                                     jd_buyers=0, pos_members=0, wechat_members=0)
    # when the report is written
    _, rows = read_csv(write_tmall_orders(tmp_path / "t.csv", population, 1500).path)
    statuses = Counter(row["订单状态"] for row in rows)
    # then every status occurs, the open ones among the newest orders
    assert set(statuses) == set(TMALL_STATUSES)
    assert statuses["卖家已发货，等待买家确认"] > statuses["买家已付款，等待卖家发货"] > 0


def test_a_tmall_buyer_orders_several_times_and_mostly_keeps_one_mobile(files):
    _, rows = read_csv(files["tmall"].path)
    by_nick: dict[str, list[str]] = {}
    for row in rows:
        by_nick.setdefault(row["买家会员名"], []).append(row["联系手机"])
    # then 600 buyers share the 2,000 orders and a repeat buyer's phone is mostly the same value
    assert len(by_nick) == 600
    repeat = [phones for phones in by_nick.values() if len(phones) >= 3]
    steady = [Counter(phones).most_common(1)[0][1] / len(phones) >= 0.6 for phones in repeat]
    assert sum(steady) > 0.9 * len(repeat)


def test_tmall_items_are_the_lines_of_the_orders_in_the_order_report(files):
    _, orders = read_csv(files["tmall"].path)
    _, items = read_csv(files["items"].path)
    quantities = Counter()
    for item in items:
        quantities[item["订单编号"]] += int(item["购买数量"])
    # then every item row belongs to a reported order and the quantities add up to 宝贝总数量
    assert {item["订单编号"] for item in items} == {order["订单编号"] for order in orders}
    assert all(quantities[order["订单编号"]] == int(order["宝贝总数量"]) for order in orders)
    assert all(re.fullmatch(r"QL-[A-Z]{2}-\d{3}", item["商家编码"]) for item in items)


def test_the_item_report_alone_matches_the_one_written_with_the_orders(files, population, tmp_path):
    # when only the item report is written with the same arguments
    alone = write_tmall_items(tmp_path / "items.csv", population, 2000)
    # then it is the same file
    assert alone.path.read_bytes() == files["items"].path.read_bytes()


# --- bad rows ------------------------------------------------------------------------------------

def tmall_faults(row: dict[str, str]) -> str | None:
    if not row["订单编号"]:
        return "order_no"
    if not AMOUNT.match(row["买家实际支付金额"]):
        return "amount"
    if not parses_as_date(row["订单创建时间"]):
        return "date"
    return None


def test_bad_row_injection_breaks_exactly_the_asked_number_of_tmall_rows(population, tmp_path):
    # when 3 % of 1,000 rows are asked to be bad
    summary = write_tmall_orders(tmp_path / "t.csv", population, 1000, bad_rate=0.03)
    _, rows = read_csv(summary.path)
    found = {number: fault for number, row in enumerate(rows, start=2) if (fault := tmall_faults(row))}
    # then exactly 30 rows are broken, the ones the summary names, with all three kinds of fault
    assert found == summary.bad_rows
    assert len(found) == 30
    assert set(found.values()) == {"amount", "date", "order_no"}


def test_without_a_bad_rate_no_row_is_broken(files):
    _, rows = read_csv(files["tmall"].path)
    assert files["tmall"].bad_rows == {}
    assert not [row for row in rows if tmall_faults(row)]
