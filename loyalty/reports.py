"""The points liability report as tables, and its CSV / XLSX exports for finance."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from core.spreadsheet import neutralize_formula

from .selectors import Liability

SECTIONS = {
    "outstanding": "未兑付余额",
    "expiring": "未来12个月到期",
    "activity": "每月变动",
}


def tables(report: Liability) -> dict[str, list[list]]:
    """Each section as rows (the first row is the header); numbers stay numbers."""
    outstanding = [["积分类型", "账户数", "可用", "待发放", "合计未兑付", "欠款"]]
    for row in report.outstanding:
        outstanding.append([row["account_type"].name, row["accounts"], row["available"], row["pending"],
                            row["total"], row["debt"]])
    expiring = [["积分类型", *[f"{m:%Y-%m}" for m in report.months], "合计"]]
    for row in report.expiring:
        expiring.append([row["account_type"].name, *row["months"], row["total"]])
    activity = [["积分类型", "月份", "获得", "兑换(净)", "过期", "退款扣回", "手工调整(净)"]]
    for row in report.activity:
        activity.append([row["account_type"].name, f"{row['month']:%Y-%m}", row["earned"], row["redeemed"],
                         row["expired"], row["clawed_back"], row["adjusted"]])
    return {"outstanding": outstanding, "expiring": expiring, "activity": activity}


def _safe(row: list) -> list:
    return [neutralize_formula(cell) for cell in row]


def to_csv(rows: list[list]) -> bytes:
    """UTF-8 with BOM so Excel opens the Chinese headers correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(_safe(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(sections: dict[str, list[list]], *, generated: str) -> bytes:
    workbook = Workbook(write_only=True)
    for key, rows in sections.items():
        sheet = workbook.create_sheet(SECTIONS[key])
        for row in rows:
            sheet.append(_safe(row))
    info = workbook.create_sheet("说明")
    info.append(["积分负债报表"])
    info.append(["生成时间（北京时间）", generated])
    info.append(["口径", "未兑付 = 可用（正数部分）+ 待发放；到期按批次剩余和北京时间月份；变动按流水业务时间"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
