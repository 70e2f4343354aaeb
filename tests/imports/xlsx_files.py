"""Write .xlsx files by hand (a zip of a few XML parts), to craft sheets no spreadsheet program would write."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from xml.sax.saxutils import escape

MEMBER_HEADER = ["渠道", "渠道账号", "姓名", "手机号", "注册时间"]

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
)


def text_row(number: int, values: list[str]) -> str:
    """A <row> of inline strings in columns A, B, C …"""
    cells = "".join(
        f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
        for i, value in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


def member_row(number: int) -> list[str]:
    return ["mall", f"u-{number}", f"会员{number}", f"138{number:08d}", "2024-05-01 10:00:00"]


def workbook(rows: Iterable[str], *, dimension: str | None = "A1", padding: int = 0) -> bytes:
    """An .xlsx whose first sheet holds `rows` (<row> XML); `padding` spaces of whitespace pack to nearly nothing.

    The stored dimension defaults to "A1", as some writers leave it whatever the sheet holds.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        head = f'<dimension ref="{dimension}"/>' if dimension else ""
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?>'
                        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            sheet.write(f"{head}<sheetData>".encode())
            for row in rows:
                sheet.write(row.encode())
            for _ in range(padding // (1 << 20)):
                sheet.write(b" " * (1 << 20))
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def number_row(number: int, values: list[int]) -> str:
    cells = "".join(f'<c r="{chr(65 + i)}{number}"><v>{value}</v></c>' for i, value in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def far_right_cells(rows: int, column: str = "XFD") -> Iterable[str]:
    """The amplification probe: a member header, then `rows` rows that each hold one cell at `column`."""
    yield text_row(1, MEMBER_HEADER)
    for number in range(2, rows + 2):
        yield f'<row r="{number}"><c r="{column}{number}"><v>1</v></c></row>'
