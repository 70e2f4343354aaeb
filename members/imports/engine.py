"""Run an import batch: stream the file, and per chunk resolve buyers and write orders in one transaction.

Safety model (documented in the README): a file is imported in chunks of about
`CHUNK_ROWS` file rows, each committed on its own together with its row errors and the
batch's resume point (`rows_done`). A crash or a kill leaves whole chunks only; running
the batch again (`--resume`, or the retry button) continues after the last committed row.
Because every write compares with what is stored, re-running a file from the start is
harmless too — it just changes nothing for the rows already in.

Nothing is written before the header check passes: a missing required column or an
unreadable file fails the batch with the reason and leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import OperationalError, transaction
from django.utils import timezone

from core.bulk_insert import insert_rows
from core.locks import lock_keys
from members import hooks
from members.models import (
    ConsentChannel,
    ConsentRecord,
    ConsentStatus,
    ImportBatch,
    ImportKind,
    ImportRowError,
    ImportStatus,
    Store,
)
from members.services.bulk_resolution import BatchResolution, resolve_records
from members.services.clean_cache import CleanCache, preclean

from .bulk_session import collector_paused, commit_without_flush_wait, refresh_statistics
from .formats import get_format, parse_table
from .heartbeat import beating
from .order_writer import write_items, write_orders
from .read_ahead import read_ahead
from .readers import open_table
from .rows import ImportFileError, ItemRow, KnownRow, MemberRow, OrderRow, RowError, cut_counts
from .taken_in import confirm_known, drop_taken_in, known_fingerprints

logger = logging.getLogger(__name__)

CHUNK_ROWS = 20_000
DEADLOCK_RETRIES = 3
Progress = Callable[[ImportBatch], None]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def wrong_file_reason(batch: ImportBatch, path: Path, *, format_key: str | None = None) -> str | None:
    """Why `path` (and `format_key`) cannot continue `batch`, or None: a resume must read the very file
    its committed rows came from, or its resume point would skip rows of another file."""
    if format_key is not None and format_key != batch.format:
        return f"批次 #{batch.pk} 的文件格式是 {batch.format}，不是 {format_key}：继续导入必须使用原来的格式。"
    path = Path(path)
    if not path.is_file():
        return f"文件不存在：{path}"
    digest = file_sha256(path)
    if digest != batch.file_sha256:
        return (f"文件 {path.name} 不是批次 #{batch.pk} 导入的文件 {batch.file_name}"
                f"（SHA-256 {digest[:12]}… 与 {batch.file_sha256[:12]}… 不同）。继续导入只能使用原文件；"
                "要导入另一个文件，请新建一次导入（命令行不带 --resume）。")
    return None


def claim_for_resume(batch_pk: int, *, status: str) -> bool:
    """Take over a failed or interrupted batch, setting `status`; False when it is neither (any more).

    The conditional UPDATE is the guard: of two resumes at once (a double click, a second
    operator, a second command) exactly one gets the batch.
    """
    return bool(ImportBatch.objects.filter(pk=batch_pk).resumable().update(
        status=status, finished_at=None, error_message="", heartbeat_at=timezone.now()))


def not_resumable_reason(batch: ImportBatch) -> str:
    """Why a batch that is neither failed nor interrupted cannot be resumed."""
    if batch.status == ImportStatus.SUCCEEDED:
        return f"批次 #{batch.pk} 已完成，无需继续导入。"
    if batch.status == ImportStatus.RUNNING:
        return (f"批次 #{batch.pk} 正在导入（最近心跳 {timezone.localtime(batch.last_sign_of_life or batch.created_at):%H:%M:%S}），"
                "不能同时继续导入；若导入进程已被终止，等它显示为“已中断”后再继续。")
    return f"批次 #{batch.pk} 正在排队等待导入，不能继续导入。"


def create_batch(*, kind: str, format_key: str, path: Path, file_name: str = "", user=None,
                 actor_label: str = "", upload=None) -> ImportBatch:
    """Record a file to import; validates the format key up front."""
    get_format(format_key, kind=kind)
    path = Path(path)
    return ImportBatch.objects.create(
        kind=kind, format=format_key, file_name=file_name or path.name, file_sha256=file_sha256(path),
        file_size=path.stat().st_size, started_by=user,
        actor_label=actor_label or (user.get_username() if user else "system"), upload=upload or "",
    )


def _last_row(item) -> int:
    if isinstance(item, OrderRow):
        return item.row_number + item.row_count - 1
    return item.row_number


def _chunks(items: Iterable, size: int, skip_until: int) -> Iterator[list]:
    chunk, rows = [], 0
    for item in items:
        if _last_row(item) <= skip_until:
            continue  # committed by an earlier run of this batch
        chunk.append(item)
        rows += item.row_count if isinstance(item, OrderRow) else 1
        if rows >= size:
            yield chunk
            chunk, rows = [], 0
    if chunk:
        yield chunk


def run_batch(batch: ImportBatch, path: Path, *, progress: Progress | None = None,
              chunk_rows: int = CHUNK_ROWS, skip_taken_in: bool = True) -> ImportBatch:
    """Import the file into the batch; returns it finished (succeeded or failed with the reason).

    `skip_taken_in=False` sends every row the full way, rows imported before included (after
    a change of matching rules or blocked values, to have their buyers resolved again).
    """
    columns = attribute_columns() if batch.kind == ImportKind.MEMBERS else None
    fmt = get_format(batch.format, kind=batch.kind, attribute_columns=columns)
    if batch.started_at is not None and (reason := wrong_file_reason(batch, path)):
        return _finish(batch, ImportStatus.FAILED, reason)  # a resume takes only the batch's own file
    batch.status, batch.error_message = ImportStatus.RUNNING, ""
    batch.started_at = batch.started_at or timezone.now()
    batch.heartbeat_at = timezone.now()
    batch.save(update_fields=["status", "error_message", "started_at", "heartbeat_at"])
    try:
        with beating(batch.pk), open_table(path, filename=batch.file_name) as table:
            taken_in = known_fingerprints(fmt.channel) if skip_taken_in and fmt.single_row_orders else None
            match, parsed = parse_table(table, fmt, taken_in)
            batch.unknown_columns = match.unknown
            batch.save(update_fields=["unknown_columns"])
            carry = _Carry(skip_taken_in=skip_taken_in, reparse=lambda row: list(fmt.parse(iter([row]), match)))
            chunks = read_ahead(_chunks(parsed, chunk_rows, batch.rows_done), prepare=carry.prepare)
            with collector_paused() as collect_now:
                for number, chunk in enumerate(chunks, 1):
                    _write_with_retry(batch, chunk, carry)
                    if number % 10 == 0:
                        collect_now()
                    if number & (number - 1) == 0:  # chunks 1, 2, 4, 8, …
                        refresh_statistics()
                    batch.progress = table.fraction_done() or batch.progress
                    # The heartbeat rides on the progress write after each committed chunk (seconds
                    # apart): a batch silent for IMPORTS_STALE_AFTER_SECONDS shows as interrupted.
                    batch.heartbeat_at = timezone.now()
                    ImportBatch.objects.filter(pk=batch.pk).update(progress=batch.progress,
                                                                   heartbeat_at=batch.heartbeat_at)
                    if progress:
                        progress(batch)
    except ImportFileError as error:
        # Raised by the header check before any write, or mid-file (undecodable bytes further down).
        where = f"（已提交到第 {batch.rows_done} 行，修正文件后可继续导入）" if batch.rows_done else ""
        return _finish(batch, ImportStatus.FAILED, f"{error}{where}")
    except Exception as error:  # recorded for the operator, then re-raised for the logs
        _finish(batch, ImportStatus.FAILED, f"导入中断（已提交到第 {batch.rows_done} 行，可继续导入）：{error}")
        raise
    refresh_statistics()
    return _finish(batch, ImportStatus.SUCCEEDED, "")


def _finish(batch: ImportBatch, status: str, message: str) -> ImportBatch:
    batch.status, batch.error_message, batch.finished_at = status, message, timezone.now()
    if status == ImportStatus.SUCCEEDED:
        batch.progress = 1.0
    batch.save(update_fields=["status", "error_message", "finished_at", "progress"])
    return batch


def _is_deadlock(error: OperationalError) -> bool:
    code = getattr(getattr(error, "__cause__", None), "sqlstate", None)
    return code in ("40P01", "40001")  # deadlock_detected, serialization_failure


@dataclass
class _Carry:
    """What the chunks of one run share: the clean records, and how much of the last chunk was skipped."""

    skip_taken_in: bool = True
    reparse: Callable[[tuple[int, dict]], list] = list  # a KnownRow's (number, cells) → its parsed rows
    cleaned: CleanCache = field(default_factory=CleanCache)
    skipped_share: float = 0.0

    def prepare(self, chunk: list) -> None:
        """Run by the read-ahead thread: clean the chunk's buyers before the writer needs them.

        Not while the file is mostly rows taken in before (a re-import): those are skipped
        unresolved, and cleaning them would be wasted.
        """
        if self.skipped_share < 0.5:
            preclean(_buyers(chunk), self.cleaned)


def _buyers(chunk: list) -> Iterator:
    for item in chunk:
        if isinstance(item, OrderRow):
            if item.buyer is not None:
                yield item.buyer
        elif isinstance(item, MemberRow):
            yield item.record


def _write_with_retry(batch: ImportBatch, chunk: list, carry: _Carry) -> None:
    for attempt in range(1, DEADLOCK_RETRIES + 1):
        try:
            with transaction.atomic():
                commit_without_flush_wait()
                counts = _write_chunk(batch, chunk, carry)
                _checkpoint(batch, chunk, counts)
            return
        except OperationalError as error:
            if not _is_deadlock(error) or attempt == DEADLOCK_RETRIES:
                raise
            logger.warning("import batch %s: chunk hit a deadlock, retrying (%s)", batch.pk, attempt)
            batch.refresh_from_db()


def _checkpoint(batch: ImportBatch, chunk: list, counts: Counter) -> None:
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    total = Counter(locked.counts)
    total.update(counts)
    batch.counts = dict(total)
    batch.rows_done = max(locked.rows_done, max(_last_row(item) for item in chunk))
    ImportBatch.objects.filter(pk=batch.pk).update(counts=batch.counts, rows_done=batch.rows_done)


def _write_chunk(batch: ImportBatch, chunk: list, carry: _Carry) -> Counter:
    counts, skipped = Counter(), 0
    if any(isinstance(item, KnownRow) for item in chunk):
        chunk, skipped = confirm_known(chunk, counts, carry.reparse)
    counts.update(cut_counts(chunk))  # long values cut to their columns (formats/limits.py)
    errors = [item for item in chunk if isinstance(item, RowError)]
    # A rejected row may carry several errors (one per bad cell): count rows, not errors.
    counts["rows_read"] += sum(item.row_count if isinstance(item, OrderRow) else 1 for item in chunk
                               if not isinstance(item, RowError)) + len({e.row_number for e in errors})
    orders = [item for item in chunk if isinstance(item, OrderRow)]
    items = [item for item in chunk if isinstance(item, ItemRow)]
    members = [item for item in chunk if isinstance(item, MemberRow)]
    if orders:
        skipped += _import_orders(batch, orders, counts, carry)
    elif skipped:
        _add_resolution(counts, BatchResolution(links=[]))  # the summary still lists them, as 0
    carry.skipped_share = skipped / max(counts["rows_read"], 1)
    if items:
        _import_items(batch, items, counts)
    if members:
        errors += _import_members(batch, members, counts, carry.cleaned)
    if errors:
        _record_errors(batch, errors)
        counts["rows_rejected"] += len({e.row_number for e in errors})
    return counts


def _record_errors(batch: ImportBatch, errors: list[RowError]) -> None:
    insert_rows(ImportRowError, [
        {"batch_id": batch.pk, "row_number": e.row_number, "column": e.column[:64], "value": str(e.value)[:255],
         "reason": e.reason[:255]}
        for e in errors
    ])


def _add_resolution(counts: Counter, resolution: BatchResolution) -> None:
    counts["members_created"] += resolution.members_created
    counts["members_matched"] += resolution.members_matched
    counts["members_merged"] += resolution.members_merged
    counts["members_queued_for_review"] += resolution.queued_for_review


def _stores(codes: set[str]) -> dict[str, int]:
    codes.discard("")
    return dict(Store.objects.filter(code__in=sorted(codes)).values_list("code", "pk")) if codes else {}


def _import_orders(batch: ImportBatch, orders: list[OrderRow], counts: Counter, carry: _Carry) -> int:
    """Write the chunk's orders; returns how many were skipped as taken in before."""
    fresh = drop_taken_in(orders, counts) if carry.skip_taken_in else orders
    skipped, orders = len(orders) - len(fresh), fresh
    if not orders:
        _add_resolution(counts, BatchResolution(links=[]))  # the summary still lists them, as 0
        return skipped
    # Order numbers are locked like identifiers: two files carrying the same order serialize here.
    lock_keys(f"order:{o.channel}:{o.external_no}" for o in orders)
    with_buyer = [o for o in orders if o.buyer is not None]
    resolution = resolve_records([o.buyer for o in with_buyer], actor_label=f"import#{batch.pk}",
                                 cleaned=carry.cleaned)
    _add_resolution(counts, resolution)
    link_of = {id(o): link for o, link in zip(with_buyer, resolution.links, strict=True)}
    links = [link_of.get(id(o)) for o in orders]
    counts["orders_unlinked"] += sum(1 for link in links if link is None)
    result = write_orders(orders, links, _stores({o.store_code for o in orders}))
    counts.update(orders_created=len(result.created_ids), orders_updated=len(result.updated_ids),
                  orders_unchanged=result.unchanged, orders_stale=result.stale,
                  lines_created=result.lines_created, lines_updated=result.lines_updated,
                  lines_unchanged=result.lines_unchanged, lines_attached=result.lines_attached)
    changed = [*result.created_ids, *result.updated_ids]
    if changed:
        hooks.orders_changed.send(order_ids=changed, source=f"import:{batch.pk}")
    return skipped


