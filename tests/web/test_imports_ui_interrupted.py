"""Import pages for a batch whose process was killed: shown as 已中断, resumed once from its page, with its own file."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from members.imports import engine
from members.models import ImportBatch, ImportStatus, Member

from .imports_ui_helpers import GOOD_MEMBERS

# Imports written `name as name` are fixtures: pytest looks them up by name in this module.
from .imports_ui_helpers import media_root as media_root
from .imports_ui_helpers import operator_client as operator_client


class Killed(BaseException):
    """What SIGKILL leaves behind: the process stops between two statements, no handler runs."""


@pytest.fixture
def stored_upload(settings):
    """A member file kept where uploads are kept, and its batch (not started)."""
    path = Path(settings.MEDIA_ROOT) / "imports" / "members.csv"
    path.parent.mkdir(parents=True)
    path.write_text(GOOD_MEMBERS, encoding="utf-8")
    return engine.create_batch(kind="members", format_key="generic", path=path, upload="imports/members.csv")


def killed_after_first_row(batch: ImportBatch) -> ImportBatch:
    def die(_):
        raise Killed

    with pytest.raises(Killed):
        engine.run_batch(batch, Path(batch.upload.path), chunk_rows=1, progress=die)
    return ImportBatch.objects.get(pk=batch.pk)


def silent_for(batch: ImportBatch, seconds: int) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=seconds))


def test_a_running_batch_with_a_stale_heartbeat_shows_as_interrupted_on_list_and_page(operator_client, stored_upload,
                                                                                       settings):
    # given an import killed after its first row, silent for longer than the setting
    settings.IMPORTS_STALE_AFTER_SECONDS = 300
    batch = killed_after_first_row(stored_upload)
    silent_for(batch, 301)

    # when staff open the list, the batch page and its progress
    listing = operator_client.get("/imports/").content.decode()
    page = operator_client.get(f"/imports/{batch.pk}/").content.decode()
    progress = operator_client.get(f"/imports/{batch.pk}/progress.json").json()

    # then all say 已中断, and the page offers to continue after the committed row
    assert 'status-interrupted">已中断' in listing
    assert "导入已中断" in page and "超过 5 分钟没有进展" in page and "从第 3 行接着导入" in page
    assert "继续导入</button>" in page
    assert (progress["status"], progress["status_label"], progress["finished"]) == ("interrupted", "已中断", True)


def test_a_running_batch_with_a_recent_heartbeat_is_running_and_cannot_be_resumed(operator_client, stored_upload,
                                                                                  django_capture_on_commit_callbacks):
    # given an import whose process is alive (heartbeat a few seconds ago)
    batch = killed_after_first_row(stored_upload)
    silent_for(batch, 5)

    # when the page is opened and 继续导入 is posted anyway
    page = operator_client.get(f"/imports/{batch.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = operator_client.post(f"/imports/{batch.pk}/resume/", follow=True)

    # then it reads 导入中, offers no resume, and the post queues nothing
    assert "导入中" in page and "继续导入</button>" not in page
    assert callbacks == [] and "只有失败或已中断" in response.content.decode()
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.RUNNING


def test_an_interrupted_batch_resumed_from_its_page_on_a_double_click_runs_once_to_the_end(
        operator_client, stored_upload, django_capture_on_commit_callbacks):
    # given an import killed after its first row and silent for an hour
    batch = killed_after_first_row(stored_upload)
    silent_for(batch, 3600)
    assert Member.objects.count() == 1

    # when the operator presses 继续导入 twice
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = operator_client.post(f"/imports/{batch.pk}/resume/")
        second = operator_client.post(f"/imports/{batch.pk}/resume/", follow=True)

    # then one run was queued, the second press was refused, and the batch ends as an uninterrupted import
    assert len(callbacks) == 1
    assert first.status_code == 302 and "只有失败或已中断" in second.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.SUCCEEDED, batch.error_message
    assert Member.objects.count() == 2
    assert (batch.counts["rows_read"], batch.counts["members_created"]) == (2, 2)


def test_a_resume_from_the_page_reads_only_the_batchs_own_file(operator_client, stored_upload,
                                                               django_capture_on_commit_callbacks):
    # given a failed batch whose stored file has since been replaced by another file
    batch = killed_after_first_row(stored_upload)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.FAILED)
    Path(batch.upload.path).write_text(GOOD_MEMBERS.replace("u-1002", "u-9999"), encoding="utf-8")

    # when the operator presses 继续导入
    with django_capture_on_commit_callbacks(execute=True):
        operator_client.post(f"/imports/{batch.pk}/resume/")

    # then the batch fails saying the file is not its own, and nothing of the other file goes in
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and "不是批次" in batch.error_message
    assert Member.objects.count() == 1
    assert "不是批次" in operator_client.get(f"/imports/{batch.pk}/").content.decode()
