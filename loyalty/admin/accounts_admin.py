"""Member roles, accounts (ledger and lots, manual adjustment), ledger entries and job runs."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Sum
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core.admin import ReadOnlyAdminMixin, admin_link, labelled_counts
from loyalty.errors import LoyaltyError
from loyalty.hooks import points_posted
from loyalty.models import (
    JobRun,
    LedgerEntry,
    LevelChangeKind,
    MemberRole,
    PointsAccount,
    PointsLot,
    RoleStatus,
)
from loyalty.services import adjust, end_role, open_role
from members.admin.common import PhoneMaskingMixin
from members.admin.pii_lookups import PiiLookupGuardMixin, declare_pii_fields

from .forms import AdjustForm, MemberRoleForm

RECENT_ROWS = 50

# Staff-written reasons and caller-chosen keys can carry a phone.
declare_pii_fields("loyalty.ledgerentry", "reason", "idempotency_key")


def local(moment) -> str:
    """A stored (UTC) time as Asia/Shanghai wall time."""
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _member_link(member):
    return admin_link(member, f"{member.code} {member.name}".strip()) if member else "-"


@admin.register(MemberRole)
class MemberRoleAdmin(PiiLookupGuardMixin, admin.ModelAdmin):
    form = MemberRoleForm
    list_display = ("member_link", "role_type", "status", "started_on", "ended_on")
    list_filter = ("role_type", "status")
    search_fields = ("=member__code",)
    search_help_text = "会员编号（精确）"
    raw_id_fields = ("member",)
    list_select_related = ("member", "role_type")
    show_full_result_count = False

    def get_fields(self, request, obj=None):
        return ("member", "role_type", "started_on") if obj is None else ("member", "role_type", "status",
                                                                          "started_on", "ended_on", "opened_by_merge")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj.status == RoleStatus.MERGED:
            return self.get_fields(request, obj)
        return ("member", "role_type", "started_on", "ended_on", "opened_by_merge")

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "status":  # 已合并 is set by merges only
            kwargs["choices"] = [(v, label) for v, label in RoleStatus.choices if v != RoleStatus.MERGED]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="会员", ordering="member__code")
    def member_link(self, obj):
        return _member_link(obj.member)

    def save_model(self, request, obj, form, change):
        # the form has checked the member, the role type and duplicates; the services write
        if not change:
            saved = open_role(member=obj.member, role_type=obj.role_type, started_on=obj.started_on)
        elif obj.status == RoleStatus.ENDED:
            saved = end_role(role=MemberRole.objects.get(pk=obj.pk))
        else:
            saved = open_role(member=obj.member, role_type=obj.role_type)
        obj.pk = saved.pk


@admin.register(PointsAccount)
class PointsAccountAdmin(PiiLookupGuardMixin, PhoneMaskingMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "member_link", "role", "account_type", "available", "pending", "lifetime_earned", "status")
    list_filter = ("account_type", "status", "member_role__role_type")
    search_fields = ("=member__code",)
    search_help_text = "会员编号（精确）"
    list_select_related = ("member", "account_type", "member_role__role_type")
    show_full_result_count = False
    ordering = ("-id",)
    actions = ["adjust_points"]
    fields = ("member_link", "role", "account_type", "status", "merged_into", "available", "pending",
              "lifetime_earned", "opened_at", "updated_at", "next_expiry", "recent_entries", "open_lots")
    readonly_fields = fields

    def has_adjust_permission(self, request):
        return request.user.has_perm("loyalty.adjust_points")

    @admin.display(description="会员", ordering="member__code")
    def member_link(self, obj):
        return _member_link(obj.member)

    @admin.display(description="角色", ordering="member_role__role_type")
    def role(self, obj):
        return obj.member_role.role_type

    @admin.display(description="即将过期")
    def next_expiry(self, obj):
        row = (PointsLot.objects.filter(account=obj, remaining__gt=0, expires_at__isnull=False)
               .values("expires_at").annotate(points=Sum("remaining")).order_by("expires_at").first())
        if not row:
            return "无"
        return f"{row['points']} 将于 {local(row['expires_at'])} 过期"

    @admin.display(description=f"最近 {RECENT_ROWS} 条流水")
    def recent_entries(self, obj):
        entries = LedgerEntry.objects.filter(account=obj).order_by("-occurred_at", "-pk")[:RECENT_ROWS]
        url = reverse("admin:loyalty_ledgerentry_changelist") + f"?account__id__exact={obj.pk}"
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (local(e.occurred_at), e.get_kind_display(), f"{e.amount:+d}",
             f"{e.pending_delta:+d}" if e.pending_delta else "", self._reason(obj, e), e.actor_label)
            for e in entries
        ))
        return format_html(
            '<table><thead><tr><th>时间</th><th>类型</th><th>可用</th><th>待发放</th><th>原因</th><th>来源</th></tr>'
            '</thead><tbody>{}</tbody></table><a href="{}">全部流水</a>', rows, url,
        )

    def _reason(self, account, entry) -> str:
        return self.shown(account, entry.reason)

    @admin.display(description="未用完的批次")
    def open_lots(self, obj):
        lots = PointsLot.objects.filter(account=obj, remaining__gt=0).order_by("expires_at", "earned_at")[:RECENT_ROWS]
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (local(lot.earned_at), lot.amount, lot.remaining, lot.get_state_display(),
             local(lot.expires_at) if lot.expires_at else "永不过期") for lot in lots
        ))
        return format_html(
            '<table><thead><tr><th>获得</th><th>数量</th><th>剩余</th><th>状态</th><th>过期时间</th></tr></thead>'
            "<tbody>{}</tbody></table>", rows,
        )

    @admin.action(description="手工调整积分（需填写原因）", permissions=["adjust"])
    def adjust_points(self, request, queryset):
        accounts = list(queryset.select_related("member", "account_type")[:101])
        if len(accounts) > 100:
            self.message_user(request, "一次最多调整 100 个账户。", messages.ERROR)
            return None
        form = AdjustForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            done, failed = 0, []
            with points_posted.batch():  # one announcement for the whole selection
                for account in accounts:
                    try:
                        adjust(account=account, points=form.cleaned_data["points"],
                               reason=form.cleaned_data["reason"], actor=request.user,
                               idempotency_key=f"admin:{form.cleaned_data['request_key']}")
                        done += 1
                    except LoyaltyError as error:
                        failed.append(f"账户 #{account.pk}（{account.member.code}）：{error}")
            if done:
                self.message_user(request, f"已调整 {done} 个账户（{form.cleaned_data['points']:+d}）。", messages.SUCCESS)
            for line in failed:
                self.message_user(request, line, messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "手工调整积分",
            "opts": self.opts,
            "form": form,
            "accounts": accounts,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": "adjust_points",
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/loyalty/pointsaccount/adjust.html", context)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(PiiLookupGuardMixin, PhoneMaskingMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Append-only: no add, change or delete — a correction is a new entry (手工调整 on the account)."""

    list_display = ("occurred_at", "account_link", "member_code", "kind", "amount", "pending_delta",
                    "lifetime_delta", "unrecovered", "order", "reason_shown", "actor_label")
    list_filter = ("kind", "account__account_type")
    search_fields = ("=account__member__code", "=order__external_no", "=idempotency_key")
    search_help_text = "会员编号、订单编号或幂等键（精确）"
    list_select_related = ("account__member", "account__account_type", "order")
    show_full_result_count = False
    ordering = ("-occurred_at", "-id")
    fields = ("account", "kind", "amount", "pending_delta", "lifetime_delta", "unrecovered", "order", "rule",
              "related_entry", "merge_record", "idempotency_key_shown", "reason_shown", "actor", "actor_label", "occurred_at",
              "created_at", "lots_drawn")
    readonly_fields = fields

    @admin.display(description="账户", ordering="account")
    def account_link(self, obj):
        return admin_link(obj.account)

    @admin.display(description="会员")
    def member_code(self, obj):
        return obj.account.member.code

    @admin.display(description="原因")
    def reason_shown(self, obj):
        return self.shown(obj, obj.reason)

    @admin.display(description="幂等键")
    def idempotency_key_shown(self, obj):
        # Callers build keys from what they have at hand, a phone included ("pos-139…").
        return self.shown(obj, obj.idempotency_key)

    @admin.display(description="批次使用")
    def lots_drawn(self, obj):
        rows = format_html_join("", "<tr><td>#{}</td><td>{}</td><td>{}</td></tr>", (
            (a.lot_id, f"{a.amount:+d}", local(a.lot.expires_at) if a.lot.expires_at else "永不过期")
            for a in obj.allocations.select_related("lot").order_by("pk")
        ))
        return format_html("<table><thead><tr><th>批次</th><th>数量</th><th>批次过期时间</th></tr></thead>"
                           "<tbody>{}</tbody></table>", rows) if rows else "-"


