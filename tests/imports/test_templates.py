"""Downloadable templates for the generic member and order formats."""

import io

import pytest
from openpyxl import load_workbook

from members.imports.formats import get_format
from members.imports.rows import ImportFileError
from members.imports.templates import template_file

from .support import errors, parse


def test_the_csv_template_is_utf8_with_bom_and_a_header_plus_an_example_row():
    # given the generic order template as CSV
    filename, content, content_type = template_file("generic", "orders", "csv")
    # when read back
    lines = content.decode("utf-8-sig").splitlines()
    # then Excel opens it as UTF-8 and it holds the labels and one example
    assert (filename, content_type) == ("通用订单模板.csv", "text/csv; charset=utf-8")
    assert content.startswith(b"\xef\xbb\xbf")
    assert lines[0].split(",") == [column.label for column in get_format("generic").columns]
    assert len(lines) == 2


def test_the_xlsx_template_documents_every_column_on_a_second_sheet():
    # given the generic member template as XLSX
    filename, content, _ = template_file("generic", "members", "xlsx")
    book = load_workbook(io.BytesIO(content))
    # when its sheets are read
    data, guide = book.worksheets
    # then the data sheet has the labels and the guide says label, required, help and example per column
    columns = get_format("generic", "members").columns
    assert filename == "通用会员模板.xlsx"
    assert [cell.value for cell in data[1]] == [column.label for column in columns]
    assert guide.title == "说明"
    assert [cell.value for cell in guide[1]] == ["列名", "是否必填", "说明", "示例"]
    assert [guide.cell(row=2, column=c).value for c in (1, 2)] == ["渠道", "必填"]
    assert {guide.cell(row=r, column=1).value for r in range(2, len(columns) + 2)} == {c.label for c in columns}


@pytest.mark.parametrize("kind", ["orders", "members"])
@pytest.mark.parametrize("file_type", ["csv", "xlsx"])
def test_a_template_parses_with_its_own_format_without_errors(kind, file_type):
    # given a downloaded template
    filename, content, _ = template_file("generic", kind, file_type)
    # when imported as it is  # then its example row is valid
    items = parse("generic", content, kind=kind, filename=filename)
    assert len(items) == 1 and not errors(items)


def test_custom_attributes_become_template_columns():
    filename, content, _ = template_file("generic", "members", "csv", attribute_columns={"肤质": "skin_type"})
    assert content.decode("utf-8-sig").splitlines()[0].endswith(",肤质")


def test_platform_formats_have_no_template():
    with pytest.raises(ImportFileError, match="平台导出"):
        template_file("tmall", "orders", "csv")


def test_an_unknown_file_type_is_refused():
    with pytest.raises(ImportFileError, match="xlsx"):
        template_file("generic", "orders", "pdf")
