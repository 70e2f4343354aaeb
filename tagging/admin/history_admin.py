"""Who holds which tag and why, and the history of every change: read-only, written by services."""

from django.contrib import admin, messages

from core.admin import ReadOnlyAdminMixin, admin_link, pretty_json
from members.admin.common import PhoneMaskingMixin
from members.admin.pii_lookups import PiiLookupGuardMixin
from members.masking import mask_data
from tagging.models import TagChange, TagKind, TagMembership
from tagging.services import TaggingError, take_off

from .why import why_html, why_summary


class MemberLinkMixin:
    @admin.display(description="会员", ordering="member__code")
    def member_link(self, obj):
        return admin_link(obj.member, obj.member.code)  # the code only: a name or phone is not for every viewer


@admin.register(TagMembership)
class TagMembershipAdmin(PiiLookupGuardMixin, PhoneMaskingMixin, ReadOnlyAdminMixin, MemberLinkMixin,
                         admin.ModelAdmin):
    list_display = ("member_link", "tag", "value", "since", "ends_on", "why_short")
    list_display_links = ("why_short",)  # the member column links to the member
    list_filter = ("tag__kind", "tag__category", "tag")
    list_select_related = ("member", "tag", "actor")
    search_fields = ("=member__code",)
    search_help_text = "会员编号（精确）"
    show_full_result_count = False
    actions = ["take_off_selected"]
    KIND_FIELDS = {TagKind.STATIC: ("ends_on",), TagKind.VARIABLE: ("value",), TagKind.DYNAMIC: ()}
    readonly_fields = ("member_link", "tag", "value", "since", "ends_on", "why")

    class Media:
        css = {"all": ("tagging/admin.css",)}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("origin_member")

    def get_fieldsets(self, request, obj=None):
        own = self.KIND_FIELDS.get(obj.tag.kind, ()) if obj else ()
        return ((None, {"fields": ("member_link", "tag", *own, "since")}), ("为什么有这个标签", {"fields": ("why",)}))

    def _shown(self, obj):
        """What the viewer may see of a reason, evidence or member value (masked without reveal)."""
        return (lambda value: value) if self.reveals(obj) else mask_data

    @admin.display(description="原因")
    def why_short(self, obj):
        return why_summary(obj, self._shown(obj))

    @admin.display(description="原因说明")
    def why(self, obj):
        return why_html(obj, self._shown(obj))

    @admin.action(description="取下所选的手动标签")
    def take_off_selected(self, request, queryset):
        by_tag: dict = {}
        for membership in queryset.select_related("tag"):
            by_tag.setdefault(membership.tag, []).append(membership.member_id)
        removed = 0
        for tag, member_ids in by_tag.items():
            try:  # the service checks the tag's kind and the user's right to it
                removed += take_off(tag=tag, member_ids=member_ids, actor=request.user, reason="后台取下")
            except TaggingError as error:
                self.message_user(request, str(error), messages.ERROR)
        if removed:
            self.message_user(request, f"已取下 {removed} 个会员标签。", messages.SUCCESS)


@admin.register(TagChange)
class TagChangeAdmin(PiiLookupGuardMixin, PhoneMaskingMixin, ReadOnlyAdminMixin, MemberLinkMixin, admin.ModelAdmin):
    list_display = ("at", "member_link", "tag", "added", "kind", "value", "rule_version", "actor_label",
                    "reason_shown")
    list_filter = ("added", "kind", "tag")
    list_select_related = ("member", "tag")
    search_fields = ("=member__code",)
    search_help_text = "会员编号（精确）"
    date_hierarchy = "at"
    show_full_result_count = False
    fields = ("at", "member_link", "tag", "added", "kind", "value", "rule_version", "actor", "actor_label",
              "reason_shown", "merge_record", "detail_shown")
    readonly_fields = fields

    @admin.display(description="原因")
    def reason_shown(self, obj):  # typed by staff: may carry a phone
        return self.shown(obj, obj.reason)

    @admin.display(description="明细")
    def detail_shown(self, obj):  # a merge's snapshot carries the reason too
        return pretty_json(obj.detail if self.reveals(obj) else mask_data(obj.detail))
