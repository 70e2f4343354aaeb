"""Open an uploaded CSV or XLSX file as a header-keyed stream of text rows.

Readers know nothing about formats: they only make every file look alike (decoded,
header quirks removed, one dict of raw strings per row) and stream it, so a 300 MB
export is read with flat memory. Cell values are left raw; formats clean what they use.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from .rows import ImportFileError
from .table import Row, Table, normalize_headers, share, size_of

CSV_EXTENSIONS = (".csv", ".txt")
XLSX_EXTENSIONS = (".xlsx",)
SAMPLE_SIZE = 64 * 1024  # bytes read up front to choose the encoding
_READ_BUFFER = 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"  # an .xlsx is a zip archive
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the legacy .xls (and .doc) container
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # Excel's "Unicode text" save

# csv refuses cells over 128 KB by default; a long 备注 should not sink a whole file.
# (Process-wide, and only ever raised.)
csv.field_size_limit(16 * 1024 * 1024)


def open_table(source: str | os.PathLike | BinaryIO, *, filename: str) -> Table:
    """Open `source` (a path or a binary file object) according to `filename`'s extension.

    Raises ImportFileError when the file cannot be read as a table at all.
    """
    extension = Path(filename).suffix.lower()
    if extension == ".xls":
        raise ImportFileError("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入。")
    if extension not in CSV_EXTENSIONS + XLSX_EXTENSIONS:
        raise ImportFileError(f"不支持的文件类型“{extension or filename}”，请上传 .csv、.txt 或 .xlsx 文件。")
    stream, owned = _open_binary(source)
    try:
        magic = _peek(stream, 8)
        if not magic:
            raise ImportFileError("文件是空的。")
        if magic.startswith(_OLE_MAGIC):
            raise ImportFileError("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入。")
        # Trust the content over the name: re-saved exports are often mislabelled.
        if extension in XLSX_EXTENSIONS or magic.startswith(_ZIP_MAGIC):
            from .xlsx_table import XlsxTable  # openpyxl is a heavy import: only for workbooks

            return XlsxTable(stream, filename=filename, owned=owned)
        return CsvTable(stream, filename=filename, owned=owned)
    except BaseException:
        if owned:
            stream.close()
        raise


# ---------------------------------------------------------------- shared helpers


def _open_binary(source) -> tuple[BinaryIO, bool]:
    if isinstance(source, str | os.PathLike):
        try:
            return open(source, "rb", buffering=_READ_BUFFER), True  # closed by Table.close
        except OSError as error:
            raise ImportFileError(f"无法打开文件：{error.strerror or error}") from error
    return getattr(source, "file", source), False  # Django's UploadedFile wraps the real file object


def _peek(stream: BinaryIO, size: int) -> bytes:
    start = stream.tell()
    head = stream.read(size)
    stream.seek(start)
    return head


def _is_blank(cells: list[str]) -> bool:
    return not any(cells) or not "".join(cells).strip()  # also "  ,  ," rows


# ---------------------------------------------------------------- CSV


class _CountingReader(io.RawIOBase):
    """Counts the bytes handed to the text decoder, for progress reporting."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.count += size
        return size


def detect_encoding(sample: bytes, *, complete: bool) -> str:
    """UTF-8 (with or without BOM) when the sample decodes as such, else GB18030.

    `complete` says the sample is the whole file; otherwise a multi-byte character cut
    at the end of the sample is not held against UTF-8.
    """
    if sample.startswith(_UTF16_BOMS):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
    except UnicodeDecodeError:
        return "gb18030"  # a superset of GBK and GB2312, what Tmall and JD export
    return "utf-8-sig"


def locate_undecodable(stream: BinaryIO, encoding: str) -> tuple[int, int] | None:
    """(byte offset, line number) of the first byte `encoding` cannot decode, or None."""
    offset, line, carry = 0, 1, b""
    while True:
        chunk = stream.read(_READ_BUFFER)
        data = carry + chunk
        try:
            data.decode(encoding)
        except UnicodeDecodeError as error:
            if chunk and error.end >= len(data) - 1:  # a character cut by the chunk boundary
                line += data.count(b"\n", 0, error.start)
                offset, carry = offset + error.start, data[error.start:]
                continue
            return offset + error.start, line + data.count(b"\n", 0, error.start)
        if not chunk:
            return None
        line += data.count(b"\n")
        offset, carry = offset + len(data), b""


_ENCODING_NAMES = {"utf-8-sig": "UTF-8", "gb18030": "GB18030（GBK）", "utf-16": "UTF-16"}


