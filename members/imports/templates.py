"""Downloadable template files for our own (generic) import formats: CSV or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from .formats import get_format
from .formats.base import ImportFormat
from .rows import ImportFileError

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_KIND_NOTES = {
    "orders": "每行一件商品；同一订单的多件商品写在相邻的多行，渠道和订单编号相同，订单级的列以第一行为准。",
    "members": "每行一个渠道账号；同一个人在不同渠道的账号可以分行填写，系统按手机号、各平台ID自动合并。",
}
_GENERAL_NOTES = (
    "第一行是列名，请勿修改列名；不需要的可选列可以删除，列的顺序不限。",
    "时间写成 2024-01-31 13:45:00 或 2024/1/31 13:45；金额单位为元，最多两位小数。",
    "CSV 请保存为 UTF-8 或 GBK 编码；用 Excel 编辑时，长数字（订单编号、卡号）请设为文本格式，以免变成科学计数法。",
)


def template_file(
    format_key: str, kind: str, file_type: str, *, attribute_columns: Mapping[str, str] | None = None
) -> tuple[str, bytes, str]:
    """(filename, content, content type) of the template for a generic format.

    `attribute_columns` (header → custom attribute key) adds the brand's custom member
    attributes as extra columns.
    """
    fmt = get_format(format_key, kind, attribute_columns=attribute_columns)
    if not fmt.examples:
        raise ImportFileError(f"“{fmt.label}”请直接上传平台导出的原始文件，没有可下载的模板。")
    if file_type == "csv":
        return f"{fmt.label}.csv", _csv_bytes(fmt), CSV_TYPE
    if file_type == "xlsx":
        return f"{fmt.label}.xlsx", _xlsx_bytes(fmt, kind), XLSX_TYPE
    raise ImportFileError(f"不支持的模板文件类型“{file_type}”，可选 csv 或 xlsx。")


def _header_and_example(fmt: ImportFormat) -> tuple[list[str], list[str]]:
    return [column.label for column in fmt.columns], [fmt.examples.get(column.key, "") for column in fmt.columns]


def _csv_bytes(fmt: ImportFormat) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(_header_and_example(fmt))
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read it as UTF-8


def _xlsx_bytes(fmt: ImportFormat, kind: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFE699")
    book = Workbook()
    data = book.active
    data.title = "导入数据"
    header, example = _header_and_example(fmt)
    data.append(header)
    data.append(example)
    for index, column in enumerate(fmt.columns, start=1):
        cell = data.cell(row=1, column=index)
        cell.font = bold
        if column.required:
            cell.fill = required_fill
        letter = cell.column_letter
        data.column_dimensions[letter].width = max(12, len(column.label) * 2 + 4)
        # Text format for the whole column keeps Excel from turning long numbers into 1.23E+17.
        data.column_dimensions[letter].number_format = "@"
        data.cell(row=2, column=index).number_format = "@"
    data.freeze_panes = "A2"

    guide = book.create_sheet("说明")
    guide.append(["列名", "是否必填", "说明", "示例"])
    for cell in guide[1]:
        cell.font = bold
    for column in fmt.columns:
        guide.append([column.label, "必填" if column.required else "选填", column.help, fmt.examples.get(column.key, "")])
    guide.append([])
    for note in (_KIND_NOTES.get(kind, ""), *_GENERAL_NOTES):
        if note:
            guide.append([note])
    for letter, width in (("A", 16), ("B", 10), ("C", 70), ("D", 24)):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=2, min_col=3, max_col=3):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
