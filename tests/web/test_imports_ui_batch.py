"""Following an uploaded batch: its page, its progress, its rejected rows and resuming it after a failure."""

import csv
import io
from pathlib import Path

from members.imports.engine import create_batch
from members.models import ImportBatch, ImportRowError, ImportStatus, Member

from .imports_ui_helpers import GOOD_MEMBERS, MEMBER_HEADER

# Imports written `name as name` are fixtures: pytest looks them up by name in this module.
from .imports_ui_helpers import failed_batch as failed_batch
from .imports_ui_helpers import media_root as media_root
from .imports_ui_helpers import operator_client as operator_client
from .imports_ui_helpers import upload as upload

# Row 3 has a registration time that is no time (and looks like a spreadsheet formula); rows 2 and 4 are fine.
BAD_MEMBERS = (
    f"{MEMBER_HEADER}\nmall,u-2001,王五,13700137000,2024-01-01 08:00\n"
    "mall,u-2002,赵六,13600136000,=1+1\nmall,u-2003,钱七,13500135000,2024-02-02 08:00\n"
)


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
