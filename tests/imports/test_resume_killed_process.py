"""A real kill: `import_orders` in its own process gets SIGKILL after its first chunk commits; the batch reads as
interrupted once its heartbeat is stale, and `--resume` ends it as an uninterrupted import would have."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from bench.databases import url_of
from members.models import ImportBatch, ImportStatus, Order

from .test_resume_checks import outcome, resume, tmall_file, uninterrupted

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ORDERS = 400
CHUNK = 4  # many small chunks: the process is still writing when it is killed


def _start_import(path: Path) -> subprocess.Popen:
    # This test's database, over TCP or the embedded server's Unix socket alike.
    env = {**os.environ, "DATABASE_URL": url_of(connection.settings_dict), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env.pop("CELERY_BROKER_URL", None)
    return subprocess.Popen(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "import_orders", "--format", "tmall",
         "--chunk-rows", str(CHUNK), str(path)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _first_chunk_committed(process: subprocess.Popen, timeout: float = 60.0) -> ImportBatch:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = ImportBatch.objects.filter(rows_done__gt=0).first()
        if batch is not None:
            return batch
        assert process.poll() is None, "the import process ended before its first chunk"
        time.sleep(0.02)
    raise AssertionError("no chunk committed in time")


def test_an_import_killed_by_sigkill_is_resumed_to_the_result_of_an_uninterrupted_one(tmp_path):
    # given a file, and what importing it in one go gives
    path = tmall_file(tmp_path / "orders.csv", count=ORDERS)
    expected, _ = uninterrupted(path, chunk_rows=ORDERS)

    # when its import runs in a process that is killed with SIGKILL after its first chunk commits
    process = _start_import(path)
    try:
        _first_chunk_committed(process)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)

    # then the batch is left running, part done, and reads as interrupted once its heartbeat is stale
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.RUNNING and 0 < Order.objects.count() < ORDERS
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert ImportBatch.objects.get().is_interrupted

    # and when it is resumed, it ends exactly as the uninterrupted import
    resume(batch, path, chunk_rows=ORDERS)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.SUCCEEDED, batch.error_message
    assert outcome() == expected
