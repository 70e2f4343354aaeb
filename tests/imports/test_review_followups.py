"""Defects a review of the import hardening found: a live import must not read as interrupted, many
small parts must not add up to an XLSX bomb, one huge cell must not cost seconds per reference, an
order repeated apart in one file must not overflow its item count, a broker that refuses the task
must not leave the batch queued for ever."""

import io
import time
import zipfile

import pytest
from django.db import transaction
from django.utils import timezone

from members.imports import engine
from members.imports.engine import import_file
from members.imports.formats import MAX_CELL_CHARS
from members.imports.formats.grouping import MAX_ITEM_COUNT
from members.models import ImportBatch, ImportStatus, Member, Order
from members.web.imports import _enqueue

from .support import GENERIC_MEMBER_DEFAULTS, GENERIC_ORDER_DEFAULTS, rows_from
from .xlsx_files import MEMBER_HEADER, member_row, text_row, workbook


def _write(tmp_path, name: str, data: bytes | str):
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


@pytest.mark.django_db
def test_many_small_parts_that_together_unpack_to_hundreds_of_times_their_size_are_refused(tmp_path):
    # given a valid one-sheet workbook carrying ten extra parts of 15 MB whitespace each (each under
    # the per-part floor; openpyxl would size every one of them on load)
    buffer = io.BytesIO(workbook([text_row(1, MEMBER_HEADER), text_row(2, member_row(2))]))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        for n in range(2, 12):
            archive.writestr(f"xl/worksheets/sheet{n}.xml", b" " * (15 << 20))
    path = _write(tmp_path, "many.xlsx", buffer.getvalue())

    # when it is imported
    started = time.monotonic()
    batch = import_file(kind="members", format_key="generic", path=path)

    # then it is refused from the zip directory, quickly, naming the total and the limit
    assert time.monotonic() - started < 5
    assert batch.status == ImportStatus.FAILED
    assert "解压后共" in batch.error_message and "上限 100 倍" in batch.error_message
    assert Member.objects.count() == 0


@pytest.mark.django_db
def test_a_cell_past_excels_limit_rejects_its_row_and_costs_no_more_than_excels_limit(tmp_path):
    # given a member file whose name cell holds a million characters, and a good row after it
    content = rows_from(GENERIC_MEMBER_DEFAULTS, {"姓名": "张" * 1_000_000},
                        {"渠道账号": "8800999999", "手机号": "13900000000"})
    path = _write(tmp_path, "members.csv", content)

    # when it is imported
    batch = import_file(kind="members", format_key="generic", path=path)

    # then only the huge row is rejected, its length reported as cut at Excel's cell limit
    error = batch.row_errors.get()
    assert batch.status == ImportStatus.SUCCEEDED and Member.objects.count() == 1
    assert (error.row_number, error.column) == (2, "姓名")
    assert f"{MAX_CELL_CHARS:,}" in error.reason


@pytest.mark.django_db
def test_an_order_repeated_apart_in_one_chunk_keeps_an_item_count_the_column_can_hold(tmp_path):
    # given order A with lines of huge quantities, another order between, then more lines of A
    big = {"订单编号": "A1", "数量": "10000000", "单价": "1.00"}
    lines = [{**big, "SKU": f"S{n}"} for n in range(150)]
    content = rows_from(GENERIC_ORDER_DEFAULTS, *lines, {"订单编号": "B1"},
                        *({**line, "SKU": f"T{n}"} for n, line in enumerate(lines)))
    path = _write(tmp_path, "orders.csv", content)

    # when it is imported
    batch = import_file(kind="orders", format_key="generic", path=path)

    # then it succeeds, the repeated order's count capped at the column's largest value
    assert batch.status == ImportStatus.SUCCEEDED, batch.error_message
    assert Order.objects.get(external_no="A1").item_count == MAX_ITEM_COUNT


@pytest.mark.django_db
def test_a_batch_whose_task_the_broker_refuses_is_failed_with_a_reason_not_left_queued(
        tmp_path, monkeypatch, django_capture_on_commit_callbacks):
    # given a stored upload and a broker that refuses the task (not eager)
    path = _write(tmp_path, "members.csv", rows_from(GENERIC_MEMBER_DEFAULTS, {}))
    batch = engine.create_batch(kind="members", format_key="generic", path=path)
    from members.tasks import run_import_task

    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(run_import_task, "delay", refuse)
    conf = run_import_task.app.conf
    eager, conf.task_always_eager = conf.task_always_eager, False

    # when the upload queues it
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _enqueue(batch.pk)
    finally:
        conf.task_always_eager = eager

    # then the batch is failed with a reason that says what to do, so 继续导入 can pick it up
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert "任务队列暂时不可用" in batch.error_message and "继续导入" in batch.error_message


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_live_import_keeps_its_heartbeat_fresh_between_chunks(tmp_path, settings):
    # given a stale limit of one second (a beat every 0.2 s) and an import whose chunk takes 1.5 s
    settings.IMPORTS_STALE_AFTER_SECONDS = 1
    path = _write(tmp_path, "members.csv", rows_from(GENERIC_MEMBER_DEFAULTS, {}, {"渠道账号": "8800999999"}))
    seen = []

    def slow_chunk(batch):
        started = timezone.now()
        time.sleep(1.5)
        with transaction.atomic():
            seen.append(ImportBatch.objects.get(pk=batch.pk).heartbeat_at - started)

    # when it runs
    batch = import_file(kind="members", format_key="generic", path=path, progress=slow_chunk, chunk_rows=1)

    # then while the chunk work went on, the heartbeat kept moving (it never went stale)
    assert batch.status == ImportStatus.SUCCEEDED
    assert seen and all(delta.total_seconds() > 1.0 for delta in seen)
    assert not ImportBatch.objects.get(pk=batch.pk).is_interrupted


@pytest.mark.django_db
def test_an_over_long_sku_rejects_its_row_saying_it_would_name_another_product(tmp_path):
    # given an order line whose SKU is longer than the column
    path = _write(tmp_path, "orders.csv", rows_from(GENERIC_ORDER_DEFAULTS, {"SKU": "S" * 65}))

    # when it is imported
    batch = import_file(kind="orders", format_key="generic", path=path)

    # then the row says what a cut SKU would do, not that it would link another member
    reason = batch.row_errors.get().reason
    assert "截断后可能指向其他商品" in reason and "会员" not in reason
