"""Channel export files for benchmarks and the demo (`members.demo.exports`): formats, quirks,
determinism, cross-channel overlap and injected bad rows. Pure files: no database."""

import csv
import io
import re
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from bench import generate_exports
from members.demo.exports import (
    generate_population,
    write_demo_exports,
    write_generic_members,
    write_generic_orders,
    write_jd_orders,
    write_tmall_items,
    write_tmall_orders,
    write_tmall_reports,
)
from members.demo.exports.plan import Plan

END = date(2025, 7, 1)
ROOT = Path(__file__).resolve().parents[2]
TMALL_COLUMNS = [
    "订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "买家支付积分", "总金额", "返点积分",
    "买家实际支付金额", "买家实际支付积分", "订单状态", "买家留言", "收货人姓名", "收货地址", "运送方式", "联系电话",
    "联系手机", "订单创建时间", "订单付款时间", "宝贝标题", "宝贝种类", "物流单号", "物流公司", "订单备注", "宝贝总数量",
    "店铺Id", "店铺名称", "订单关闭原因", "卖家服务费", "买家服务费", "发票抬头", "是否手机订单", "分阶段订单信息",
    "特权订金订单id", "是否上传合同照片", "是否上传小票", "是否代付", "定金排名", "修改后的sku", "修改后的收货地址",
    "异常信息", "天猫卡券抵扣", "集分宝抵扣", "是否是O2O交易", "退款金额", "确认收货时间",
]
TMALL_ITEM_COLUMNS = ["订单编号", "标题", "价格", "购买数量", "外部系统编号", "商品属性", "套餐信息", "备注", "订单状态", "商家编码"]
JD_COLUMNS = [
    "订单号", "商品ID", "商品名称", "订购数量", "支付方式", "下单时间", "京东价", "订单金额", "结算金额", "应付金额",
    "订单状态", "订单类型", "下单帐号", "客户姓名", "客户地址", "联系电话", "付款确认时间", "订单完成时间", "订单来源",
    "订单渠道",
]
GENERIC_ORDER_COLUMNS = [
    "渠道", "订单编号", "会员渠道账号", "会员手机号", "会员姓名", "门店编码", "订单状态", "应付金额", "实付金额", "退款金额",
    "下单时间", "付款时间", "完成时间", "店铺名称", "SKU", "商品名称", "品类", "数量", "单价",
]
GENERIC_MEMBER_COLUMNS = [
    "渠道", "渠道账号", "姓名", "性别", "生日", "手机号", "邮箱", "省份", "城市", "区县", "地址", "门店编码", "注册时间",
    "微信UnionID", "微信OpenID", "会员卡号", "短信营销授权", "授权时间",
]
TMALL_STATUSES = ("等待买家付款", "买家已付款，等待卖家发货", "卖家已发货，等待买家确认", "交易成功", "交易关闭", "交易被淘宝关闭")
PII_COLUMNS = {"买家会员名", "收货人姓名", "收货地址", "联系手机"}
AMOUNT = re.compile(r"^\d+\.\d{2}(元)?$")
MOBILE = re.compile(r"1\d{10}")


def read_csv(path: Path, encoding: str = "gbk") -> tuple[list[str], list[dict[str, str]]]:
    """Header as written (spaces kept) and rows keyed by stripped header names."""
    with open(path, encoding=encoding, newline="") as file:
        reader = csv.reader(file)
        header = next(reader)
        keys = [name.strip() for name in header]
        return header, [dict(zip(keys, row, strict=True)) for row in reader]


def parses_as_date(text: str) -> bool:
    try:
        created_at(text)
    except ValueError:
        return False
    return True


def created_at(text: str) -> datetime:
    for layout in ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M"):
        try:
            return datetime.strptime(text, layout)
        except ValueError:
            continue
    raise ValueError(text)


def full_mobiles(text: str) -> set[str]:
    digits = re.sub(r"\D", "", text)
    return {digits[-11:]} if "*" not in text and MOBILE.fullmatch(digits[-11:] or "") and len(set(digits)) > 2 else set()


