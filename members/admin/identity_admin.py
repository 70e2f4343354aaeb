"""Identity resolution screens: merge history (undo), the review queue, rules, blocked values, raw rows."""

from django.contrib import admin, messages
from django.utils.html import format_html

from core.admin import ReadOnlyAdminMixin, admin_link, admin_url, pretty_json
from members.masking import mask_text
from members.models import (
    BlockedValue,
    IdentifierKind,
    Identity,
    MatchRule,
    Member,
    MergeCandidate,
    MergeRecord,
    SourceProfile,
)
from members.services import MembersError, approve_candidate, reject_candidate, unmerge

from .common import MaskedTitleMixin, PhoneMaskingMixin, identity_value_q, mask_phones_in, masked, rule_label
from .forms import BlockedValueForm
from .pii_lookups import PiiLookupGuardMixin

MOVED_LABELS = {"source_profiles": "渠道档案", "identities": "身份标识", "orders": "订单", "consents": "授权记录"}


# ---------------------------------------------------------------- merge records


class RuleFilter(admin.SimpleListFilter):
    title = "触发规则"
    parameter_name = "rule"

    def lookups(self, request, model_admin):
        rules = MergeRecord.objects.order_by("rule").values_list("rule", flat=True).distinct()
        return [(rule, rule_label(rule)) for rule in rules]

    def queryset(self, request, queryset):
        return queryset.filter(rule=self.value()) if self.value() else queryset


