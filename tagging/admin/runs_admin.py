"""Recomputes of dynamic and variable tags (标签重算): the history, and one run's page with a
progress bar that polls the run's status until it is done."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.admin import ReadOnlyAdminMixin, admin_link, changelist_url
from members.admin.common import PhoneMaskingMixin
from members.admin.pii_lookups import PiiLookupGuardMixin
from members.masking import mask_data, may_reveal, shown_text
from tagging.models import RunStatus, TagMembership, TagRefreshRun

FINISHED = (RunStatus.DONE, RunStatus.FAILED)
# Labels of the per-tag summary keys the refresh writes; unknown keys are shown as they are.
SUMMARY_LABELS = {"tag_code": "标签编码", "added": "新打上", "removed": "取下", "error": "错误"}


def run_status(run: TagRefreshRun, user) -> dict:
    return {"status": run.status, "status_label": run.get_status_display(), "finished": run.status in FINISHED,
            "progress": run.progress, "tags_done": run.tags_done, "tags_total": run.tags_total,
            "added": run.added, "removed": run.removed,
            # a job's errors may quote a row that carries a phone
            "summary": run.summary if may_reveal(user) else mask_data(run.summary),
            "error": shown_text(run.error, user)}


@admin.register(TagRefreshRun)
class TagRefreshRunAdmin(PiiLookupGuardMixin, PhoneMaskingMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    change_form_template = "admin/tagging/tagrefreshrun/change_form.html"
    list_display = ("created_at", "tag_shown", "status", "progress_shown", "added", "removed", "requester",
                    "finished_at")
    list_display_links = ("created_at",)
    list_filter = ("status", "tag")
    list_select_related = ("tag", "requested_by")
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = ("tag_shown", "as_of", "status", "progress_shown", "added", "removed", "summary_shown", "error_shown",
              "requester", "created_at", "started_at", "finished_at")
    readonly_fields = fields

    class Media:
        css = {"all": ("tagging/admin.css",)}

    @admin.display(description="标签", ordering="tag__code")
    def tag_shown(self, obj):
        return admin_link(obj.tag) if obj.tag_id else "全部动态标签和变量标签"

    @admin.display(description="进度")
    def progress_shown(self, obj):
        return f"{round(obj.progress * 100)}%（{obj.tags_done}/{obj.tags_total} 个标签）"

    @admin.display(description="发起人")
    def requester(self, obj):
        return obj.requested_by.get_username() if obj.requested_by_id else (obj.requested_label or "-")

    @admin.display(description="各标签变化")
    def summary_shown(self, obj):
        rows = [row for row in obj.summary if isinstance(row, dict)]
        if not rows:
            return "-"
        keys = [*SUMMARY_LABELS, *sorted({key for row in rows for key in row} - set(SUMMARY_LABELS))]
        head = format_html_join("", "<th>{}</th>", ((SUMMARY_LABELS.get(key, key),) for key in keys))
        body = format_html_join("", "<tr>{}</tr>", (
            (format_html_join("", "<td>{}</td>", ((self.shown(obj, _cell(row, key)),) for key in keys)),)
            for row in rows))
        return format_html('<table class="run-summary"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>',
                           head, body)

    @admin.display(description="错误")
    def error_shown(self, obj):
        return self.shown(obj, obj.error) or "-"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        if run is None:  # Django's own answer to a missing row
            return super().change_view(request, object_id, form_url, extra_context)
        extra = {"run": run, "run_state": run_status(run, request.user),
                 "status_url": reverse("admin:tagging_tagrefreshrun_status", args=[run.pk]),
                 "holders_url": changelist_url(TagMembership, tag__id__exact=run.tag_id) if run.tag_id else None,
                 **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self):
        view = self.admin_site.admin_view(self.status_view)
        return [path("<int:pk>/status/", view, name="tagging_tagrefreshrun_status"), *super().get_urls()]

    def status_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied("您没有查看标签重算的权限。")
        run = get_object_or_404(TagRefreshRun, pk=pk)
        return JsonResponse(run_status(run, request.user), json_dumps_params={"ensure_ascii": False})


def _cell(row: dict, key: str):
    value = row.get(key, "")
    return "-" if value in (None, "") else value
