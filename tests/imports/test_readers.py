"""Reading CSV and XLSX files into header-keyed text rows."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from members.imports.readers import SAMPLE_SIZE, detect_encoding, open_table
from members.imports.rows import ImportFileError

from .support import table_of


def rows_of(table, **kwargs):
    return list(table.rows(**kwargs))


def xlsx_bytes(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- encodings


def test_a_utf8_file_without_bom_is_read():
    # given a UTF-8 CSV without a byte-order mark
    table = table_of("订单编号,买家会员名\r\n1001,张三\r\n")
    # when read  # then headers and cells come out as text
    assert table.encoding == "utf-8-sig"
    assert rows_of(table) == [(2, {"订单编号": "1001", "买家会员名": "张三"})]


def test_the_utf8_byte_order_mark_is_not_part_of_the_first_header():
    # given a UTF-8 CSV as Excel saves it, with a BOM
    table = table_of("\ufeff订单编号,状态\r\n1001,交易成功\r\n")
    # when read  # then the first header is clean
    assert table.headers == ["订单编号", "状态"]


def test_a_gbk_file_is_decoded_as_gb18030():
    # given a CSV in GBK as Tmall and JD export it
    table = table_of("订单编号,收货人姓名\r\n1001,韩梅梅\r\n", encoding="gbk")
    # when read  # then the Chinese text is decoded
    assert table.encoding == "gb18030"
    assert rows_of(table) == [(2, {"订单编号": "1001", "收货人姓名": "韩梅梅"})]


def test_a_utf8_character_cut_by_the_sample_boundary_still_counts_as_utf8():
    # given a UTF-8 file whose 64 KB sample ends in the middle of a three-byte character
    header = "备注\r\n".encode()
    filler = b"a" * (SAMPLE_SIZE - len(header) - 1)
    data = header + filler + "张\r\n".encode()
    # when the encoding is detected  # then it is UTF-8, not GB18030
    assert table_of(data).encoding == "utf-8-sig"


def test_detect_encoding_chooses_gb18030_when_the_sample_is_not_utf8():
    assert detect_encoding("订单编号".encode("gbk"), complete=True) == "gb18030"


def test_excel_unicode_text_is_read_as_tab_separated_utf16():
    # given Excel's "Unicode text" save: UTF-16 with a BOM, tab-separated
    data = "订单编号\t姓名\r\n1001\t张三\r\n".encode("utf-16")
    # when read  # then it is decoded and split on tabs
    table = table_of(data, filename="members.txt")
    assert rows_of(table) == [(2, {"订单编号": "1001", "姓名": "张三"})]


def test_bytes_that_no_encoding_accepts_are_a_file_error_naming_the_encodings_tried():
    # given a file that is neither UTF-8 nor GB18030
    data = "订单编号\r\n".encode("gbk") + b"\xff\xff\xff\r\n"
    # when opened  # then the error says what was tried and where it failed
    with pytest.raises(ImportFileError, match=r"UTF-8.*GB18030.*第 2 行"):
        table_of(data)


def test_gbk_bytes_after_a_utf8_start_are_a_file_error_with_row_and_byte_offset():
    # given a file that is UTF-8 for its first 64 KB, then has a GBK row
    head = "姓名\r\n".encode() + "张三\r\n".encode() * (SAMPLE_SIZE // 8)
    lines = head.count(b"\n")
    data = head + "李雷\r\n".encode("gbk")
    table = table_of(data)
    # when its rows are read  # then the error names the encoding, the row and the byte offset
    with pytest.raises(ImportFileError) as raised:
        rows_of(table)
    assert "UTF-8" in str(raised.value)
    assert f"第 {lines + 1} 行" in str(raised.value)
    assert f"字节位置 {len(head)}" in str(raised.value)


# ---------------------------------------------------------------- headers


def test_header_quirks_are_removed():
    # given headers wrapped as formulas, padded with tabs, spaces and a full-width space
    table = table_of('="订单编号",收货地址 \t,\u3000联系手机 ,订单状态\r\n1,2,3,4\r\n')
    # when read  # then the headers are clean
    assert table.headers == ["订单编号", "收货地址", "联系手机", "订单状态"]


def test_repeated_headers_are_kept_apart_with_a_suffix():
    # given a file with the same header twice
    table = table_of("备注,订单编号,备注\r\na,1,b\r\n")
    # when read  # then the second one is renamed rather than overwriting the first
    assert table.headers == ["备注", "订单编号", "备注(2)"]
    assert rows_of(table) == [(2, {"备注": "a", "订单编号": "1", "备注(2)": "b"})]


def test_columns_without_a_header_are_dropped():
    # given a Tmall export whose lines end with a comma (an unnamed last column)
    table = table_of("订单编号,订单状态,\r\n1001,交易成功,\r\n")
    # when read  # then the unnamed column is not a header
    assert table.headers == ["订单编号", "订单状态"]
    assert rows_of(table) == [(2, {"订单编号": "1001", "订单状态": "交易成功"})]


def test_an_empty_file_is_a_file_error():
    with pytest.raises(ImportFileError, match="空"):
        table_of(b"")


def test_a_file_of_blank_lines_has_no_header_row():
    with pytest.raises(ImportFileError, match="没有表头"):
        table_of("\r\n\r\n  \r\n")


# ---------------------------------------------------------------- rows


def test_row_numbers_are_spreadsheet_rows_and_blank_rows_are_skipped_but_counted():
    # given a blank line above the header and blank rows between data rows
    table = table_of("\r\n订单编号,状态\r\n1,a\r\n\r\n , \r\n2,b\r\n")
    # when read  # then the numbers are the rows Excel shows
    assert [number for number, _ in rows_of(table)] == [3, 6]


def test_a_quoted_cell_may_hold_commas_quotes_and_line_breaks():
    # given a cell spanning two lines and one with a comma and doubled quotes
    table = table_of('订单编号,备注,状态\r\n1,"第一行\r\n第二行","a,""b"""\r\n2,x,y\r\n')
    # when read  # then each record is one row and the next row keeps its own number
    assert rows_of(table) == [
        (2, {"订单编号": "1", "备注": "第一行\r\n第二行", "状态": 'a,"b"'}),
        (3, {"订单编号": "2", "备注": "x", "状态": "y"}),
    ]