@pytest.fixture(scope="module")
def population():
    return generate_population(7, 1200, end_date=END, tmall_buyers=600, jd_buyers=400, jd_shared=0.3,
                               pos_members=300, wechat_members=400)


@pytest.fixture(scope="module")
def files(population, tmp_path_factory):
    folder = tmp_path_factory.mktemp("exports")
    orders, items = write_tmall_reports(folder / "ExportOrderList.csv", folder / "ExportOrderDetailList.csv",
                                        population, 2000)
    return {
        "tmall": orders, "items": items,
        "jd": write_jd_orders(folder / "jd.csv", population, 1500),
        "pos": write_generic_orders(folder / "pos.csv", population, 1000),
        "members": write_generic_members(folder / "members.csv", population),
    }


# --- determinism ---------------------------------------------------------------------------------

def test_the_same_seed_writes_byte_identical_files(tmp_path):
    # given two runs with the same arguments
    first = write_demo_exports(tmp_path / "a", people=120, seed=5, end_date=END)
    second = write_demo_exports(tmp_path / "b", people=120, seed=5, end_date=END)
    # then every file is the same, byte for byte
    assert [(key, kind, path.name) for key, kind, path in first] == [(k, kd, p.name) for k, kd, p in second]
    for (_, _, a), (_, _, b) in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()


def test_another_seed_writes_other_files(tmp_path):
    # when the seed changes
    first = write_demo_exports(tmp_path / "a", people=120, seed=5, end_date=END)
    second = write_demo_exports(tmp_path / "b", people=120, seed=6, end_date=END)
    # then the files differ
    assert all(a.read_bytes() != b.read_bytes() for (_, _, a), (_, _, b) in zip(first, second, strict=True))


def test_parallel_workers_write_the_same_bytes_as_one_process(population, tmp_path, monkeypatch):
    # given small blocks, so a few hundred orders make several blocks
    monkeypatch.setattr(Plan, "block_size", 150)
    # when the same files are written by one process and by three
    one = write_tmall_reports(tmp_path / "o1.csv", tmp_path / "i1.csv", population, 700, jobs=1)
    three = write_tmall_reports(tmp_path / "o3.csv", tmp_path / "i3.csv", population, 700, jobs=3)
    jd_one = write_jd_orders(tmp_path / "jd1.csv", population, 500, jobs=1)
    jd_three = write_jd_orders(tmp_path / "jd3.csv", population, 500, jobs=3)
    # then they are identical and no part files are left behind
    for a, b in [*zip(one, three, strict=True), (jd_one, jd_three)]:
        assert a.path.read_bytes() == b.path.read_bytes()
        assert (a.rows, a.orders) == (b.rows, b.orders)
    assert not list(tmp_path.glob("*.part*"))


def test_a_person_does_not_depend_on_the_population_size():
    # when two populations of different sizes come from one seed
    small = generate_population(3, 50, end_date=END)
    large = generate_population(3, 200, end_date=END)
    # then their first people are the same
    assert [(p.name, p.mobile, p.street) for p in small.people] == [(p.name, p.mobile, p.street) for p in large.people[:50]]


def test_the_generator_imports_without_django():
    # when the library is imported in a fresh interpreter
    code = "import sys, members.demo.exports; assert not [m for m in sys.modules if m.startswith('django')]"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    # then no part of Django was loaded
    assert result.returncode == 0, result.stderr


# --- encodings, headers, CSV shape -------------------------------------------------------------------

@pytest.mark.parametrize("name", ["tmall", "items", "jd"])
def test_channel_files_are_gbk_with_crlf_lines(files, name):
    # given a Tmall or JD file
    data = files[name].path.read_bytes()
    # then it decodes as strict GBK, has no BOM and every line ends with CRLF
    text = data.decode("gbk")
    assert not text.startswith("\ufeff")
    assert text.count("\n") == text.count("\r\n") == files[name].rows + 1


@pytest.mark.parametrize("name", ["pos", "members"])
def test_generic_files_are_utf8_with_a_bom(files, name):
    # then the generic templates open in Excel as UTF-8
    data = files[name].path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").count("\r\n") == files[name].rows + 1


