"""Who holds which tag and why, and the history of every change: read-only, written by services."""

from django.contrib import admin, messages

from core.admin import ReadOnlyAdminMixin, admin_link, pretty_json
from members.admin.pii_lookups import PiiLookupGuardMixin
from tagging.models import TagChange, TagMembership
from tagging.services import TaggingError, take_off


class MemberLinkMixin:
    @admin.display(description="会员", ordering="member__code")
    def member_link(self, obj):
        return admin_link(obj.member, obj.member.code)  # the code only: a name or phone is not for every viewer


@admin.register(TagMembership)
class TagMembershipAdmin(PiiLookupGuardMixin, ReadOnlyAdminMixin, MemberLinkMixin, admin.ModelAdmin):
    list_display = ("member_link", "tag", "value", "since", "ends_on", "actor", "reason", "rule_version")
    list_filter = ("tag__kind", "tag__category", "tag")
    list_select_related = ("member", "tag", "actor")
    search_fields = ("=member__code",)
    search_help_text = "会员编号（精确）"
    show_full_result_count = False
    actions = ["take_off_selected"]
    fields = ("member_link", "tag", "value", "since", "ends_on", "origin_link", "actor", "reason", "rule_version",
              "leaf_values_shown", "evidence_shown")
    readonly_fields = fields

    @admin.display(description="来源会员")
    def origin_link(self, obj):
        return admin_link(obj.origin_member, obj.origin_member.code)

    @admin.display(description="条件取值快照")
    def leaf_values_shown(self, obj):
        return pretty_json(obj.leaf_values)

    @admin.display(description="取值依据")
    def evidence_shown(self, obj):
        return pretty_json(obj.evidence)

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
class TagChangeAdmin(PiiLookupGuardMixin, ReadOnlyAdminMixin, MemberLinkMixin, admin.ModelAdmin):
    list_display = ("at", "member_link", "tag", "added", "kind", "value", "rule_version", "actor_label", "reason")
    list_filter = ("added", "kind", "tag")
    list_select_related = ("member", "tag")
    search_fields = ("=member__code",)
    search_help_text = "会员编号（精确）"
    date_hierarchy = "at"
    show_full_result_count = False
    fields = ("at", "member_link", "tag", "added", "kind", "value", "rule_version", "actor", "actor_label",
              "reason", "merge_record", "detail_shown")
    readonly_fields = fields

    @admin.display(description="明细")
    def detail_shown(self, obj):
        return pretty_json(obj.detail)