def _import_items(batch: ImportBatch, items: list[ItemRow], counts: Counter) -> None:
    lock_keys(f"order:{i.channel}:{i.external_no}" for i in items)
    result, touched = write_items(items, batch.pk)
    counts.update(lines_created=result.lines_created, lines_updated=result.lines_updated,
                  lines_unchanged=result.lines_unchanged, lines_pending=result.lines_pending)
    if touched:
        hooks.orders_changed.send(order_ids=sorted(touched), source=f"import:{batch.pk}")


def _import_members(batch: ImportBatch, rows: list[MemberRow], counts: Counter,
                    cleaned: CleanCache) -> list[RowError]:
    resolution = resolve_records([r.record for r in rows], actor_label=f"import#{batch.pk}", cleaned=cleaned)
    _add_resolution(counts, resolution)
    errors = [RowError(rows[i].row_number, "", "", reason) for i, reason in sorted(resolution.problems.items())]
    consents = [(row, link[0]) for row, link in zip(rows, resolution.links, strict=True)
                if link and row.sms_consent is not None]
    counts["consents_recorded"] += _record_consents(batch, consents)
    return errors


def _record_consents(batch: ImportBatch, consents: list[tuple[MemberRow, int]]) -> int:
    """Append a consent record only where the file says something else than the latest record."""
    if not consents:
        return 0
    latest: dict[int, str] = {}
    member_ids = sorted({member_id for _, member_id in consents})
    rows = (ConsentRecord.objects.filter(member_id__in=member_ids, channel=ConsentChannel.SMS)
            .order_by("member_id", "recorded_at", "id").values_list("member_id", "status"))
    for member_id, status in rows:
        latest[member_id] = status  # ascending order: the last one seen is in force
    new = []
    source = f"导入 {batch.file_name}"[:64]
    for row, member_id in consents:
        status = ConsentStatus.GRANTED if row.sms_consent else ConsentStatus.WITHDRAWN
        if latest.get(member_id) != status:
            latest[member_id] = status
            new.append({"member_id": member_id, "channel": ConsentChannel.SMS, "status": status, "source": source,
                        "recorded_at": row.consent_at or row.record.seen_at or timezone.now()})
    insert_rows(ConsentRecord, new)
    return len(new)


def attribute_columns() -> dict[str, str]:
    """Header → attribute key for every active custom attribute (by its Chinese name or its key)."""
    from members.models import AttributeDefinition

    columns = {}
    for key, label in AttributeDefinition.objects.filter(is_active=True).values_list("key", "label"):
        columns[label] = key
        columns[key] = key
    return columns


def import_file(*, kind: str, format_key: str, path: Path, user=None, actor_label: str = "",
                progress: Progress | None = None, chunk_rows: int = CHUNK_ROWS) -> ImportBatch:
    """Create the batch and run it in this process (commands, tests, the Celery task)."""
    batch = create_batch(kind=kind, format_key=format_key, path=path, user=user, actor_label=actor_label)
    return run_batch(batch, Path(path), progress=progress, chunk_rows=chunk_rows)


def elapsed(batch: ImportBatch) -> float:
    return batch.duration_seconds or (time.time() - batch.started_at.timestamp() if batch.started_at else 0.0)
