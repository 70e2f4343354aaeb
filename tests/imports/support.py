"""Helpers for the import tests: files built from text, parsed with a format."""

from __future__ import annotations

import io
from pathlib import Path

from members.imports.formats import get_format, parse_table
from members.imports.readers import open_table
from members.imports.rows import ItemRow, MemberRow, OrderRow, RowError
from members.imports.table import Table

SAMPLES = Path(__file__).parent / "samples"

TMALL_HEADER = [
    "订单编号", "买家会员名", "买家应付货款", "买家实际支付金额", "订单状态", "收货人姓名", "收货地址", "联系手机",
    "订单创建时间", "订单付款时间", "宝贝总数量", "店铺名称", "订单关闭原因", "退款金额", "确认收货时间",
]
TMALL_DEFAULTS = {
    "订单编号": '="2565918346414630585"', "买家会员名": "tb_lee", "买家应付货款": "129.00", "买家实际支付金额": "129.00",
    "订单状态": "交易成功", "收货人姓名": "李雷", "收货地址": "上海 上海市 浦东新区 张江路88弄3号楼1201室(200120)",
    "联系手机": "'13812345678", "订单创建时间": "2025-06-20 10:00:00", "订单付款时间": "2025-06-20 10:01:30",
    "宝贝总数量": "1", "店铺名称": "栖澜官方旗舰店", "订单关闭原因": "订单未关闭", "退款金额": "0.00",
    "确认收货时间": "2025-06-25 09:00:00",
}
JD_HEADER = [
    "订单号", "商品ID", "商品名称", "订购数量", "支付方式", "下单时间", "京东价", "订单金额", "结算金额", "应付金额",
    "订单状态", "订单类型", "下单帐号", "客户姓名", "客户地址", "联系电话", "付款确认时间", "订单完成时间", "订单来源",
    "订单渠道",
]
JD_DEFAULTS = {
    "订单号": "314435234762", "商品ID": "100012345678", "商品名称": "氨基酸洁面乳 120g", "订购数量": "1",
    "支付方式": "在线支付", "下单时间": "2025-06-20 10:00:00", "京东价": "129.00", "订单金额": "129.00",
    "结算金额": "129.00", "应付金额": "129.00", "订单状态": "已完成", "订单类型": "普通订单", "下单帐号": "jd_hanmeimei",
    "客户姓名": "韩梅梅", "客户地址": "北京市朝阳区建国路1号", "联系电话": "13912345678",
    "付款确认时间": "2025-06-20 10:01:00", "订单完成时间": "2025-06-24 18:00:00", "订单来源": "京东商城",
    "订单渠道": "APP",
}
GENERIC_ORDER_DEFAULTS = {
    "渠道": "pos", "订单编号": "POS0001", "会员渠道账号": "8800123456", "会员手机号": "13812345678",
    "会员姓名": "张三", "门店编码": "SH001", "订单状态": "已完成", "应付金额": "299.00", "实付金额": "269.00",
    "退款金额": "", "下单时间": "2025-01-31 13:45:00", "付款时间": "2025-01-31 13:46:00",
    "完成时间": "2025-01-31 13:46:00", "店铺名称": "上海南京西路店", "SKU": "TS-001", "商品名称": "纯棉T恤",
    "品类": "服装", "数量": "1", "单价": "269.00",
}
GENERIC_MEMBER_DEFAULTS = {
    "渠道": "pos", "渠道账号": "8800123456", "姓名": "张三", "手机号": "13812345678", "注册时间": "2024-01-31 13:45:00",
}


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    """CSV text as the platforms write it: comma-separated, CRLF, quoting only where needed."""
    def cell(value: str) -> str:
        return f'"{value}"' if "," in value or "\n" in value else value

    return "".join(",".join(cell(value) for value in line) + "\r\n" for line in [header, *rows])


def rows_from(defaults: dict[str, str], *overrides: dict[str, str], header: list[str] | None = None) -> str:
    """CSV of one row per override dict, every other cell from `defaults`; None drops a column."""
    names = header or list(dict.fromkeys([*defaults, *(name for o in overrides for name in o)]))
    header = [name for name in names if all(o.get(name, "") is not None for o in overrides)]
    return csv_text(header, [[{**defaults, **o}.get(name) or "" for name in header] for o in overrides])


def table_of(content: str | bytes, *, encoding: str = "utf-8", filename: str = "data.csv") -> Table:
    data = content.encode(encoding) if isinstance(content, str) else content
    return open_table(io.BytesIO(data), filename=filename)


def parse(key: str, content: str | bytes, *, kind: str = "orders", encoding: str = "utf-8",
          filename: str = "data.csv", **format_options) -> list[OrderRow | ItemRow | MemberRow | RowError]:
    """Every item the format yields for the file's content."""
    fmt = get_format(key, kind, **format_options)
    with table_of(content, encoding=encoding, filename=filename) as table:
        _, items = parse_table(table, fmt)
        return list(items)


def parse_file(key: str, path: Path, *, kind: str = "orders") -> list:
    with open_table(path, filename=path.name) as table:
        _, items = parse_table(table, get_format(key, kind))
        return list(items)


def errors(items: list) -> list[RowError]:
    return [item for item in items if isinstance(item, RowError)]


def parsed(items: list) -> list:
    """The items that are not errors."""
    return [item for item in items if not isinstance(item, RowError)]


def single(items: list):
    """The one parsed item, failing loudly on errors or extras."""
    assert not errors(items), errors(items)
    (item,) = items
    return item
