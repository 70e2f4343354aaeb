"""Fixtures and sample member files shared by the import-page tests (tests/web/test_imports_ui_*.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.roles import OPERATOR
from members.models import ImportBatch, ImportStatus

# A test module takes the fixtures below as `from .imports_ui_helpers import name as name`.
MEMBER_HEADER = "渠道,渠道账号,姓名,手机号,注册时间"
GOOD_MEMBERS = f"{MEMBER_HEADER}\nmall,u-1001,张三,13800138000,2024-05-01 10:00:00\nmall,u-1002,李四,13900139000,2024-12-31 09:30:00\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


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
