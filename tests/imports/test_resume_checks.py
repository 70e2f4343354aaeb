"""Resuming an import: only with the batch's own file and format, only a failed or interrupted batch,
and a killed import resumed ends exactly as if it had never stopped."""

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from members.imports import engine
from members.models import Identity, ImportBatch, ImportStatus, Member, Order

from .support import TMALL_DEFAULTS, rows_from

pytestmark = pytest.mark.django_db

ORDERS = 7
CHUNK = 3


class Killed(BaseException):
    """What SIGKILL leaves behind: the process stops between two statements, no handler runs."""


def tmall_file(path: Path, first_order: int = 1001, count: int = ORDERS) -> Path:
    rows = [{"订单编号": f'="{no}"', "买家会员名": f"tb-{no}", "联系手机": f"'1380013{no % 10_000:04d}",
             "收货人姓名": f"买家{no}"} for no in range(first_order, first_order + count)]
    path.write_text(rows_from(TMALL_DEFAULTS, *rows), encoding="gb18030")
    return path


def failed_batch(path: Path) -> ImportBatch:
    batch = engine.create_batch(kind="orders", format_key="tmall", path=path)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.FAILED, started_at=timezone.now(),
                                                   error_message="数据库连接中断")
    return ImportBatch.objects.get(pk=batch.pk)


def resume(batch: ImportBatch, path: Path, format_key: str = "tmall", command: str = "import_orders",
           chunk_rows: int = CHUNK) -> str:
    out = StringIO()
    call_command(command, "--format", format_key, "--resume", str(batch.pk), str(path),
                 "--chunk-rows", str(chunk_rows), stdout=out)
    return out.getvalue()


def killed_after_first_chunk(path: Path) -> ImportBatch:
    """Run the file's import and kill it right after its first chunk commits."""
    def die(batch):
        raise Killed

    batch = engine.create_batch(kind="orders", format_key="tmall", path=path)
    with pytest.raises(Killed):
        engine.run_batch(batch, path, chunk_rows=CHUNK, progress=die)
    return ImportBatch.objects.get(pk=batch.pk)


def outcome() -> dict:
    """What an import leaves behind, by natural keys (ids differ between runs)."""
    return {
        "orders": sorted(Order.objects.values_list("channel", "external_no", "status", "paid_amount", "member__mobile")),
        "members": sorted(Member.objects.values_list("mobile", "name")),
        "identities": sorted(Identity.objects.values_list("kind", "value", "member__mobile")),
    }


def uninterrupted(path: Path, chunk_rows: int = CHUNK) -> tuple[dict, dict]:
    """The outcome and counts of importing the file in one go, rolled back afterwards."""
    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        batch = engine.import_file(kind="orders", format_key="tmall", path=path, chunk_rows=chunk_rows)
        assert batch.status == ImportStatus.SUCCEEDED, batch.error_message
        result = outcome(), batch.counts
        raise Undo
    assert not Order.objects.exists()
    return result


def test_resume_with_a_different_file_is_refused_and_leaves_the_batch_as_it_was(tmp_path):
    # given a failed batch of one file, and another file with other orders
    batch = failed_batch(tmall_file(tmp_path / "orders.csv"))
    other = tmall_file(tmp_path / "other.csv", first_order=5001)

    # when the operator resumes the batch with the other file
    with pytest.raises(CommandError) as refused:
        resume(batch, other)

    # then it is refused, naming both files, and nothing changed
    assert "other.csv 不是批次" in str(refused.value) and "orders.csv" in str(refused.value)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and batch.error_message == "数据库连接中断"
    assert not Order.objects.exists()


def test_resume_with_another_format_is_refused(tmp_path):
    path = tmall_file(tmp_path / "orders.csv")
    batch = failed_batch(path)

    with pytest.raises(CommandError, match="文件格式是 tmall，不是 jd"):
        resume(batch, path, format_key="jd")

    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.FAILED


def test_resume_of_an_order_batch_with_the_member_command_is_refused(tmp_path):
    path = tmall_file(tmp_path / "orders.csv")
    batch = failed_batch(path)

    with pytest.raises(CommandError, match="是订单导入"):
        resume(batch, path, format_key="generic", command="import_members")


def test_resume_of_a_running_batch_whose_process_is_alive_is_refused(tmp_path):
    # given a batch running right now (a fresh heartbeat)
    path = tmall_file(tmp_path / "orders.csv")
    batch = engine.create_batch(kind="orders", format_key="tmall", path=path)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING, started_at=timezone.now(),
                                                   heartbeat_at=timezone.now())

    # when it is resumed  # then it is refused: two runs of one batch at once
    with pytest.raises(CommandError, match="正在导入"):
        resume(batch, path)
    assert not Order.objects.exists()


def test_resume_of_a_finished_batch_is_refused(tmp_path):
    path = tmall_file(tmp_path / "orders.csv")
    batch = engine.import_file(kind="orders", format_key="tmall", path=path)

    with pytest.raises(CommandError, match="已完成"):
        resume(batch, path)


def test_the_engine_itself_refuses_to_continue_a_batch_with_another_file(tmp_path):
    # given a failed batch (as the web resume or a task would run it) whose file was replaced
    batch = failed_batch(tmall_file(tmp_path / "orders.csv"))
    other = tmall_file(tmp_path / "other.csv", first_order=5001)

    # when the engine is asked to continue it with the other file
    batch = engine.run_batch(batch, other)

    # then the batch fails with the reason and nothing of the other file goes in
    assert batch.status == ImportStatus.FAILED and "不是批次" in batch.error_message
    assert not Order.objects.exists()


def test_a_killed_import_stays_running_until_its_heartbeat_is_stale_then_reads_as_interrupted(tmp_path, settings):
    # given an import killed right after its first chunk
    settings.IMPORTS_STALE_AFTER_SECONDS = 300
    batch = killed_after_first_chunk(tmall_file(tmp_path / "orders.csv"))
    assert (batch.status, batch.rows_done) == (ImportStatus.RUNNING, 1 + CHUNK)

    # then: alive while its heartbeat is recent, interrupted once it is older than the setting
    assert not batch.is_interrupted and batch.state_label == "导入中"
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=301))
    batch.refresh_from_db()
    assert batch.is_interrupted and batch.state_label == "已中断"
    assert list(ImportBatch.objects.interrupted()) == [batch]


def test_a_killed_import_resumed_from_the_command_line_ends_as_an_uninterrupted_one(tmp_path):
    # given a file, what importing it in one go gives, and an import of it killed after its first chunk
    path = tmall_file(tmp_path / "orders.csv")
    expected, expected_counts = uninterrupted(path)
    batch = killed_after_first_chunk(path)
    assert Order.objects.count() == CHUNK
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))

    # when the operator resumes it
    summary = resume(batch, path)

    # then it continues after the committed rows and ends exactly as the uninterrupted import
    batch.refresh_from_db()
    assert batch.status == ImportStatus.SUCCEEDED and "已完成" in summary
    assert outcome() == expected and len(expected["orders"]) == ORDERS
    assert batch.counts == expected_counts
