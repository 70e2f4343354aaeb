"""The import pages: who may use them, uploading a file, following its batch, reading its errors."""

import csv
import hashlib
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile

from members.imports.engine import create_batch
from members.imports.formats import get_format
from members.models import ImportBatch, ImportRowError, ImportStatus, Member
from members.roles import ADMIN, GUIDE, OPERATOR

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEMBER_HEADER = "渠道,渠道账号,姓名,手机号,注册时间"
GOOD_MEMBERS = f"{MEMBER_HEADER}\nmall,u-1001,张三,13800138000,2024-05-01 10:00:00\nmall,u-1002,李四,13900139000,2024-12-31 09:30:00\n"
# Row 3 has a registration time that is no time (and looks like a spreadsheet formula); rows 2 and 4 are fine.
BAD_MEMBERS = (
    f"{MEMBER_HEADER}\nmall,u-2001,王五,13700137000,2024-01-01 08:00\n"
    "mall,u-2002,赵六,13600136000,=1+1\nmall,u-2003,钱七,13500135000,2024-02-02 08:00\n"
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff(db):
    def _make(role):
        user = User.objects.create_user(username=f"u-{role}", password="pw-123456", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        return user

    return _make


@pytest.fixture
def operator_client(client, staff):
    client.force_login(staff(OPERATOR))
    return client


@pytest.fixture
def upload(operator_client, django_capture_on_commit_callbacks):
    """Post a file to the upload page; the queued task runs (Celery is eager in tests)."""

    def _upload(name, content, format_value="members:generic"):
        data = content.encode("utf-8") if isinstance(content, str) else content
        with django_capture_on_commit_callbacks(execute=True):
            return operator_client.post(
                "/imports/new/", {"format": format_value, "file": SimpleUploadedFile(name, data)}
            )

    return _upload


@pytest.fixture
def failed_batch(db):
    return ImportBatch.objects.create(
        kind="members", format="generic", file_name="members.csv", status=ImportStatus.FAILED,
        error_message="测试失败", counts={"rows_read": 3, "rows_rejected": 1},
    )


def batch_urls(batch_id):
    return [
        "/imports/", "/imports/new/", f"/imports/{batch_id}/", f"/imports/{batch_id}/progress.json",
        f"/imports/{batch_id}/errors.csv", "/imports/templates/members/generic.csv",
    ]


def test_anonymous_visitors_are_sent_to_login_from_every_import_page(client, failed_batch):
    for url in batch_urls(failed_batch.pk):
        response = client.get(url)

        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
    resume = client.post(f"/imports/{failed_batch.pk}/resume/")
    assert resume.status_code == 302 and resume["Location"].startswith("/accounts/login/")


def test_guides_are_refused_every_import_page(client, staff, failed_batch):
    client.force_login(staff(GUIDE))

    for url in batch_urls(failed_batch.pk):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/imports/{failed_batch.pk}/resume/").status_code == 403


@pytest.mark.parametrize("role", [OPERATOR, ADMIN])
def test_operators_and_admins_open_every_import_page(client, staff, failed_batch, role):
    client.force_login(staff(role))

    for url in batch_urls(failed_batch.pk):
        assert client.get(url).status_code == 200, url


def test_operators_and_admins_may_upload_but_guides_may_not(staff):
    # given the three roles
    admin, operator, guide = staff(ADMIN), staff(OPERATOR), staff(GUIDE)

    # then only admins and operators hold the import permissions
    for user in (admin, operator):
        assert {"members.add_importbatch", "members.view_importbatch"} <= user.get_all_permissions()
    assert not guide.has_perm("members.add_importbatch")
    assert not guide.has_perm("members.view_importbatch")


def test_home_and_navigation_link_to_imports_for_operators_only(client, staff):
    client.force_login(staff(OPERATOR))
    operator_home = client.get("/").content.decode()
    client.force_login(staff(GUIDE))
    guide_home = client.get("/").content.decode()

    assert 'href="/imports/new/"' in operator_home and 'href="/imports/"' in operator_home
    assert "/imports/" not in guide_home


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


def test_finished_batch_page_shows_status_and_summary(upload, operator_client):
    upload("会员.csv", GOOD_MEMBERS)
    batch = ImportBatch.objects.get()

    page = operator_client.get(f"/imports/{batch.pk}/").content.decode()

    assert "已完成" in page and "会员.csv" in page
    assert "新建会员" in page
    assert "progress.json" in page  # the page knows where to poll


def test_batch_page_lists_the_rejected_rows(upload, operator_client):
    # given a file whose third spreadsheet row has a bad registration time
    upload("bad.csv", BAD_MEMBERS)
    batch = ImportBatch.objects.get()

    # when the operator opens the batch page
    page = operator_client.get(f"/imports/{batch.pk}/").content.decode()

    # then the row error is listed with its row number, column, value and reason
    error = ImportRowError.objects.get(batch=batch)
    assert error.row_number == 3
    assert "<th class=\"num\">行号</th>" in page
    assert error.reason in page and "=1+1" in page
    assert f"/imports/{batch.pk}/errors.csv" in page
    assert Member.objects.count() == 2  # the good rows went in


def test_errors_csv_opens_in_excel_with_chinese_headers_and_safe_values(upload, operator_client):
    upload("bad.csv", BAD_MEMBERS)
    batch = ImportBatch.objects.get()

    response = operator_client.get(f"/imports/{batch.pk}/errors.csv")
    body = b"".join(response.streaming_content).decode("utf-8")

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["行号", "列", "值", "原因"]
    assert rows[1][0] == "3" and rows[1][1] == "注册时间"
    assert rows[1][2] == "'=1+1"  # a formula is neutralised, not evaluated by Excel
    assert len(rows) == 1 + ImportRowError.objects.filter(batch=batch).count()


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


def test_progress_json_reports_the_batch_state(upload, operator_client):
    upload("会员.csv", GOOD_MEMBERS)
    batch = ImportBatch.objects.get()

    data = operator_client.get(f"/imports/{batch.pk}/progress.json").json()

    assert data["status"] == "succeeded" and data["finished"] is True
    assert data["progress"] == 1.0 and data["counts"]["members_created"] == 2
    assert data["error_message"] == ""


def test_progress_json_of_a_queued_batch_is_not_finished(operator_client):
    batch = ImportBatch.objects.create(kind="members", format="generic", file_name="x.csv")

    data = operator_client.get(f"/imports/{batch.pk}/progress.json").json()

    assert data["status"] == "queued" and data["finished"] is False and data["progress"] == 0


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


def test_resume_requeues_a_failed_batch_and_finishes_it(operator_client, staff, settings,
                                                       django_capture_on_commit_callbacks):
    # given a failed batch whose uploaded file is kept
    stored = Path(settings.MEDIA_ROOT) / "imports" / "members.csv"
    stored.parent.mkdir(parents=True)
    stored.write_text(GOOD_MEMBERS, encoding="utf-8")
    batch = create_batch(kind="members", format_key="generic", path=stored, upload="imports/members.csv")
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.FAILED, error_message="数据库连接中断")

    # when the operator presses 继续导入
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(f"/imports/{batch.pk}/resume/")

    # then the batch runs again to success
    batch.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == f"/imports/{batch.pk}/"
    assert batch.status == ImportStatus.SUCCEEDED and batch.error_message == ""
    assert Member.objects.count() == 2


def test_resume_refuses_a_batch_that_did_not_fail(operator_client, django_capture_on_commit_callbacks):
    batch = ImportBatch.objects.create(
        kind="members", format="generic", file_name="x.csv", status=ImportStatus.SUCCEEDED, upload="imports/x.csv"
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = operator_client.post(f"/imports/{batch.pk}/resume/", follow=True)

    assert callbacks == []
    assert "只有失败" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.SUCCEEDED


def test_failed_batch_page_offers_resume_only_with_a_kept_file(operator_client, failed_batch):
    without_file = operator_client.get(f"/imports/{failed_batch.pk}/").content.decode()
    ImportBatch.objects.filter(pk=failed_batch.pk).update(upload="imports/members.csv", rows_done=40)
    with_file = operator_client.get(f"/imports/{failed_batch.pk}/").content.decode()

    assert "测试失败" in without_file and "继续导入</button>" not in without_file
    assert "已提交到第 40 行" in with_file and "继续导入</button>" in with_file


def test_list_shows_recent_batches_with_counts_and_links(operator_client, failed_batch):
    page = operator_client.get("/imports/").content.decode()

    assert f'href="/imports/{failed_batch.pk}/"' in page
    assert "members.csv" in page and "失败" in page


def test_list_is_paginated_by_fifty(operator_client):
    ImportBatch.objects.bulk_create(
        ImportBatch(kind="members", format="generic", file_name=f"f{i}.csv") for i in range(51)
    )

    first = operator_client.get("/imports/").content.decode()
    second = operator_client.get("/imports/?page=2").content.decode()

    assert first.count('class="status status-') == 50 and second.count('class="status status-') == 1
    assert "第 1 / 2 页" in first and "第 2 / 2 页" in second


def test_admin_shows_batches_read_only_with_a_link_to_the_batch_page(client, staff, failed_batch):
    # given a failed batch with a row error
    ImportRowError.objects.create(batch=failed_batch, row_number=7, column="生日", value="1990-13-01", reason="日期无效")
    client.force_login(staff(ADMIN))

    changelist = client.get("/admin/members/importbatch/")
    change = client.get(f"/admin/members/importbatch/{failed_batch.pk}/change/")
    add = client.get("/admin/members/importbatch/add/")

    assert changelist.status_code == 200 and "members.csv" in changelist.content.decode()
    assert change.status_code == 200 and f'href="/imports/{failed_batch.pk}/"' in change.content.decode()
    assert "1990-13-01" in change.content.decode()
    assert add.status_code == 403


def test_admin_lists_pending_order_lines(client, staff):
    client.force_login(staff(ADMIN))

    assert client.get("/admin/members/pendingorderline/").status_code == 200


def test_staff_without_phone_permission_see_phones_in_row_errors_masked(client, failed_batch):
    # given a row error carrying a full mobile, and a user who may see imports but not full phones
    from django.contrib.auth.models import Permission

    ImportRowError.objects.create(batch=failed_batch, row_number=2, column="手机号", value="13800138000",
                                  reason="与渠道账号不符")
    user = User.objects.create_user(username="viewer", password="pw-123456", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_importbatch"))
    client.force_login(user)

    # when they open the batch page and download the errors
    page = client.get(f"/imports/{failed_batch.pk}/").content.decode()
    body = b"".join(client.get(f"/imports/{failed_batch.pk}/errors.csv").streaming_content).decode("utf-8")

    # then the number is masked in both
    assert "13800138000" not in page and "13800138000" not in body
    assert "138****8000" in page and "138****8000" in body


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
