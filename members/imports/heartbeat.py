"""A running import's pulse, written from a thread of its own.

The engine also stamps `ImportBatch.heartbeat_at` with each committed chunk, but long stretches
write nothing: opening and scanning a large workbook, loading the fingerprints, skipping the rows
a resume has already done, one slow chunk. Without a pulse there, a live import would read as
已中断 after IMPORTS_STALE_AFTER_SECONDS and a second run could claim it. The thread dies with
the process, so a killed import still goes stale.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone


def interval_seconds() -> float:
    """Five beats within the stale limit, at most one every 30 s."""
    return max(0.2, min(30.0, settings.IMPORTS_STALE_AFTER_SECONDS / 5))


@contextmanager
def beating(batch_id: int) -> Iterator[None]:
    stop = threading.Event()

    def beat() -> None:
        from members.models import ImportBatch, ImportStatus

        try:
            while not stop.wait(interval_seconds()):
                try:
                    ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:
                    pass  # a lost connection or a lock timeout: the next beat or chunk writes it
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"import-{batch_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
