"""Import pages when the import itself fails: the upload still lands on the batch page with the reason."""

import logging
import time

from django.db import OperationalError, connection

from members.models import ImportBatch, ImportStatus, Member
from tests.imports.xlsx_files import far_right_cells, workbook

from .imports_ui_helpers import GOOD_MEMBERS

# Imports written `name as name` are fixtures: pytest looks them up by name in this module.
from .imports_ui_helpers import media_root as media_root
from .imports_ui_helpers import operator_client as operator_client
from .imports_ui_helpers import upload as upload


def _database_gone_at_identities(execute, sql, params, many, context):
    """The database boundary: the connection drops as soon as the import looks up or writes identities."""
    if "members_identity" in sql:
        raise OperationalError("server closed the connection unexpectedly")
    return execute(sql, params, many, context)


def test_upload_whose_eager_task_fails_lands_on_the_batch_page_with_the_reason(upload, operator_client, caplog):
    # given a database that fails once the import reaches the people tables (Celery runs eagerly in tests)
    with caplog.at_level(logging.ERROR), connection.execute_wrapper(_database_gone_at_identities):
        # when an operator uploads a valid member file
        response = upload("会员.csv", GOOD_MEMBERS)

    # then the browser is sent to the batch page (no 500) and the failure is logged, not raised
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{batch.pk}/"
    assert "server closed the connection" in caplog.text
    # and the batch page shows it failed, with the Chinese reason and the offer to resume
    page = operator_client.get(response["Location"]).content.decode()
    assert batch.status == ImportStatus.FAILED
    assert "导入失败" in page and "导入中断" in page and "server closed the connection unexpectedly" in page
    assert "继续导入</button>" in page
    assert Member.objects.count() == 0


def test_upload_of_an_xlsx_past_the_column_limit_answers_within_seconds_with_the_limit(upload, operator_client):
    # given the probe's 0.5 MB workbook: 100,000 rows that each hold one cell at column XFD
    data = workbook(far_right_cells(100_000))

    # when it is uploaded (the import runs eagerly, inside the request, in tests)
    started = time.perf_counter()
    response = upload("members.xlsx", data)
    seconds = time.perf_counter() - started

    # then the request is answered within seconds and the batch page names the limit
    batch = ImportBatch.objects.get()
    assert seconds < 5 and response.status_code == 302
    assert batch.status == ImportStatus.FAILED
    page = operator_client.get(response["Location"]).content.decode()
    assert "XFD 列有内容，超过导入上限 500 列" in page