# What a job run counted (loyalty/services/jobs.py; the level review's kinds are LevelChangeKind values).
JOB_COUNT_LABELS = {
    "accounts": "账户", "lots": "积分批次", "points": "积分", "pending_points": "待发放积分", "reviewed": "考核人数",
    **{kind.value: kind.label for kind in LevelChangeKind}, "kept": "保持不变",
}
JOB_TRIGGER_LABELS = {"schedule": "定时任务", "command": "命令行", "demo": "演示数据", "test": "测试"}


@admin.register(JobRun)
class JobRunAdmin(PiiLookupGuardMixin, PhoneMaskingMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("job", "business_date", "status", "counts_shown", "trigger_shown", "started_at", "finished_at")
    list_filter = ("job", "status")
    date_hierarchy = "business_date"
    fields = ("job", "business_date", "as_of", "status", "counts_shown", "trigger_shown", "started_at", "finished_at",
              "error_shown")
    readonly_fields = ("counts_shown", "trigger_shown", "error_shown")

    @admin.display(description="处理数量")
    def counts_shown(self, obj):
        return labelled_counts(obj.counts, JOB_COUNT_LABELS)

    @admin.display(description="触发方式", ordering="triggered_by")
    def trigger_shown(self, obj):
        return JOB_TRIGGER_LABELS.get(obj.triggered_by, obj.triggered_by)

    @admin.display(description="错误")
    def error_shown(self, obj):
        # An exception message can quote the value that failed, phones included.
        return self.shown(obj, obj.error)
