"""On the member page: the member's tier in each value model, with the why of the score."""

from django.contrib import admin

from core.admin import ReadOnlyTabularInline

from .models import MemberValue
from .why import explain_value, tier_name


class MemberValueInline(ReadOnlyTabularInline):
    model = MemberValue
    fk_name = "member"
    fields = ("model", "tier_label", "score", "as_of", "why")
    readonly_fields = fields
    ordering = ("model__code",)
    verbose_name_plural = "价值模型分层（得分原因）"
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("model")

    @admin.display(description="分层")
    def tier_label(self, obj):
        return tier_name(obj)

    @admin.display(description="原因")
    def why(self, obj):
        return explain_value(obj)
