"""Tag categories and tags; static tags applied from a file."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from members.admin.pii_lookups import PiiLookupGuardMixin
from tagging.models import Tag, TagCategory, TagKind, TagMembership
from tagging.services import TaggingError, apply_tag_file, check_may_apply

from .forms import TagFileForm


@admin.register(TagCategory)
class TagCategoryAdmin(PiiLookupGuardMixin, admin.ModelAdmin):
    list_display = ("name", "code", "sort_order")
    list_editable = ("sort_order",)
    search_fields = ("code", "name")


KIND_FIELDSETS = {
    TagKind.STATIC: ("手动标签", {"fields": ("guide_usable",)}),
    TagKind.DYNAMIC: ("动态标签", {"fields": ("condition", "rule_version", "keep_days")}),
    TagKind.VARIABLE: ("变量标签", {"fields": ("extractor", "params", "min_orders")}),
}


@admin.register(Tag)
class TagAdmin(PiiLookupGuardMixin, admin.ModelAdmin):
    list_display = ("name", "code", "category", "kind", "colour_swatch", "active", "guide_usable", "member_count",
                    "apply_file_link")
    list_filter = ("kind", "category", "active", "guide_usable")
    search_fields = ("code", "name")
    readonly_fields = ("rule_version", "created_at", "updated_at")

    def get_queryset(self, request):
        # A count per listed tag (a subquery on the tag's index), not a GROUP BY over every membership.
        holding = TagMembership.objects.filter(tag=OuterRef("pk")).order_by().values("tag").annotate(
            n=Count("*")).values("n")
        return super().get_queryset(request).select_related("category").annotate(
            members_holding=Coalesce(Subquery(holding), 0))

    def get_fieldsets(self, request, obj=None):
        common = (None, {"fields": ("code", "name", "category", "kind", "colour", "description", "owner", "active")})
        kinds = [KIND_FIELDSETS[obj.kind]] if obj else list(KIND_FIELDSETS.values())
        return (common, *kinds, ("时间", {"fields": ("created_at", "updated_at")}))

    def get_readonly_fields(self, request, obj=None):
        # A tag's kind decides what its memberships mean: it is chosen once.
        return (*self.readonly_fields, "kind") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change and "condition" in form.changed_data:
            obj.rule_version += 1  # memberships remember the version they went on under
        super().save_model(request, obj, form, change)

    @admin.display(description="颜色")
    def colour_swatch(self, obj):
        return format_html('<span style="display:inline-block;width:1em;height:1em;background:{}"></span> {}',
                           obj.colour, obj.colour)

    @admin.display(description="会员数", ordering="members_holding")
    def member_count(self, obj):
        return obj.members_holding

    @admin.display(description="批量打标")
    def apply_file_link(self, obj):
        if obj.kind != TagKind.STATIC or not obj.active:
            return "-"
        return format_html('<a href="{}">按名单打标/取下</a>', reverse("admin:tagging_tag_apply_file", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view(self.apply_file_view)
        return [path("<int:pk>/apply-file/", view, name="tagging_tag_apply_file"), *super().get_urls()]

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
