"""Read-only views of what staff did in the workspace: follow-ups and the action audit."""

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin, admin_link
from members.admin.common import PhoneMaskingMixin

from .models import FollowUp, StaffAction


class _MemberColumn:
    @admin.display(description="会员")
    def member_link(self, obj):
        return admin_link(obj.member, obj.member.code) if obj.member_id else "-"


@admin.register(FollowUp)
class FollowUpAdmin(PhoneMaskingMixin, ReadOnlyAdminMixin, _MemberColumn, admin.ModelAdmin):
    list_display = ("created_at", "member_link", "author", "kind", "text_shown", "remind_on", "reminder_done_at")
    list_filter = ("kind", ("remind_on", admin.EmptyFieldListFilter))
    list_select_related = ("member", "author")
    search_fields = ("=member__code", "author__username")
    search_help_text = "会员编号（精确）或员工账号"
    date_hierarchy = "created_at"

    @admin.display(description="内容")
    def text_shown(self, obj):
        return self.shown(obj, obj.text)


@admin.register(StaffAction)
class StaffActionAdmin(PhoneMaskingMixin, ReadOnlyAdminMixin, _MemberColumn, admin.ModelAdmin):
    list_display = ("at", "actor", "kind", "member_link", "reason_shown")
    list_filter = ("kind",)
    list_select_related = ("member", "actor")
    search_fields = ("=member__code", "actor__username")
    search_help_text = "会员编号（精确）或员工账号"
    date_hierarchy = "at"

    @admin.display(description="原因")
    def reason_shown(self, obj):
        return self.shown(obj, obj.reason)