class CsvTable(Table):
    """A delimited text file, decoded and split as a stream.

    Lines without a quoted field (nearly all of a platform export: Tmall's ="123" is not a
    quoted field) are split with str.split, several times faster than the csv module;
    a line that opens a quoted field is handed to csv, which reads on through multi-line
    cells and leaves the stream at the next record.
    """

    def __init__(self, stream: BinaryIO, *, filename: str, owned: bool):
        self.filename = filename
        self._stream = stream
        self._owned = owned
        self._start = stream.tell()
        self.bytes_total = size_of(stream)
        sample = stream.read(SAMPLE_SIZE)
        stream.seek(self._start)
        complete = len(sample) < SAMPLE_SIZE
        self.encoding = detect_encoding(sample, complete=complete)
        if self.encoding == "gb18030":
            self._check_decodable(sample, complete=complete)
        self._counter = _CountingReader(stream)
        self._text = io.TextIOWrapper(
            io.BufferedReader(self._counter, _READ_BUFFER), encoding=self.encoding, newline=""
        )
        self._read_header()

    @property
    def bytes_read(self) -> int:
        return self._counter.count

    def fraction_done(self) -> float | None:
        return share(self.bytes_read, self.bytes_total)

    def rows(self, columns: Iterable[str] | None = None) -> Iterator[Row]:
        selection = self._begin_pass(columns)
        names, pick = selection.names, selection.pick
        lines, delimiter = self._text, self.delimiter
        quote_opening = delimiter + '"'
        number = self._header_row
        try:
            for line in lines:
                number += 1
                if '"' in line and (line[0] == '"' or quote_opening in line):
                    # A quoted field, maybe spanning lines: csv reads exactly this record on.
                    cells = next(csv.reader(itertools.chain((line,), lines), delimiter=delimiter))
                else:
                    cells = line.rstrip("\r\n").split(delimiter)
                first = cells[0] if cells else ""
                if (not first or first.isspace()) and _is_blank(cells):
                    continue
                try:
                    picked = pick(cells)
                except IndexError:
                    picked = selection.padded(cells)
                yield number, dict(zip(names, picked, strict=True))
        except UnicodeDecodeError:
            raise ImportFileError(self._undecodable_message(number + 1)) from None
        except csv.Error as error:  # raised while reading the record counted as `number`
            raise ImportFileError(f"第 {number} 行的 CSV 格式有误：{error}") from None

    def close(self) -> None:
        try:
            self._text.detach()  # never let the wrapper close a file object we were handed
        except ValueError:
            pass
        if self._owned:
            self._stream.close()

    def _read_header(self) -> None:
        self._header_row = 0
        try:
            while (line := self._text.readline()) and not line.strip():
                self._header_row += 1  # blank lines above the header are still spreadsheet rows
            if not line:
                raise ImportFileError("文件中没有表头行（只有空行）。")
            self.delimiter = "\t" if "\t" in line and "," not in line else ","
            cells = next(csv.reader(itertools.chain((line,), self._text), delimiter=self.delimiter))
            self._header_row += 1
        except UnicodeDecodeError:
            raise ImportFileError(self._undecodable_message(self._header_row + 1)) from None
        except csv.Error as error:
            raise ImportFileError(f"表头行的 CSV 格式有误：{error}") from None
        self.headers, self._positions = normalize_headers(cells)
        if not self.headers:
            raise ImportFileError("表头行是空的，第一行应当是列名。")

    def _check_decodable(self, sample: bytes, *, complete: bool) -> None:
        try:
            codecs.getincrementaldecoder(self.encoding)().decode(sample, final=complete)
        except UnicodeDecodeError as error:
            line = sample.count(b"\n", 0, error.start) + 1
            raise ImportFileError(
                f"无法识别文件编码：既不是 UTF-8，也无法按 GB18030（GBK）解码"
                f"（第 {line} 行，字节位置 {error.start}）。请将文件另存为 UTF-8 或 GBK 编码的 CSV。"
            ) from None

    def _undecodable_message(self, row_number: int) -> str:
        """Where decoding failed: the exact line and byte from a second pass when the file can
        be re-read (the decoder works ahead of the rows), else the row being read."""
        name = _ENCODING_NAMES.get(self.encoding, self.encoding)
        try:
            self._stream.seek(self._start)
            found = locate_undecodable(self._stream, self.encoding)
        except (OSError, ValueError):
            found = None
        if found is None:
            where = f"第 {row_number} 行附近"
        elif self.encoding == "utf-16":
            where = f"字节位置 {found[0]}"  # lines are not counted in UTF-16 bytes
        else:
            where = f"第 {found[1]} 行，字节位置 {found[0]}"
        return (
            f"文件按 {name} 编码解码失败（{where}）：文件中混有其他编码的内容。"
            "请用 Excel 或文本编辑器将整个文件另存为 UTF-8 或 GBK 编码的 CSV。"
        )
