"""XLSX files that cost far more to read than their size suggests are refused quickly, before any row is written."""

import time

import pytest
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from members.imports.engine import import_file
from members.models import ImportStatus, Member

from .support import table_of
from .xlsx_files import MEMBER_HEADER, far_right_cells, member_row, number_row, text_row, workbook

pytestmark = pytest.mark.django_db

FAST = 5.0  # seconds; the probe's file took 28 s before the limits


def _import(tmp_path, data: bytes):
    path = tmp_path / "members.xlsx"
    path.write_bytes(data)
    started = time.perf_counter()
    batch = import_file(kind="members", format_key="generic", path=path)
    return batch, time.perf_counter() - started


def test_a_sheet_with_values_far_right_is_refused_quickly_naming_the_column_limit(tmp_path):
    # given the probe's file: 0.5 MB, 100,000 rows that each hold one cell at column XFD
    data = workbook(far_right_cells(100_000))

    # when it is imported
    batch, seconds = _import(tmp_path, data)

    # then it fails within seconds, naming the cell and the limit, with nothing written
    assert seconds < FAST
    assert batch.status == ImportStatus.FAILED
    assert "第 2 行的 XFD 列" in batch.error_message and "上限 500 列" in batch.error_message
    assert batch.rows_done == 0 and Member.objects.count() == 0


def test_a_dimension_that_understates_the_sheet_does_not_hide_far_right_values(tmp_path):
    # given the same file claiming, in its stored dimension, to be a single cell (what workbook() writes)
    data = workbook(far_right_cells(1_000), dimension="A1")

    # when it is imported  # then the scan of the sheet itself finds the far cells
    batch, _ = _import(tmp_path, data)
    assert batch.status == ImportStatus.FAILED and "XFD 列" in batch.error_message


def _read_all(data: bytes) -> list:
    with table_of(data, filename="orders.xlsx") as table:
        return list(table.rows())


def test_rows_are_read_only_as_wide_as_the_header(settings, monkeypatch):
    # given a column limit raised to Excel's maximum, and 20,000 rows with a stray value at column
    # XFD in every row; and a record of how wide openpyxl is asked to read the data rows
    settings.IMPORTS_XLSX_MAX_COLUMNS = 16_384
    plain = [text_row(1, ["订单编号", "数量"])] + [number_row(n, [n, 1]) for n in range(2, 20_002)]
    stray = plain[:1] + [row.replace("</row>", f'<c r="XFD{n}"><v>1</v></c></row>')
                         for n, row in enumerate(plain[1:], 2)]
    widths = []
    iter_rows = ReadOnlyWorksheet.iter_rows

    def recording(sheet, *args, **kwargs):
        if kwargs.get("min_row"):  # the data rows (the header is read from row 1)
            widths.append(kwargs.get("max_col"))
        return iter_rows(sheet, *args, **kwargs)

    monkeypatch.setattr(ReadOnlyWorksheet, "iter_rows", recording)

    # when both files are read
    plain_rows, stray_rows = _read_all(workbook(plain)), _read_all(workbook(stray))

    # then the stray cells change nothing, and the data rows are read two columns wide, not padded to
    # 16,384 cells (padded, reading took three times as long, and 28 s for the probe's 100,000 rows;
    # a timing assertion here failed on a loaded machine, so the test checks the width asked for)
    assert stray_rows == plain_rows and stray_rows[-1] == (20_001, {"订单编号": "20001", "数量": "1"})
    assert widths == [2, 2]


def test_empty_formatted_cells_far_right_do_not_count_against_the_column_limit(tmp_path):
    # given member rows whose formatting (a style, no value) reaches column XFD, as Excel writes it
    rows = [text_row(1, MEMBER_HEADER)] + [
        text_row(n, member_row(n)).replace("</row>", f'<c r="XFD{n}" s="1"/></row>') for n in range(2, 5)
    ]

    # when it is imported  # then it goes in
    batch, _ = _import(tmp_path, workbook(rows))
    assert batch.status == ImportStatus.SUCCEEDED, batch.error_message
    assert Member.objects.count() == 3


def test_a_sheet_with_more_rows_than_the_limit_is_refused_before_any_row_is_written(tmp_path, settings):
    # given a row limit of 50 and a file of 60 good member rows
    settings.IMPORTS_XLSX_MAX_ROWS = 50
    rows = [text_row(1, MEMBER_HEADER)] + [text_row(n, member_row(n)) for n in range(2, 62)]

    # when it is imported
    batch, _ = _import(tmp_path, workbook(rows))

    # then it fails naming the limit, and no row was written
    assert batch.status == ImportStatus.FAILED
    assert "有 61 行，超过导入上限 50 行" in batch.error_message and "拆分" in batch.error_message
    assert batch.rows_done == 0 and Member.objects.count() == 0


def test_a_row_numbered_far_beyond_the_limit_is_refused_quickly(tmp_path):
    # given a header and one row numbered two billion (openpyxl fills the gap with empty rows)
    rows = [text_row(1, MEMBER_HEADER), text_row(2_000_000_000, member_row(2))]

    # when it is imported
    batch, seconds = _import(tmp_path, workbook(rows))

    # then it fails within seconds naming the row limit
    assert seconds < FAST
    assert batch.status == ImportStatus.FAILED
    assert "2,000,000,000 行，超过导入上限 1,048,576 行" in batch.error_message


def test_a_sheet_that_unpacks_to_hundreds_of_times_its_size_is_refused(tmp_path):
    # given a valid sheet padded with 64 MB of whitespace, which packs to about 64 KB
    rows = [text_row(1, MEMBER_HEADER), text_row(2, member_row(2))]
    data = workbook(rows, padding=64 << 20)

    # when it is imported
    batch, seconds = _import(tmp_path, data)

    # then it is refused from the zip directory alone, naming the ratio limit
    assert len(data) < 1 << 20 and seconds < FAST
    assert batch.status == ImportStatus.FAILED
    assert "xl/worksheets/sheet1.xml 解压后有 64 MB" in batch.error_message and "上限 100 倍" in batch.error_message
    assert Member.objects.count() == 0