def test_tmall_formula_cells_are_not_taken_for_quoted_fields():
    # given Tmall's ="…" order numbers, which contain quotes but do not open a quoted field
    table = table_of('订单编号,状态\r\n="2565918346414630585",交易成功\r\n')
    # when read  # then the raw cell is left for the format to clean
    assert rows_of(table) == [(2, {"订单编号": '="2565918346414630585"', "状态": "交易成功"})]


def test_extra_cells_are_ignored_and_missing_cells_are_empty():
    # given one row with more cells than headers and one with fewer
    table = table_of("a,b,c\r\n1,2,3,4,5\r\n1\r\n")
    # when read  # then rows always have exactly the headers
    assert rows_of(table) == [(2, {"a": "1", "b": "2", "c": "3"}), (3, {"a": "1", "b": "", "c": ""})]


def test_a_header_line_with_tabs_and_no_commas_is_tab_separated():
    table = table_of("订单编号\t状态\r\n1001\t交易成功\r\n")
    assert table.delimiter == "\t"
    assert rows_of(table) == [(2, {"订单编号": "1001", "状态": "交易成功"})]


def test_rows_can_be_limited_to_the_columns_a_format_reads():
    # given a wide file
    table = table_of("a,b,c,d\r\n1,2,3,4\r\n")
    # when only two columns are asked for  # then each row holds just those
    assert rows_of(table, columns=["c", "a"]) == [(2, {"c": "3", "a": "1"})]


def test_rows_stream_once():
    table = table_of("a\r\n1\r\n")
    rows_of(table)
    with pytest.raises(RuntimeError):
        rows_of(table)