def test_tmall_order_report_header_has_the_seller_centre_columns_and_trailing_spaces(files):
    # when the header row is read as written
    header, _ = read_csv(files["tmall"].path)
    # then it has every column in order, some names with a trailing space as Tmall writes them
    assert [name.strip() for name in header] == TMALL_COLUMNS
    assert "订单编号 " in header and "收货地址 " in header and "订单付款时间 " in header
    assert "买家会员名" in header  # most names have no space


@pytest.mark.parametrize(
    ("name", "encoding", "columns"),
    [("items", "gbk", TMALL_ITEM_COLUMNS), ("jd", "gbk", JD_COLUMNS), ("pos", "utf-8-sig", GENERIC_ORDER_COLUMNS),
     ("members", "utf-8-sig", GENERIC_MEMBER_COLUMNS)],
)
def test_other_headers_are_as_specified(files, name, encoding, columns):
    header, _ = read_csv(files[name].path, encoding)
    assert header == columns


@pytest.mark.parametrize(("name", "encoding"), [("tmall", "gbk"), ("items", "gbk"), ("jd", "gbk"),
                                                ("pos", "utf-8-sig"), ("members", "utf-8-sig")])
def test_every_row_has_one_value_per_column(files, name, encoding):
    # when the file is parsed as CSV (read_csv insists on as many values as header names)
    _, rows = read_csv(files[name].path, encoding)
    # then the summary counted the same rows
    assert len(rows) == files[name].rows


def test_drop_pii_leaves_the_buyer_columns_out(population, tmp_path):
    # when the report is written without PII
    summary = write_tmall_orders(tmp_path / "ExportOrderList.csv", population, 300, drop_pii=True)
    header, rows = read_csv(summary.path)
    # then the four PII columns are gone and the rest are still there, filled
    assert {name.strip() for name in header} == set(TMALL_COLUMNS) - PII_COLUMNS
    assert all(row["订单编号"].startswith('="') and AMOUNT.match(row["买家应付货款"]) for row in rows)
    text = summary.path.read_text("gbk")
    buyers = [population.people[i] for i in population.tmall]
    assert not [p for p in buyers if p.mobile in text or p.tmall_nick in text or p.street in text]


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


# --- demo set and CLI ----------------------------------------------------------------------------

def test_demo_exports_are_a_small_consistent_set(tmp_path):
    # when the demo set is written
    written = write_demo_exports(tmp_path, people=300, seed=42, end_date=END)
    # then it names each file's import format and kind (the importer's keys), members first and
    # the Tmall item report after its orders
    assert [(key, kind) for key, kind, _ in written] == [
        ("generic", "members"), ("tmall", "orders"), ("tmall_items", "orders"), ("jd", "orders"), ("generic", "orders"),
    ]
    names = [path.name for _, _, path in written]
    assert names[1:3] == ["ExportOrderList202507010800.csv", "ExportOrderDetailList202507010800.csv"]
    # and the files hold a few hundred rows over the two years before the end date
    _, orders = read_csv(tmp_path / names[1])
    created = sorted(created_at(row["订单创建时间"]) for row in orders)
    assert 200 < len(orders) < 1500
    assert date(2023, 7, 1) <= created[0].date() and created[-1].date() < END


def test_population_too_small_for_the_channels_is_refused():
    with pytest.raises(ValueError, match="use at least 1700"):
        generate_population(1, 1000, end_date=END, tmall_buyers=1000, jd_buyers=1000, jd_shared=0.3)


def test_the_cli_writes_the_files_and_reports_them(tmp_path, capsys):
    # when the bench script runs with tiny sizes
    code = generate_exports.main([
        "--out", str(tmp_path), "--tmall-rows", "300", "--tmall-buyers", "100", "--jd-rows", "200",
        "--pos-rows", "100", "--wechat-members", "50", "--seed", "3",
    ])
    # then it writes five files and prints their rows, sizes and the time taken
    out = capsys.readouterr().out
    assert code == 0
    assert len(list(tmp_path.glob("*.csv"))) == 5
    assert "rows=300" in out and "rows=200" in out and "total" in out and "MB" in out
    assert "ExportOrderList20250701" in out
    assert io.StringIO(out).readline().startswith("population")