class UndoneFilter(admin.SimpleListFilter):
    title = "是否已撤销"
    parameter_name = "undone"

    def lookups(self, request, model_admin):
        return [("yes", "已撤销"), ("no", "有效")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(undone_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(undone_at__isnull=True)
        return queryset


@admin.register(MergeRecord)
class MergeRecordAdmin(PiiLookupGuardMixin, PhoneMaskingMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at", "survivor_link", "absorbed_link", "rule_display", "identifier_display", "actor_label",
        "undone_at",
    )
    list_filter = (RuleFilter, UndoneFilter)
    list_select_related = ("survivor", "absorbed")
    search_fields = ("=survivor__code", "=absorbed__code")
    search_help_text = "会员编号（保留方或被合并方）"
    date_hierarchy = "created_at"
    actions = ["undo_merges"]
    fields = (
        "survivor_link", "absorbed_link", "rule_display", "identifier_display", "actor", "actor_label",
        "reason_display", "created_at", "undone_at", "undone_by", "moved_counts", "survivor_snapshot",
        "absorbed_snapshot",
    )
    readonly_fields = fields

    def has_unmerge_permission(self, request):
        return request.user.has_perm("members.add_mergerecord")

    @admin.display(description="保留方", ordering="survivor__code")
    def survivor_link(self, obj):
        return admin_link(obj.survivor)

    @admin.display(description="被合并方", ordering="absorbed__code")
    def absorbed_link(self, obj):
        return admin_link(obj.absorbed)

    @admin.display(description="触发规则", ordering="rule")
    def rule_display(self, obj):
        return rule_label(obj.rule)

    @admin.display(description="触发标识值")
    def identifier_display(self, obj):
        return self.shown(obj, obj.identifier_value)

    @admin.display(description="说明")
    def reason_display(self, obj):
        return self.shown(obj, obj.reason)

    @admin.display(description="转移的数据")
    def moved_counts(self, obj):
        moved = obj.moved or {}
        return " · ".join(f"{MOVED_LABELS.get(key, key)} {len(ids)}" for key, ids in moved.items()) or "-"

    def _snapshot(self, obj, data):
        return pretty_json(data if self.reveals(obj) else mask_phones_in(data))

    @admin.display(description="合并前(保留方)")
    def survivor_snapshot(self, obj):
        return self._snapshot(obj, obj.survivor_before)

    @admin.display(description="合并前(被合并方)")
    def absorbed_snapshot(self, obj):
        return self._snapshot(obj, obj.absorbed_before)

    @admin.action(description="撤销合并", permissions=["unmerge"])
    def undo_merges(self, request, queryset):
        # Newest first: a survivor merged again later must be split from that later merge first.
        for record in queryset.select_related("survivor", "absorbed").order_by("-created_at", "-id"):
            try:
                unmerge(record_id=record.pk, actor=request.user)
            except MembersError as error:
                self.message_user(request, f"合并记录 #{record.pk}（{record}）：{error}", messages.ERROR)
            except MergeRecord.DoesNotExist:
                self.message_user(request, f"合并记录 #{record.pk} 已不存在。", messages.ERROR)
            else:
                self.message_user(
                    request, f"已撤销合并：{record.absorbed.code} 已从 {record.survivor.code} 拆分恢复。",
                    messages.SUCCESS,
                )


# ---------------------------------------------------------------- review queue


@admin.register(MergeCandidate)
class MergeCandidateAdmin(PiiLookupGuardMixin, PhoneMaskingMixin, admin.ModelAdmin):
    list_display = ("score_display", "member_a_card", "member_b_card", "source", "reasons_display", "status")
    list_filter = ("status", "source")
    list_select_related = ("member_a", "member_b")
    search_fields = ("=member_a__code", "=member_b__code")
    search_help_text = "会员编号"
    actions = ["merge_candidates", "reject_candidates"]
    fields = (
        "score_display", "member_a_card", "member_b_card", "source", "reasons_display", "status",
        "decided_by", "decided_at", "created_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="相似度", ordering="score")
    def score_display(self, obj):
        return f"{obj.score:.2f}"

    def _card(self, obj, member: Member):
        mobile = member.mobile if self.reveals(obj) else masked(member.mobile)
        birthday = member.birthday.isoformat() if member.birthday else "生日未知"
        status = "" if member.is_active else f"（{member.get_status_display()}）"
        return format_html(
            '<a href="{}">{}</a> {}{}<br>{}<br>{} · {}',
            admin_url(member), member.code, member.name or "-", status, mobile or "无手机号",
            member.city or "城市未知", birthday,
        )

    @admin.display(description="会员A")
    def member_a_card(self, obj):
        return self._card(obj, obj.member_a)

    @admin.display(description="会员B")
    def member_b_card(self, obj):
        return self._card(obj, obj.member_b)

    @admin.display(description="依据")
    def reasons_display(self, obj):
        text = "；".join(str(r) for r in (obj.reasons or []))
        return self.shown(obj, text)

    def _decide(self, request, queryset, decide, done_message):
        for candidate in queryset.select_related("member_a", "member_b").order_by("-score", "id"):
            try:
                result = decide(candidate_id=candidate.pk, actor=request.user)
            except MembersError as error:
                self.message_user(request, str(error), messages.ERROR)
                continue
            self.message_user(request, done_message(result), messages.SUCCESS)

    @admin.action(description="合并", permissions=["change"])
    def merge_candidates(self, request, queryset):
        self._decide(
            request, queryset, approve_candidate,
            lambda record: f"已将 {record.absorbed.code} 合并到 {record.survivor.code}。",
        )

    @admin.action(description="驳回", permissions=["change"])
    def reject_candidates(self, request, queryset):
        self._decide(
            request, queryset, reject_candidate,
            lambda c: f"已驳回 {c.member_a.code} ~ {c.member_b.code}，这两人不会再被提示为重复。",
        )


# ---------------------------------------------------------------- rules and blocked values


@admin.register(MatchRule)
class MatchRuleAdmin(PiiLookupGuardMixin, admin.ModelAdmin):
    list_display = ("kind", "enabled", "priority", "max_per_member", "description")
    list_editable = ("enabled", "priority", "max_per_member")
    list_display_links = ("kind",)
    list_filter = ("enabled",)
    ordering = ("priority", "kind")


@admin.register(BlockedValue)
class BlockedValueAdmin(PiiLookupGuardMixin, admin.ModelAdmin):
    form = BlockedValueForm
    list_display = ("kind_display", "value", "reason")
    list_filter = ("kind",)
    search_fields = ("value", "reason")

    @admin.display(description="标识类型", ordering="kind")
    def kind_display(self, obj):
        return obj.get_kind_display() if obj.kind else "所有类型"


# ---------------------------------------------------------------- raw identity rows (read-only)


@admin.register(Identity)
class IdentityAdmin(PiiLookupGuardMixin, MaskedTitleMixin, PhoneMaskingMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("kind", "value_display", "member_link", "channel", "first_seen", "last_seen")
    list_filter = ("kind", "channel")
    list_select_related = ("member",)
    search_fields = ("value",)
    search_help_text = "标识值（手机号可用任意格式）"
    show_full_result_count = False
    fields = ("kind", "value_display", "member_link", "channel", "source_profile_link", "first_seen", "last_seen")
    readonly_fields = fields

    def masked_title(self, obj) -> str:
        value = masked(obj.value) if obj.kind == IdentifierKind.MOBILE else mask_text(obj.value)
        return f"{obj.get_kind_display()}:{value}"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(identity_value_q(term)), False

    @admin.display(description="标识值", ordering="value")
    def value_display(self, obj):
        if obj.kind == IdentifierKind.MOBILE and not self.reveals(obj):
            return masked(obj.value)
        return obj.value

    @admin.display(description="会员", ordering="member__code")
    def member_link(self, obj):
        return admin_link(obj.member)

    @admin.display(description="渠道档案")
    def source_profile_link(self, obj):
        return self.shown_link(obj, obj.source_profile)


@admin.register(SourceProfile)
class SourceProfileAdmin(PiiLookupGuardMixin, MaskedTitleMixin, PhoneMaskingMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("channel", "account_display", "member_link", "name", "mobile_display", "city", "seen_at")
    list_filter = ("channel",)
    list_select_related = ("member",)
    search_fields = ("=external_id", "=member__code")
    search_help_text = "渠道账号或会员编号（精确）"
    show_full_result_count = False
    fields = (
        "channel", "account_display", "member_link", "name", "gender", "birthday", "mobile_display", "email_display",
        "province", "city", "district", "address", "home_store", "registered_at", "seen_at", "attributes",
        "raw_display", "created_at",
    )
    readonly_fields = fields

    @admin.display(description="渠道账号", ordering="external_id")
    def account_display(self, obj):
        return self.shown(obj, obj.external_id)

    @admin.display(description="会员", ordering="member__code")
    def member_link(self, obj):
        return admin_link(obj.member)

    @admin.display(description="手机号")
    def mobile_display(self, obj):
        return obj.mobile if self.reveals(obj) else masked(obj.mobile)

    @admin.display(description="邮箱")
    def email_display(self, obj):
        return self.shown(obj, obj.email)

    @admin.display(description="原始值")
    def raw_display(self, obj):
        return pretty_json(obj.raw if self.reveals(obj) else mask_phones_in(obj.raw))
