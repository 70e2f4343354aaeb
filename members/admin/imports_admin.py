"""Import batches (导入批次) and item lines waiting for their order: read-only here.

Uploads go through the import page (/imports/new/), which stores the file and queues the
run; the admin only lets staff find a batch and jump to its page.
"""

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html

from core.admin import ReadOnlyAdminMixin, ReadOnlyTabularInline, pretty_json
from members.models import ImportBatch, ImportRowError, PendingOrderLine

from .common import FieldTextsMixin, PhoneMaskingMixin
from .pii_lookups import PiiLookupGuardMixin

INLINE_ERRORS = 50


class _FirstErrorsFormSet(BaseInlineFormSet):
    """Only the first rows: a bad file can leave hundreds of thousands of errors."""

    def get_queryset(self):
        if not hasattr(self, "_first_errors"):
            self._first_errors = super().get_queryset()[:INLINE_ERRORS]
        return self._first_errors


class ImportRowErrorInline(PhoneMaskingMixin, ReadOnlyTabularInline):
    model = ImportRowError
    formset = _FirstErrorsFormSet
    fields = ("row_number", "column", "shown_value", "reason")
    ordering = ("row_number", "id")
    show_change_link = False
    verbose_name_plural = f"错误行（前 {INLINE_ERRORS} 条，全部见导入页面）"

    @admin.display(description="值")
    def shown_value(self, obj):
        return self.shown(obj, obj.value)


@admin.register(ImportBatch)
class ImportBatchAdmin(PiiLookupGuardMixin, FieldTextsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    field_help_texts = {
        "actor_label": "发起导入的命令、后台任务或用户",
        "rows_done": "已提交到文件的第几行；中断后继续导入时从下一行接着处理",
    }
    list_display = (
        "id", "created_at", "file_name", "kind", "format", "status", "rows_read", "rows_rejected", "who", "page_link",
    )
    list_display_links = ("id", "file_name")
    list_filter = ("status", "kind", "format")
    search_fields = ("file_name", "=file_sha256")
    search_help_text = "文件名或文件 SHA-256（精确）"
    date_hierarchy = "created_at"
    list_select_related = ("started_by",)
    inlines = [ImportRowErrorInline]
    fieldsets = (
        (None, {"fields": ("page_link", "kind", "format", "status", "error_message")}),
        ("文件", {"fields": ("file_name", "file_size", "file_sha256", "upload_name")}),
        ("发起", {"fields": ("started_by", "actor_label", "created_at", "started_at", "finished_at")}),
        ("进度与结果", {"fields": ("rows_done", "progress", "counts_json", "unknown_columns")}),
    )
    readonly_fields = ("page_link", "upload_name", "counts_json")

    @admin.display(description="导入页面")
    def page_link(self, obj):
        return format_html('<a href="{}">查看进度与结果</a>', reverse("imports:detail", args=[obj.pk]))

    @admin.display(description="读取行数")
    def rows_read(self, obj):
        return (obj.counts or {}).get("rows_read", 0)

    @admin.display(description="拒绝行数")
    def rows_rejected(self, obj):
        return (obj.counts or {}).get("rows_rejected", 0)

    @admin.display(description="发起人")
    def who(self, obj):
        return obj.started_by.get_username() if obj.started_by_id else obj.actor_label

    @admin.display(description="保存的文件")
    def upload_name(self, obj):
        return obj.upload.name or "-"  # a path on the server, not a link: uploads are not served over HTTP

    @admin.display(description="统计")
    def counts_json(self, obj):
        return pretty_json(obj.counts or {})


@admin.register(PendingOrderLine)
class PendingOrderLineAdmin(PiiLookupGuardMixin, FieldTextsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    field_labels = {"batch": "导入批次"}
    list_display = ("channel", "external_no", "line_no", "sku", "title", "quantity", "price", "batch_link")
    list_filter = ("channel",)
    search_fields = ("=external_no", "=sku")
    search_help_text = "订单编号或 SKU（精确）"
    list_select_related = ("batch",)
    show_full_result_count = False

    @admin.display(description="导入批次", ordering="batch")
    def batch_link(self, obj):
        if not obj.batch_id:
            return "-"
        return format_html('<a href="{}">#{}</a>', reverse("imports:detail", args=[obj.batch_id]), obj.batch_id)
