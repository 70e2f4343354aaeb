"""Shared fixtures and helpers for the demo export tests: a small population, its files, CSV readers."""

import csv
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from members.demo.exports import (
    generate_population,
    write_generic_members,
    write_generic_orders,
    write_jd_orders,
    write_tmall_reports,
)

END = date(2025, 7, 1)
JD_COLUMNS = [
    "订单号", "商品ID", "商品名称", "订购数量", "支付方式", "下单时间", "京东价", "订单金额", "结算金额", "应付金额",
    "订单状态", "订单类型", "下单帐号", "客户姓名", "客户地址", "联系电话", "付款确认时间", "订单完成时间", "订单来源",
    "订单渠道",
]
AMOUNT = re.compile(r"^\d+\.\d{2}(元)?$")


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
