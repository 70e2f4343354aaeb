"""Tag categories and tags: the condition editor with its live preview, "recompute now", and static
tags applied from a file."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from core.admin import admin_url, changelist_url
from members.admin.pii_lookups import PiiLookupGuardMixin
from tagging.models import Tag, TagCategory, TagKind, TagMembership, TagRefreshRun
from tagging.services import TaggingError, apply_tag_file, check_may_apply
from tagging.services.refresh import start_refresh

from . import condition_editor
from .forms import TagAdminForm, TagFileForm, extractor_rows

COMPUTED_KINDS = (TagKind.DYNAMIC, TagKind.VARIABLE)


@admin.register(TagCategory)
class TagCategoryAdmin(PiiLookupGuardMixin, admin.ModelAdmin):
    list_display = ("name", "code", "sort_order")
    list_editable = ("sort_order",)
    search_fields = ("code", "name")


# The add form shows every kind's fieldset; tag_form.js shows only the one of the kind chosen.
KIND_FIELDSETS = {
    TagKind.STATIC: ("手动标签", {"fields": ("guide_usable",), "classes": ("kind-static",)}),
    TagKind.DYNAMIC: ("动态标签", {"fields": ("condition", "condition_tools", "rule_version", "keep_days"),
                               "classes": ("kind-dynamic",)}),
    TagKind.VARIABLE: ("变量标签", {"fields": ("extractor", "params", "extractor_help", "min_orders"),
                                "classes": ("kind-variable",)}),
}


def _without(fieldset, name: str):
    title, options = fieldset
    return title, {**options, "fields": tuple(field for field in options["fields"] if field != name)}


def may_edit_tags(user) -> bool:
    return user.has_perm("tagging.change_tag") or user.has_perm("tagging.add_tag")


@admin.register(Tag)
class TagAdmin(PiiLookupGuardMixin, admin.ModelAdmin):
    form = TagAdminForm
    change_form_template = "admin/tagging/tag/change_form.html"
    list_display = ("name", "code", "category", "kind", "colour_swatch", "active", "guide_usable", "member_count",
                    "apply_file_link")
    list_filter = ("kind", "category", "active", "guide_usable")
    search_fields = ("code", "name")
    readonly_fields = ("rule_version", "condition_tools", "extractor_help", "created_at", "updated_at")
    actions = ["recompute_now"]

    class Media:
        css = {"all": ("tagging/admin.css",)}
        js = ("tagging/tag_form.js",)

    def get_queryset(self, request):
        # A count per listed tag (a subquery on the tag's index), not a GROUP BY over every membership.
        holding = TagMembership.objects.filter(tag=OuterRef("pk")).order_by().values("tag").annotate(
            n=Count("*")).values("n")
        return super().get_queryset(request).select_related("category").annotate(
            members_holding=Coalesce(Subquery(holding), 0))

    def get_fieldsets(self, request, obj=None):
        common = (None, {"fields": ("code", "name", "category", "kind", "colour", "description", "owner", "active")})
        # A new tag: every kind's fields, but no rule version yet.
        kinds = [KIND_FIELDSETS[obj.kind]] if obj else [_without(fieldset, "rule_version")
                                                        for fieldset in KIND_FIELDSETS.values()]
        if not may_edit_tags(request.user):  # a reader: the preview would refuse them
            kinds = [_without(fieldset, "condition_tools") for fieldset in kinds]
        return (common, *kinds, ("时间", {"fields": ("created_at", "updated_at")}))

    def get_readonly_fields(self, request, obj=None):
        # A tag's kind decides what its memberships mean: it is chosen once.
        return (*self.readonly_fields, "kind") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change and "condition" in form.changed_data:
            obj.rule_version += 1  # memberships remember the version they went on under
        super().save_model(request, obj, form, change)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["recompute_url"] = (
            reverse("admin:tagging_tag_recompute", args=[obj.pk])
            if obj is not None and obj.kind in COMPUTED_KINDS and obj.active
            and self.has_change_permission(request, obj) else None)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    @admin.display(description="预览与可用字段")
    def condition_tools(self, obj):
        return render_to_string("admin/tagging/tag/condition_tools.html", {
            "preview_url": reverse("admin:tagging_tag_preview"), "fields": condition_editor.field_rows(),
            "operators": condition_editor.OPERATORS})

    @admin.display(description="取值方式与参数")
    def extractor_help(self, obj):
        return render_to_string("admin/tagging/tag/extractor_help.html", {"extractors": extractor_rows()})

    @admin.display(description="颜色")
    def colour_swatch(self, obj):
        return format_html('<span style="display:inline-block;width:1em;height:1em;background:{}"></span> {}',
                           obj.colour, obj.colour)

    @admin.display(description="会员数", ordering="members_holding")
    def member_count(self, obj):  # to the holders, each with the why
        return format_html('<a href="{}">{}</a>', changelist_url(TagMembership, tag__id__exact=obj.pk),
                           obj.members_holding)

    @admin.display(description="批量打标")
    def apply_file_link(self, obj):
        if obj.kind != TagKind.STATIC or not obj.active:
            return "-"
        return format_html('<a href="{}">按名单打标/取下</a>', reverse("admin:tagging_tag_apply_file", args=[obj.pk]))

    @admin.action(description="立即重算所选的动态/变量标签", permissions=["change"])
    def recompute_now(self, request, queryset):
        tags = list(queryset.order_by("pk"))
        computed = [tag for tag in tags if tag.kind in COMPUTED_KINDS and tag.active]
        skipped = [tag.name for tag in tags if tag not in computed]
        if skipped:
            self.message_user(request, f"手动标签和已停用的标签无需重算，已跳过：{'、'.join(skipped)}。",
                              messages.WARNING)
        runs = [start_refresh(tag=tag, actor=request.user) for tag in computed]
        if len(runs) == 1:
            return HttpResponseRedirect(admin_url(runs[0]))
        if runs:
            self.message_user(request, f"已开始重算 {len(runs)} 个标签。", messages.SUCCESS)
            return HttpResponseRedirect(changelist_url(TagRefreshRun))
        return None

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        return [
            path("condition-preview/", view(self.preview_view), name="tagging_tag_preview"),
            path("<int:pk>/recompute/", view(self.recompute_view), name="tagging_tag_recompute"),
            path("<int:pk>/apply-file/", view(self.apply_file_view), name="tagging_tag_apply_file"),
            *super().get_urls(),
        ]

    @staticmethod
    def _require_tag_editor(request) -> None:
        if not may_edit_tags(request.user):
            raise PermissionDenied("您没有编辑标签的权限。")

    def preview_view(self, request):
        """POST condition=<JSON text>: {"count", "sample", "errors"} for the editor (also before saving)."""
        self._require_tag_editor(request)
        if request.method != "POST":
            return JsonResponse({"detail": "请用 POST 提交条件。"}, status=405)
        payload, status = condition_editor.preview(request.POST.get("condition", ""))
        return JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})

    def recompute_view(self, request, pk):
        tag = get_object_or_404(Tag, pk=pk)
        if not self.has_change_permission(request, tag):
            raise PermissionDenied("您没有重算标签的权限。")
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if tag.kind not in COMPUTED_KINDS or not tag.active:
            self.message_user(request, f"「{tag}」是手动标签或已停用，无需重算。", messages.ERROR)
            return HttpResponseRedirect(admin_url(tag))
        return HttpResponseRedirect(admin_url(start_refresh(tag=tag, actor=request.user)))

    def apply_file_view(self, request, pk):
        tag = get_object_or_404(Tag, pk=pk)
        try:
            check_may_apply(request.user, tag)
        except TaggingError as error:
            raise PermissionDenied(str(error)) from error
        form = TagFileForm(request.POST or None, request.FILES or None)
        result = None
        if request.method == "POST" and form.is_valid():
            (source, filename), data = form.source(), form.cleaned_data
            try:
                result = apply_tag_file(tag=tag, source=source, filename=filename, actor=request.user,
                                        reason=data["reason"], ends_on=data["ends_on"], remove=data["action"] == "off")
            except TaggingError as error:
                form.add_error(None, str(error))
            else:
                if result.applied:
                    verb = "取下" if data["action"] == "off" else "打上"
                    messages.success(request, f"名单 {result.rows} 行，已为 {result.changed} 位会员{verb}「{tag}」"
                                              f"（其余已是该状态）。")
                else:
                    messages.error(request, f"名单有 {len(result.errors)} 处错误，未做任何修改。")
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "tag": tag, "form": form,
                   "result": result, "title": f"按名单打标：{tag}"}
        return TemplateResponse(request, "admin/tagging/tag/apply_file.html", context)

