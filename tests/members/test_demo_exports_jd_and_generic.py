"""JD order reports, the generic POS order and member templates, cross-channel overlap and their bad rows."""

import re
from collections import Counter

import pytest

from members.demo.exports import (
    generate_population,
    write_generic_members,
    write_jd_orders,
    write_tmall_orders,
)

from .demo_export_helpers import AMOUNT, END, JD_COLUMNS, parses_as_date, read_csv

# the shared fixtures, re-exported so that pytest finds them in this module
from .demo_export_helpers import files as files
from .demo_export_helpers import population as population

MOBILE = re.compile(r"1\d{10}")


def full_mobiles(text: str) -> set[str]:
    digits = re.sub(r"\D", "", text)
    return {digits[-11:]} if "*" not in text and MOBILE.fullmatch(digits[-11:] or "") and len(set(digits)) > 2 else set()


# --- JD ------------------------------------------------------------------------------------------

def test_jd_rows_of_one_order_are_consecutive_and_repeat_the_order_columns(files):
    _, rows = read_csv(files["jd"].path)
    order_columns = [c for c in JD_COLUMNS if c not in ("商品ID", "商品名称", "订购数量", "京东价")]
    runs = []
    for row in rows:
        if not runs or runs[-1][0]["订单号"] != row["订单号"]:
            runs.append([])
        runs[-1].append(row)
    # then every order number makes exactly one run of rows, with the same order-level values
    numbers = [run[0]["订单号"] for run in runs]
    assert len(set(numbers)) == len(numbers) == files["jd"].orders
    assert len(rows) == 1500 and any(len(run) > 1 for run in runs)
    for run in runs:
        assert all([r[c] for c in order_columns] == [run[0][c] for c in order_columns] for r in run)
        # 订单金额 is the list price of the order's rows
        listed = sum(round(float(r["京东价"]) * 100) * int(r["订购数量"]) for r in run)
        assert listed == round(float(run[0]["订单金额"]) * 100)
    assert all(re.fullmatch(r"\d{12}", n) for n in numbers)


def test_jd_statuses_phones_and_deleted_orders(files):
    _, rows = read_csv(files["jd"].path)
    statuses = Counter(row["订单状态"].removeprefix("(删除)") for row in rows)
    assert set(statuses) <= {"等待付款", "等待出库", "等待确认收货", "完成", "已取消", "锁定"}
    assert statuses["完成"] > 0.6 * len(rows) and statuses["已取消"] > 0
    assert any(row["订单状态"].startswith("(删除)") for row in rows)
    phones = Counter("full" if MOBILE.fullmatch(p) else "masked" if "****" in p else "other"
                     for p in (row["联系电话"] for row in rows))
    assert phones["full"] > 0.75 * len(rows) and phones["masked"] > 0.03 * len(rows)


@pytest.mark.parametrize("shared", [0.3, 0.6, 0.0])
def test_the_share_of_jd_buyers_also_on_tmall_follows_jd_shared_by_mobile(shared, tmp_path):
    # given 1,000 JD buyers of whom `shared` are Tmall buyers too
    population = generate_population(11, 3000, end_date=END, tmall_buyers=2000, jd_buyers=1000, jd_shared=shared,
                                     pos_members=0, wechat_members=0)
    tmall = write_tmall_orders(tmp_path / "t.csv", population, 6000)
    jd = write_jd_orders(tmp_path / "j.csv", population, 3000)
    # when JD accounts are matched to Tmall orders by the full mobiles they show
    tmall_mobiles = set().union(*(full_mobiles(row["联系手机"]) for row in read_csv(tmall.path)[1]))
    jd_mobiles: dict[str, set[str]] = {}
    for row in read_csv(jd.path)[1]:
        jd_mobiles.setdefault(row["下单帐号"], set()).update(full_mobiles(row["联系电话"]))
    linked = sum(bool(mobiles & tmall_mobiles) for mobiles in jd_mobiles.values())
    # then roughly `shared` of the JD buyers are found (a few only ever show a masked number on Tmall)
    assert len(jd_mobiles) == 1000
    assert shared * 0.8 - 0.01 <= linked / len(jd_mobiles) <= shared + 0.01
    assert population.overlap("tmall", "jd") == round(1000 * shared)


