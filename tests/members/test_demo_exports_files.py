"""Demo export files as a whole: determinism, encodings, headers, CSV shape, the demo set and the CLI."""

import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bench import generate_exports
from members.demo.exports import (
    generate_population,
    write_demo_exports,
    write_jd_orders,
    write_tmall_orders,
    write_tmall_reports,
)
from members.demo.exports.plan import Plan

from .demo_export_helpers import AMOUNT, END, JD_COLUMNS, created_at, read_csv

# the shared fixtures, re-exported so that pytest finds them in this module
from .demo_export_helpers import files as files
from .demo_export_helpers import population as population

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
GENERIC_ORDER_COLUMNS = [
    "渠道", "订单编号", "会员渠道账号", "会员手机号", "会员姓名", "门店编码", "订单状态", "应付金额", "实付金额", "退款金额",
    "下单时间", "付款时间", "完成时间", "店铺名称", "SKU", "商品名称", "品类", "数量", "单价",
]
GENERIC_MEMBER_COLUMNS = [
    "渠道", "渠道账号", "姓名", "性别", "生日", "手机号", "邮箱", "省份", "城市", "区县", "地址", "门店编码", "注册时间",
    "微信UnionID", "微信OpenID", "会员卡号", "短信营销授权", "授权时间",
]
PII_COLUMNS = {"买家会员名", "收货人姓名", "收货地址", "联系手机"}


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
