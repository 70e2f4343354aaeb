"""On the member page: the member's tags, each with a one-line why linking to the full explanation."""

from django.contrib import admin

from core.admin import ReadOnlyTabularInline, admin_link
from members.admin.common import PhoneMaskingMixin
from members.masking import mask_data
from tagging.models import TagMembership

from .why import why_summary


class MemberTagInline(PhoneMaskingMixin, ReadOnlyTabularInline):
    model = TagMembership
    fk_name = "member"
    fields = ("tag_link", "kind", "value", "since", "ends_on", "why_short")
    readonly_fields = fields
    ordering = ("tag__category__sort_order", "tag__code", "value")
    verbose_name_plural = "标签（点击标签看原因）"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tag", "actor", "origin_member")

    @admin.display(description="标签")
    def tag_link(self, obj):
        return admin_link(obj, obj.tag.name)  # to the membership page, which explains it in full

    @admin.display(description="类型")
    def kind(self, obj):
        return obj.tag.get_kind_display()

    @admin.display(description="原因")
    def why_short(self, obj):
        return why_summary(obj, (lambda value: value) if self.reveals(obj) else mask_data)
