"""Thin Celery tasks: take ids, call one service."""

from dataclasses import asdict

from celery import shared_task

from members.services.candidates import find_duplicate_candidates


@shared_task
def find_duplicate_candidates_task(member_ids: list[int] | None = None) -> dict:
    """Nightly (config/schedule.py) or after an import with the imported people's ids."""
    run = find_duplicate_candidates(member_ids=member_ids)
    return asdict(run)


@shared_task
def run_import_task(batch_id: int) -> dict:
    """Run an uploaded file's import batch; the upload page polls the batch for progress."""
    from pathlib import Path

    from members.imports.engine import run_batch
    from members.models import ImportBatch, ImportStatus

    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.status == ImportStatus.SUCCEEDED or not batch.upload:
        return {"batch": batch_id, "skipped": True}
    if batch.status == ImportStatus.RUNNING and not batch.is_interrupted:
        # A redelivered task (acks_late) while another worker still runs the batch: one run at a time.
        return {"batch": batch_id, "skipped": True}
    batch = run_batch(batch, Path(batch.upload.path))
    return {"batch": batch.pk, "status": batch.status, "counts": batch.counts}
