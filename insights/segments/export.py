"""Export a segment's members (CSV or XLSX) with the columns the user picks.

An export freezes the segment first (a snapshot with purpose 导出), so the file, its row count and the
audit row (SegmentExport: who, when, which segment, how many rows, which columns, whether phones were
shown) all describe the same members. Phones are masked unless the user holds members.reveal_phone;
names and other text are masked for contacts inside them the same way; every text cell that a
spreadsheet would run as a formula is neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from openpyxl import Workbook

from core.spreadsheet import neutralize_formula
from members.cleaning import mask_mobile
from members.masking import mask_text, may_reveal
from members.models import Channel, Gender, Member

from ..errors import InsightsError
from ..models import MemberValue, Segment, SegmentExport, SnapshotMember, ValueModel
from ..scoring import scorer_for
from .services import take_snapshot

XLSX_MAX_ROWS = 200_000  # an in-memory workbook beyond this is better served as CSV
CHUNK = 5_000


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    source: object  # a values() lookup or an expression


BASE_COLUMNS = (
    Column("code", "会员编号", F("code")),
    Column("name", "姓名", F("name")),
    Column("mobile", "手机号", F("mobile")),
    Column("gender", "性别", F("gender")),
    Column("birthday", "生日", F("birthday")),
    Column("province", "省份", F("province")),
    Column("city", "城市", F("city")),
    Column("registered_channel", "注册渠道", F("registered_channel")),
    Column("home_store", "归属门店", F("home_store__name")),
    Column("orders_365d", "近365天订单数", F("metrics__orders_365d")),
    Column("paid_365d", "近365天实付净额", F("metrics__paid_365d")),
    Column("paid_total", "累计实付净额", F("metrics__paid_total")),
    Column("last_order_date", "末单日期", F("metrics__last_order_date")),
)
DEFAULT_COLUMNS = ("code", "name", "mobile", "gender", "city", "orders_365d", "paid_365d", "last_order_date")
_LABELS = {"gender": dict(Gender.choices), "registered_channel": dict(Channel.choices)}


def available_columns() -> list[Column]:
    """The base columns plus each active value model's tier (列 "tier.<model code>")."""
    tiers = [Column(f"tier.{m.code}", f"{m.name}分层",
                    Subquery(MemberValue.objects.filter(model=m, member=OuterRef("pk")).values("tier")[:1]))
             for m in ValueModel.objects.filter(active=True).order_by("code")]
    return [*BASE_COLUMNS, *tiers]


def _tier_names() -> dict[str, dict[str, str]]:
    return {f"tier.{m.code}": {t.code: t.name for t in scorer_for(m.kind).tiers(m.config)}
            for m in ValueModel.objects.filter(active=True)}


def chosen_columns(keys) -> list[Column]:
    by_key = {c.key: c for c in available_columns()}
    unknown = [k for k in keys if k not in by_key]
    if unknown:
        raise InsightsError(f"没有这些导出列：{'、'.join(unknown)}；可选：{'、'.join(by_key)}")
    if not keys:
        raise InsightsError("请至少选择一列。")
    return [by_key[k] for k in keys]


@dataclass(frozen=True)
class ExportFile:
    audit: SegmentExport
    rows: Iterator[list]  # the header first
    filename: str


def export_segment(segment: Segment, *, user, columns: list[str], file_format: str) -> ExportFile:
    if file_format not in ("csv", "xlsx"):
        raise InsightsError("只支持 csv 或 xlsx 格式。")
    picked = chosen_columns(columns)
    reveal = may_reveal(user)
    with transaction.atomic():
        snapshot = take_snapshot(segment, purpose="导出", user=user)
        if file_format == "xlsx" and snapshot.members > XLSX_MAX_ROWS:
            raise InsightsError(f"该人群有 {snapshot.members:,} 人，超过 XLSX 上限 {XLSX_MAX_ROWS:,} 行，请选择 CSV。")
        audit = SegmentExport.objects.create(segment=segment, snapshot=snapshot, exported_by=user,
                                             rows=snapshot.members, columns=[c.key for c in picked],
                                             file_format=file_format, phones_revealed=reveal)
    members = (Member.objects.filter(pk__in=SnapshotMember.objects.filter(snapshot=snapshot).values("member"))
               .order_by("pk").values_list(*(c.source for c in picked)))
    stamp = f"{audit.exported_at:%Y%m%d-%H%M}"
    return ExportFile(audit, _rows(picked, members, reveal), f"人群-{segment.name}-{stamp}.{file_format}")


def _rows(picked: list[Column], members, reveal: bool) -> Iterator[list]:
    yield [c.header for c in picked]
    names = {**_LABELS, **_tier_names()}
    for values in members.iterator(chunk_size=CHUNK):
        yield [_cell(c.key, value, names, reveal) for c, value in zip(picked, values, strict=True)]


def _cell(key: str, value, names: dict, reveal: bool):
    if value is None:
        return ""
    if key in names:
        value = names[key].get(value, value)
    if key == "mobile" and not reveal:
        return mask_mobile(value) or "****"
    if isinstance(value, str):
        return neutralize_formula(value if reveal else mask_text(value))
    return value


def csv_chunks(rows: Iterator[list]) -> Iterator[str]:
    """UTF-8 with a BOM, so Excel opens the Chinese headers; streamed a row at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def xlsx_bytes(rows: Iterator[list]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("会员")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
