"""Uploading a file on the import page: the formats offered, the templates, and files refused."""

import csv
import hashlib
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.roles import OPERATOR
from members.imports.formats import get_format
from members.models import ImportBatch, ImportStatus, Member

from .imports_ui_helpers import GOOD_MEMBERS, MEMBER_HEADER

# Imports written `name as name` are fixtures: pytest looks them up by name in this module.
from .imports_ui_helpers import media_root as media_root
from .imports_ui_helpers import operator_client as operator_client
from .imports_ui_helpers import upload as upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_upload_page_offers_every_format_grouped_by_kind_with_template_links(operator_client):
    page = operator_client.get("/imports/new/").content.decode()

    assert '<optgroup label="订单">' in page and '<optgroup label="会员">' in page
    for value in ("orders:tmall", "orders:tmall_items", "orders:jd", "orders:generic", "members:generic"):
        assert f'value="{value}"' in page
    assert "/imports/templates/members/generic.csv" in page
    assert "/imports/templates/orders/generic.xlsx" in page


def test_valid_member_file_is_imported_and_the_browser_lands_on_its_batch(upload):
    # when an operator uploads a small generic member file
    response = upload("会员.csv", GOOD_MEMBERS)

    # then the batch ran to success, the people exist and the browser goes to the batch page
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{batch.pk}/"
    assert batch.status == ImportStatus.SUCCEEDED, batch.error_message
    assert Member.objects.count() == 2
    assert batch.counts["members_created"] == 2


def test_uploaded_file_is_kept_with_its_true_hash_size_and_name(upload):
    upload("会员.csv", GOOD_MEMBERS)

    batch = ImportBatch.objects.get()
    data = GOOD_MEMBERS.encode("utf-8")
    assert batch.file_name == "会员.csv"
    assert batch.file_size == len(data)
    assert batch.file_sha256 == hashlib.sha256(data).hexdigest()
    assert Path(batch.upload.path).read_bytes() == data
    assert batch.started_by.username == f"u-{OPERATOR}"


def test_file_missing_a_required_column_fails_naming_it_and_writes_nothing(upload, operator_client):
    # given a member file with only a name column
    required = [c.label for c in get_format("generic", kind="members").columns if c.required]

    # when it is uploaded
    upload("names.csv", "姓名\n张三\n")

    # then the batch failed, the reason names the missing column(s), and nobody was imported
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.FAILED
    assert required and all(label in batch.error_message for label in required)
    assert Member.objects.count() == 0 and batch.rows_done == 0
    page = operator_client.get(f"/imports/{batch.pk}/").content.decode()
    assert "导入失败" in page and required[0] in page


def test_csv_template_downloads_with_a_header_row(operator_client):
    response = operator_client.get("/imports/templates/members/generic.csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {c.label for c in get_format("generic", kind="members").columns if c.required} <= set(header)


def test_member_template_carries_the_brands_custom_attributes(operator_client):
    # given an active custom attribute
    from members.models import AttributeDefinition

    AttributeDefinition.objects.create(key="skin_type", label="肤质", type="choice", choices=["干性", "油性"])

    # when the member template is downloaded
    response = operator_client.get("/imports/templates/members/generic.csv")

    # then it has a column for the attribute, and the upload page lists it too
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert "肤质" in header
    assert "<td>肤质</td>" in operator_client.get("/imports/new/").content.decode()


def test_xlsx_template_downloads_with_a_header_row(operator_client):
    from openpyxl import load_workbook

    response = operator_client.get("/imports/templates/orders/generic.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    header = [cell for cell in next(sheet.iter_rows(max_row=1, values_only=True)) if cell]
    assert {c.label for c in get_format("generic", kind="orders").columns if c.required} <= set(header)


def test_unknown_template_is_not_found(operator_client):
    assert operator_client.get("/imports/templates/members/generic.pdf").status_code == 404
    assert operator_client.get("/imports/templates/members/nope.csv").status_code == 404


def test_wrong_extension_is_rejected_with_a_form_error(upload):
    response = upload("members.pdf", GOOD_MEMBERS)

    assert response.status_code == 200
    assert "不支持的文件类型" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_legacy_xls_is_rejected_with_advice_to_save_as_xlsx(upload):
    response = upload("members.xls", b"\xd0\xcf\x11\xe0 old excel")

    assert "另存为 .xlsx" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_file_over_the_size_limit_is_rejected(upload, settings):
    settings.IMPORTS_MAX_UPLOAD_MB = 0.0001  # about 100 bytes

    response = upload("会员.csv", GOOD_MEMBERS)

    assert response.status_code == 200
    assert "文件太大" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_missing_format_choice_is_a_form_error(operator_client):
    response = operator_client.post("/imports/new/", {"file": SimpleUploadedFile("a.csv", b"x")})

    assert "请选择文件格式" in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(("kind", "file_type"), [("members", "xlsx"), ("orders", "csv")])
def test_downloaded_template_with_its_example_row_imports_cleanly(operator_client, upload, kind, file_type):
    # given the template as downloaded, example row included
    template = operator_client.get(f"/imports/templates/{kind}/generic.{file_type}").content

    # when it is uploaded as it is
    upload(f"template.{file_type}", template, format_value=f"{kind}:generic")

    # then the example row goes in without a rejected row
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.SUCCEEDED, batch.error_message
    assert batch.counts["rows_read"] >= 1 and batch.counts.get("rows_rejected", 0) == 0


def test_oversized_upload_is_refused_from_its_length_before_the_body_is_read(upload, settings):
    # given a limit far below the request's Content-Length (the file plus form overhead)
    settings.IMPORTS_MAX_UPLOAD_MB = 0.01

    # when a 200 KB file is posted
    response = upload("big.csv", MEMBER_HEADER + "\n" + "x" * 200_000)

    # then the page says it is too large, and no batch exists
    assert response.status_code == 200 and "文件太大" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_upload_still_requires_the_csrf_token(staff):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff(OPERATOR))

    response = client.post("/imports/new/", {"format": "members:generic",
                                             "file": SimpleUploadedFile("a.csv", GOOD_MEMBERS.encode())})

    assert response.status_code == 403
    assert not ImportBatch.objects.exists()
