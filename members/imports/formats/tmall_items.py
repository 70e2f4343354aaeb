"""Tmall item report (ExportOrderDetailList*.csv): one row per item of an order."""

from collections.abc import Iterator

from members.models.choices import Channel

from ..rows import Column, HeaderMatch, ItemRow, LineRow
from . import limits, values
from .base import ImportFormat, ParsedRow, TableRows
from .values import MissingValue, ValueProblem

TMALL = Channel.TMALL.value


class TmallItemsFormat(ImportFormat):
    key = "tmall_items"
    label = "天猫/淘宝宝贝报表（ExportOrderDetailList）"
    kind = "order_lines"
    channel = TMALL
    columns = [
        Column("order_no", "订单编号", aliases=("主订单编号",), required=True),
        Column("title", "标题", aliases=("宝贝标题", "商品标题"), required=True),
        Column("price", "价格", aliases=("单价",), required=True),
        Column("quantity", "购买数量", aliases=("数量",), required=True),
        Column("external_code", "外部系统编号"),
        Column("attributes", "商品属性"),
        Column("package", "套餐信息"),
        Column("note", "备注"),
        Column("status", "订单状态"),
        Column("merchant_code", "商家编码"),
    ]
    parsers = {
        "order_no": values.order_number,
        "title": limits.TITLE,
        "price": values.amount,
        "quantity": values.quantity,
        "external_code": limits.SKU,
        "merchant_code": limits.SKU,
    }
    ignored = ("子订单编号", "退款状态", "联系方式", "联系方式备注", "分类", "商品属性备注", "主订单状态")

    def parse(self, rows: TableRows, match: HeaderMatch) -> Iterator[ParsedRow]:
        h = match.columns
        h_no, h_title, h_price, h_quantity = h["order_no"], h["title"], h["price"], h["quantity"]
        h_code, h_external, h_status = h.get("merchant_code"), h.get("external_code"), h.get("status")
        lines_seen: dict[str, int] = {}  # per order across the file: a later repeat continues the count
        for number, row in rows:
            get = row.get
            try:
                external_no = values.order_number(row[h_no])
            except ValueProblem as problem:
                yield from self.row_errors(number, row, match, problem.reason)
                continue
            # A bad row still takes its place, so fixing it later leaves its neighbours' numbers alone.
            line_no = lines_seen[external_no] = lines_seen.get(external_no, 0) + 1
            cut: list[str] = []
            try:
                title = limits.TITLE.fit(values.text(row[h_title]), cut)
                price = values.amount(row[h_price])
                quantity = values.quantity(row[h_quantity])
                sku = limits.SKU(get(h_code, "")) or limits.SKU(get(h_external, ""))
                if not title or price is None or quantity is None:
                    raise MissingValue("")
            except ValueProblem as problem:
                yield from self.row_errors(number, row, match, problem.reason)
                continue
            line = LineRow(line_no=line_no, sku=sku, title=title, quantity=quantity, price=price)
            yield ItemRow(number, TMALL, external_no, line, values.text(get(h_status, ""))[:limits.RAW_STATUS], cut)
