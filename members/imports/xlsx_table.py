"""The first worksheet of an .xlsx workbook as a `Table` (see `readers.open_table`).

Streamed (openpyxl's read-only mode), so a large workbook is read with flat memory. Cells
become the text a person sees in Excel: dates as ISO text, whole numbers without ".0".
Before anything is read, `xlsx_limits` refuses a workbook past the row, column and packing
limits; rows are then read only as wide as the header (a stray cell at column XFD would
otherwise make openpyxl pad every row to 16,384 cells).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from members.cleaning.text import as_text

from .rows import ImportFileError
from .table import Row, Table, normalize_headers, share, size_of
from .xlsx_limits import XlsxLimits, check_archive, first_sheet_path, row_limit_message, scan_sheet


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and abs(value) >= 1e15:
        # Beyond 15 digits Excel has already rounded the number (an order number typed as a
        # number); keep the scientific form so it is refused rather than silently wrong.
        return repr(value)
    return as_text(value)  # 13812345678.0 → "13812345678"


class XlsxTable(Table):
    """The first worksheet of a workbook, read in openpyxl's streaming mode."""

    def __init__(self, stream: BinaryIO, *, filename: str, owned: bool):
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        self.filename = filename
        self._stream = stream
        self._owned = owned
        self._book = None
        self.bytes_total = size_of(stream)
        self.limits = XlsxLimits.from_settings()
        try:
            start = stream.tell()
            with zipfile.ZipFile(stream) as archive:  # leaves the stream open: it was handed in
                check_archive(archive, self.limits)
                with archive.open(first_sheet_path(archive)) as source:
                    self.rows_total = scan_sheet(source, self.limits).rows
            stream.seek(start)
            self._book = load_workbook(stream, read_only=True, data_only=True)
            sheet = self._book.worksheets[0]
            # The stored dimension can be stale; without resetting it openpyxl stops there.
            sheet.reset_dimensions()
            self._read_header(sheet)
            # One row past the limit is read only to notice a row the scan could not see.
            self._records = sheet.iter_rows(min_row=self._header_row + 1, max_row=self.limits.max_rows + 1,
                                            max_col=max(self._positions) + 1, values_only=True)
        except ImportFileError:
            self.close()
            raise
        except (zipfile.BadZipFile, InvalidFileException, KeyError, IndexError, OSError, ValueError,
                SyntaxError, StopIteration) as error:  # SyntaxError: ElementTree's ParseError
            self.close()
            raise ImportFileError(f"Excel 文件已损坏或不是有效的 .xlsx 文件，请重新导出或另存后再试（{error}）。") from None
        self.rows_read = self._header_row

    def fraction_done(self) -> float | None:
        return share(self.rows_read, self.rows_total)

    def rows(self, columns: Iterable[str] | None = None) -> Iterator[Row]:
        selection, text = self._begin_pass(columns), _cell_text
        try:
            for values in self._records:
                self.rows_read += 1
                if self.rows_read > self.limits.max_rows:
                    raise ImportFileError(row_limit_message(self.limits))
                if _is_blank_values(values):
                    continue
                try:
                    picked = selection.pick(values)
                except IndexError:
                    picked = selection.padded(values)
                yield self.rows_read, dict(zip(selection.names, map(text, picked), strict=True))
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
            raise ImportFileError(f"Excel 文件第 {self.rows_read + 1} 行附近已损坏，无法继续读取（{error}）。") from None

    def close(self) -> None:
        if self._book is not None:
            self._book.close()
        if self._owned:
            self._stream.close()

    def _read_header(self, sheet) -> None:
        self._header_row = 0
        records = sheet.iter_rows(max_row=self.limits.max_rows, max_col=self.limits.max_columns, values_only=True)
        for values in records:
            self._header_row += 1
            if not _is_blank_values(values):
                break
        else:
            raise ImportFileError("工作表中没有表头行（第一个工作表是空的）。")
        records.close()
        self.headers, self._positions = normalize_headers([_cell_text(v) for v in values])
        if not self.headers:
            raise ImportFileError("表头行是空的，第一行应当是列名。")


def _is_blank_values(values: tuple) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)
