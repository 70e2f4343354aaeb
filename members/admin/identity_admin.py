"""Identity resolution screens: merge history (undo), the review queue, rules, blocked values, raw rows."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from core.admin import ReadOnlyAdminMixin, admin_link, admin_url, pretty_json
from members.cleaning.phones import masked_mobile
from members.masking import mask_text
from members.models import (
    BlockedValue,
    CandidateStatus,
    IdentifierKind,
    Identity,
    MatchRule,
    Member,
    MergeCandidate,
    MergeRecord,
    SourceProfile,
)
from members.services import MembersError, approve_candidate, reject_candidate, unmerge
from members.services.merging import survivor_order

from .common import MaskedTitleMixin, PhoneMaskingMixin, identity_value_q, mask_phones_in, rule_label
from .forms import BlockedValueForm
from .pii_lookups import PiiLookupGuardMixin

MOVED_LABELS = {"source_profiles": "渠道档案", "identities": "身份标识", "orders": "订单", "consents": "授权记录"}


def _channel_accounts(member: Member, reveal: bool) -> str:
    """Each channel account as 渠道:账号 (an account id can be a phone: masked unless revealed)."""
    accounts = [f"{p.get_channel_display()}:{p.external_id if reveal else mask_text(p.external_id)}"
                for p in member.source_profiles.order_by("channel", "external_id")]
    return "、".join(accounts) or "-"


# The review page's side-by-side rows: (label, value of a member given whether phones are revealed).
COMPARED = [
    ("姓名", lambda m, reveal: m.name or "-"),
    ("手机号", lambda m, reveal: (m.mobile if reveal else masked_mobile(m.mobile)) or "无手机号"),
    ("性别", lambda m, reveal: m.get_gender_display()),
    ("生日", lambda m, reveal: m.birthday.isoformat() if m.birthday else "未知"),
    ("城市", lambda m, reveal: " ".join(dict.fromkeys(p for p in (m.province, m.city) if p)) or "未知"),  # 上海市 once
    ("注册渠道", lambda m, reveal: m.get_registered_channel_display() or "-"),
    ("注册时间", lambda m, reveal: f"{timezone.localtime(m.registered_at):%Y-%m-%d %H:%M}" if m.registered_at else "-"),
    ("渠道账号", _channel_accounts),
    ("订单数", lambda m, reveal: m.orders.count()),
    ("状态", lambda m, reveal: m.get_status_display()),
]


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
    """The review queue. Its page shows the pair side by side with the two decisions (合并 / 驳回) as
    buttons; they run the list's actions on this one candidate (same services, permission, messages)."""

    list_display = ("score_display", "member_a_card", "member_b_card", "source", "reasons_display", "status")
    list_filter = ("status", "source")
    list_select_related = ("member_a", "member_b")
    search_fields = ("=member_a__code", "=member_b__code")
    search_help_text = "会员编号"
    actions = ["merge_candidates", "reject_candidates"]
    # The change page: the pair itself is the comparison table (change_form_template) above these.
    fields = ("source", "status", "decided_by", "decided_at", "created_at")
    readonly_fields = fields
    change_form_template = "admin/members/mergecandidate/change_form.html"
    DECISIONS = {"merge": "merge_candidates", "reject": "reject_candidates"}

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)  # staff only, CSRF-checked
        return [path("<path:object_id>/decide/", decide, name="members_mergecandidate_decide"), *super().get_urls()]

    def decide_view(self, request, object_id):
        """合并 / 驳回 from the candidate's page: the list action of that name on this candidate alone."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        candidate = self.get_object(request, object_id)
        if candidate is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, candidate):  # as the actions' permissions=["change"]
            raise PermissionDenied
        action = self.DECISIONS.get(request.POST.get("decision", ""))
        if action is None:
            self.message_user(request, "请选择「合并」或「驳回」。", messages.ERROR)
            return redirect("admin:members_mergecandidate_change", candidate.pk)
        getattr(self, action)(request, self.get_queryset(request).filter(pk=candidate.pk))
        # Back to the queue: the next pair waiting for a decision.
        return redirect(reverse("admin:members_mergecandidate_changelist") + f"?status__exact={CandidateStatus.PENDING}")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        candidate = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False,
                         "show_save_and_add_another": False}
        if candidate is not None:
            extra_context.update(self.comparison_context(request, candidate))
        return super().change_view(request, object_id, form_url, extra_context)

    def comparison_context(self, request, candidate: MergeCandidate) -> dict:
        reveal = self.can_reveal(request)
        pair = [candidate.member_a, candidate.member_b]
        survivor = min(pair, key=survivor_order)
        rows = [(label, [value(member, reveal) for member in pair]) for label, value in COMPARED]
        return {
            "pair": pair,
            "pair_links": [format_html('<a href="{}">{}</a>', admin_url(member), member.code) for member in pair],
            "comparison": [(label, values, len({str(v) for v in values}) == 1) for label, values in rows],
            "score": self.score_display(candidate),
            "reasons": self.shown(candidate, "；".join(str(r) for r in (candidate.reasons or []))) or "-",
            "survivor": survivor,
            "absorbed": pair[1] if survivor is pair[0] else pair[0],
            "is_pending": candidate.status == CandidateStatus.PENDING,
            "can_decide": self.has_change_permission(request, candidate),
            "decide_url": reverse("admin:members_mergecandidate_decide", args=[candidate.pk]),
        }

    @admin.display(description="相似度", ordering="score")
    def score_display(self, obj):
        return f"{obj.score:.2f}"

    def _card(self, obj, member: Member):
        mobile = self.shown_mobile(obj, member.mobile)
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
        value = masked_mobile(obj.value) if obj.kind == IdentifierKind.MOBILE else mask_text(obj.value)
        return f"{obj.get_kind_display()}:{value}"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(identity_value_q(term)), False

    @admin.display(description="标识值", ordering="value")
    def value_display(self, obj):
        return self.shown_mobile(obj, obj.value) if obj.kind == IdentifierKind.MOBILE else obj.value

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
        return self.shown_mobile(obj, obj.mobile)

    @admin.display(description="邮箱")
    def email_display(self, obj):
        return self.shown(obj, obj.email)

    @admin.display(description="原始值")
    def raw_display(self, obj):
        return pretty_json(obj.raw if self.reveals(obj) else mask_phones_in(obj.raw))
