"""Import pages: upload a file, watch its batch, read and download its row errors.

Views stay thin: the form stores the file and records the batch, the Celery task runs the
engine (eagerly in-process when no broker is configured), the pages only read the batch.
"""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from core.spreadsheet import neutralize_formula
from core.web import staff_page
from members.admin.common import can_reveal_phone, mask_phones_in_text
from members.imports.engine import claim_for_resume
from members.imports.rows import ImportFileError
from members.imports.summary import summary_lines
from members.models import ImportBatch, ImportStatus
from members.tasks import run_import_task

from .formats import TEMPLATE_TYPES, format_labels, label_of, template_attribute_columns
from .forms import ImportUploadForm, max_upload_bytes, too_large_message

VIEW, ADD = "members.view_importbatch", "members.add_importbatch"
ERRORS_ON_PAGE = 200
BATCHES_PER_PAGE = 50
FINISHED = (ImportStatus.SUCCEEDED, ImportStatus.FAILED)
ERROR_HEADERS = ["行号", "列", "值", "原因"]
MULTIPART_OVERHEAD = 64 * 1024  # the other form fields and multipart boundaries around the file


def stale_minutes() -> int:
    return max(1, round(getattr(settings, "IMPORTS_STALE_AFTER_SECONDS", 300) / 60))


def _enqueue(batch_id: int) -> None:
    """Queue the batch's task once the batch row is committed.

    robust: a failing eager run (no broker) has already marked the batch failed and the page
    shows why. A named function, not a functools.partial: Django logs a robust callback's
    failure by its __qualname__, which a partial lacks (the upload then answered 500).
    """

    def run_import() -> None:
        try:
            run_import_task.delay(batch_id)
        except Exception as error:
            if run_import_task.app.conf.task_always_eager:
                raise  # the eager run failed inside the task, which has recorded why on the batch
            # The broker refused it: a batch left 排队中 could never run nor be resumed.
            ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.QUEUED).update(
                status=ImportStatus.FAILED, finished_at=timezone.now(),
                error_message=f"任务队列暂时不可用（{type(error).__name__}），文件已保存，请稍后点击“继续导入”。",
            )
            raise

    transaction.on_commit(run_import, robust=True)


@staff_page(VIEW)
def batch_list(request):
    batches = ImportBatch.objects.select_related("started_by").only(
        "kind", "format", "file_name", "status", "counts", "created_at", "started_at", "finished_at",
        "heartbeat_at", "actor_label", "started_by__username",
    )
    page = Paginator(batches, BATCHES_PER_PAGE).get_page(request.GET.get("page"))
    labels = format_labels()
    for batch in page:
        batch.format_label = label_of(labels, batch.kind, batch.format)
    return render(request, "imports/list.html", {"page": page})


@csrf_exempt  # checked by _upload, after the size check: the CSRF check reads (spools) the whole body
@staff_page(ADD)
def upload(request):
    if request.method == "POST" and _content_length(request) > max_upload_bytes() + MULTIPART_OVERHEAD:
        return _upload_page(request, ImportUploadForm(), too_large_message(_content_length(request)))
    return _upload(request)


@csrf_protect
def _upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        batch = form.save(user=request.user)
        _enqueue(batch.pk)
        return redirect("imports:detail", pk=batch.pk)
    return _upload_page(request, form)


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _upload_page(request, form, upload_error=""):
    return render(request, "imports/upload.html", {
        "form": form, "options": form.options, "template_types": TEMPLATE_TYPES, "upload_error": upload_error,
    })


@staff_page(VIEW)
def batch_detail(request, pk):
    batch = get_object_or_404(ImportBatch.objects.select_related("started_by"), pk=pk)
    reveal = can_reveal_phone(request)
    errors = list(batch.row_errors.order_by("row_number", "id")[:ERRORS_ON_PAGE])
    if not reveal:
        for error in errors:
            error.value = mask_phones_in_text(error.value)
    error_count = len(errors) if len(errors) < ERRORS_ON_PAGE else batch.row_errors.count()
    return render(request, "imports/detail.html", {
        "batch": batch,
        "format_label": label_of(format_labels(), batch.kind, batch.format),
        "finished": batch.status in FINISHED or batch.is_interrupted,
        "summary": summary_lines(batch),
        "errors": errors,
        "error_count": error_count,
        "stale_minutes": stale_minutes(),
        "can_resume": (batch.status == ImportStatus.FAILED or batch.is_interrupted) and bool(batch.upload)
        and request.user.has_perm(ADD),
    })


@never_cache
@require_GET
@staff_page(VIEW)
def batch_progress(request, pk):
    batch = get_object_or_404(ImportBatch, pk=pk)
    return JsonResponse({
        "id": batch.pk,
        "status": batch.state,
        "status_label": batch.state_label,
        "progress": round(batch.progress or 0.0, 4),
        "rows_done": batch.rows_done,
        "counts": batch.counts or {},
        "finished": batch.status in FINISHED or batch.is_interrupted,
        "error_message": batch.error_message,
    })


@require_POST
@staff_page(ADD)
def batch_resume(request, pk):
    batch = get_object_or_404(ImportBatch, pk=pk)
    # Failed or interrupted only; the claim's conditional UPDATE queues it once on a double click or a
    # second operator. The task reads the batch's own stored file, and the engine checks its hash.
    queued = bool(batch.upload) and claim_for_resume(pk, status=ImportStatus.QUEUED)
    if queued:
        _enqueue(batch.pk)
        messages.success(request, f"已重新排队，将从第 {batch.rows_done + 1} 行继续导入。")
    else:
        messages.error(request, "只有失败或已中断、且保留了上传文件的批次才能继续导入。")
    return redirect("imports:detail", pk=pk)


class _Echo:
    def write(self, value):
        return value


@staff_page(VIEW)
def batch_errors_csv(request, pk):
    batch = get_object_or_404(ImportBatch, pk=pk)
    reveal = can_reveal_phone(request)
    writer = csv.writer(_Echo())

    def cell(value: str) -> str:
        return neutralize_formula(value if reveal else mask_phones_in_text(value))

    def rows():
        yield "\ufeff" + writer.writerow(ERROR_HEADERS)  # BOM: Excel opens UTF-8 CSV as such
        errors = batch.row_errors.order_by("row_number", "id").values_list("row_number", "column", "value", "reason")
        for row_number, column, value, reason in errors.iterator(chunk_size=5000):
            yield writer.writerow([row_number, cell(column), cell(value), cell(reason)])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"import-{batch.pk}-errors.csv")
    return response


@staff_page(VIEW)
def template_download(request, kind, format_key, file_type):
    from members.imports.templates import template_file

    if file_type not in TEMPLATE_TYPES:
        raise Http404
    try:
        filename, content, content_type = template_file(
            format_key, kind, file_type, attribute_columns=template_attribute_columns(kind)
        )
    except (ImportFileError, LookupError, ValueError) as error:
        raise Http404("没有这个模板") from error
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