def test_csv_progress_reaches_one_at_the_end():
    # given a file being read
    table = table_of("a\r\n" + "1\r\n" * 1000)
    assert table.bytes_total == 3 + 3 * 1000
    # when all rows have been read  # then the progress is complete
    rows_of(table)
    assert table.fraction_done() == 1.0


def test_a_file_named_by_path_is_read_and_closed(tmp_path):
    # given a file on disk
    path = tmp_path / "orders.csv"
    path.write_bytes("订单编号\r\n1\r\n".encode("gbk"))
    # when read through its path and closed
    with open_table(path, filename=path.name) as table:
        assert rows_of(table) == [(2, {"订单编号": "1"})]
    # then the file handle is released
    assert table._stream.closed


def test_a_file_object_handed_in_is_left_open():
    # given an uploaded file object
    upload = io.BytesIO(b"a\r\n1\r\n")
    # when a table over it is closed  # then the caller's file is still usable
    with open_table(upload, filename="x.csv") as table:
        rows_of(table)
    assert not upload.closed


# ---------------------------------------------------------------- file types


def test_an_unsupported_extension_is_a_file_error():
    with pytest.raises(ImportFileError, match=r"\.pdf"):
        table_of(b"a\r\n", filename="orders.pdf")


def test_a_legacy_xls_file_is_a_file_error_asking_for_xlsx_or_csv():
    with pytest.raises(ImportFileError, match=r"\.xlsx 或 CSV"):
        table_of(b"\xd0\xcf\x11\xe0" + b"\0" * 100, filename="orders.xls")


def test_a_corrupt_xlsx_is_a_file_error():
    with pytest.raises(ImportFileError, match="损坏"):
        table_of(b"PK\x03\x04 this is not a workbook", filename="orders.xlsx")


def test_an_xlsx_first_sheet_is_read_with_numbers_and_dates_as_text():
    # given a workbook as Excel stores an order export: numbers as floats, dates as datetimes
    data = xlsx_bytes(
        ["订单号 ", "联系手机", "金额", "订单创建时间", "下单日"],
        [314435234762, 13812345678.0, 129.5, dt.datetime(2025, 6, 20, 10, 0, 5), dt.date(2025, 6, 20)],
    )
    # when read
    table = table_of(data, filename="ExportOrderList.xlsx")
    # then the cells are the text the CSV export would have had
    assert rows_of(table) == [(2, {
        "订单号": "314435234762", "联系手机": "13812345678", "金额": "129.5",
        "订单创建时间": "2025-06-20 10:00:05", "下单日": "2025-06-20 00:00:00",
    })]


def test_an_xlsx_number_excel_has_already_rounded_is_kept_in_scientific_form():
    # given an 18-digit order number Excel stored as a float (its last digits are lost)
    data = xlsx_bytes(["订单编号"], [2565918346414630585.0])
    # when read  # then it is not passed off as a plausible (wrong) order number
    [(_, row)] = rows_of(table_of(data, filename="x.xlsx"))
    assert row["订单编号"].startswith("2.56591834641463") and row["订单编号"].endswith("e+18")


def test_xlsx_blank_rows_are_skipped_but_counted():
    # given a workbook with an empty row between two data rows
    data = xlsx_bytes(["a", "b"], [1, 2], [None, None], ["", "  "], [3, 4])
    # when read  # then the row numbers are the sheet's
    assert [number for number, _ in rows_of(table_of(data, filename="x.xlsx"))] == [2, 5]


def test_xlsx_progress_is_counted_in_rows():
    # given a three-row sheet
    table = table_of(xlsx_bytes(["a"], [1], [2]), filename="x.xlsx")
    assert table.rows_total == 3
    # when read to the end  # then progress is complete
    rows_of(table)
    assert table.fraction_done() == 1.0


def test_a_workbook_named_csv_is_read_as_a_workbook():
    # given an .xlsx file renamed to .csv
    data = xlsx_bytes(["订单编号"], ["1001"])
    # when read  # then the content decides
    assert rows_of(table_of(data, filename="orders.csv")) == [(2, {"订单编号": "1001"})]