# --- generic files -------------------------------------------------------------------------------

def test_pos_orders_use_our_labels_and_member_cards(files, population):
    _, rows = read_csv(files["pos"].path, "utf-8-sig")
    cards = {population.people[i].pos_card for i in population.pos}
    assert {row["渠道"] for row in rows} == {"pos"}
    assert {row["订单状态"] for row in rows} == {"已完成", "已退款", "部分退款"}
    assert Counter(row["订单状态"] for row in rows)["已完成"] > 0.8 * len(rows)
    assert all(row["会员渠道账号"] in cards for row in rows)
    assert all(parses_as_date(row["下单时间"]) and AMOUNT.match(row["实付金额"]) for row in rows)


def test_wechat_members_carry_ids_and_optional_consent(files, population):
    _, rows = read_csv(files["members"].path, "utf-8-sig")
    assert len(rows) == len(population.wechat)
    assert all(row["渠道"] == "wechat_mp" and row["微信OpenID"] == row["渠道账号"] != "" for row in rows)
    assert {row["短信营销授权"] for row in rows} == {"是", "否", ""}
    assert all(bool(row["授权时间"]) == bool(row["短信营销授权"]) for row in rows)
    assert all(row["手机号"] for row in rows if row["短信营销授权"])
    # a share of the members never authorized their phone number
    assert 0.2 < sum(not row["手机号"] for row in rows) / len(rows) < 0.5


def test_pos_members_can_be_written_in_the_member_template(population, tmp_path):
    summary = write_generic_members(tmp_path / "pos_members.csv", population, channel="pos")
    _, rows = read_csv(summary.path, "utf-8-sig")
    assert len(rows) == len(population.pos)
    assert all(row["渠道"] == "pos" and row["会员卡号"] == row["渠道账号"] and row["门店编码"] for row in rows)


# --- bad rows ------------------------------------------------------------------------------------

def test_bad_jd_orders_break_all_their_rows(population, tmp_path):
    # when 5 % of the JD orders are asked to be bad
    summary = write_jd_orders(tmp_path / "j.csv", population, 800, bad_rate=0.05)
    _, rows = read_csv(summary.path)
    found = {}
    for number, row in enumerate(rows, start=2):
        if not row["订单号"]:
            found[number] = "order_no"
        elif not AMOUNT.match(row["应付金额"]):
            found[number] = "amount"
        elif not parses_as_date(row["下单时间"]):
            found[number] = "date"
    # then the broken rows are the summary's, and they belong to round(5 % of the orders) orders
    assert found == summary.bad_rows
    orders = {rows[number - 2]["订单号"] for number, fault in found.items() if fault != "order_no"}
    blank_runs = [n for n, fault in found.items() if fault == "order_no" and found.get(n - 1) != "order_no"]
    assert len(orders) + len(blank_runs) == round(summary.orders * 0.05)
    assert set(found.values()) == {"amount", "date", "order_no"}


def test_bad_member_rows_have_a_bad_date_or_nothing_that_identifies_the_member(population, tmp_path):
    summary = write_generic_members(tmp_path / "m.csv", population, bad_rate=0.05)
    _, rows = read_csv(summary.path, "utf-8-sig")
    identity = ("渠道账号", "手机号", "邮箱", "微信UnionID", "微信OpenID", "会员卡号")
    found = {number: "account" if not any(row[c] for c in identity) else "date"
             for number, row in enumerate(rows, start=2)
             if not any(row[c] for c in identity) or not parses_as_date(row["注册时间"])}
    assert found == summary.bad_rows
    assert len(found) == round(len(population.wechat) * 0.05)
