"""Configuration: role types, points account types (expiry policy), earn rules (with a preview)."""

from django.contrib import admin, messages
from django.utils.html import format_html

from loyalty.models import EarnRule, PointsAccountType, RoleType
from loyalty.selectors import preview_rule
from members.admin.pii_lookups import PiiLookupGuardMixin

from .forms import EarnRuleForm


class NoDeleteMixin:
    """Configuration rows are referenced by accounts and entries: switch 启用 off instead."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RoleType)
class RoleTypeAdmin(PiiLookupGuardMixin, NoDeleteMixin, admin.ModelAdmin):
    list_display = ("code", "name", "is_buyer_role", "active", "description")
    list_filter = ("active", "is_buyer_role")
    search_fields = ("code", "name")


@admin.register(PointsAccountType)
class PointsAccountTypeAdmin(PiiLookupGuardMixin, NoDeleteMixin, admin.ModelAdmin):
    list_display = ("code", "name", "expiry_summary", "pending_days", "allow_negative", "active")
    list_filter = ("active", "expiry_policy", "allow_negative")
    search_fields = ("code", "name")
    filter_horizontal = ("role_types",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "name", "description", "role_types", "active")}),
        ("过期策略", {
            "fields": ("expiry_policy", "expiry_days", ("clearing_month", "clearing_day", "clearing_keep_years"),
                       "fixed_expiry_date"),
            "description": "所有日期按北京时间计算；修改只影响之后获得的积分，已获得的每一批积分在获得时就确定了过期时间。",
        }),
        ("发放与欠款", {"fields": ("pending_days", "allow_negative")}),
        ("记录", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    @admin.display(description="过期")
    def expiry_summary(self, obj):
        policy = obj.expiry_policy
        if policy == "days_after_earn":
            return f"获得后 {obj.expiry_days} 天"
        if policy == "yearly_clearing":
            years = "上一年度" if obj.clearing_keep_years == 1 else f"{obj.clearing_keep_years} 年前"
            return f"每年 {obj.clearing_month}-{obj.clearing_day} 日终清零{years}及以前获得的"
        if policy == "fixed_date":
            return f"{obj.fixed_expiry_date} 日终"
        return obj.get_expiry_policy_display()


@admin.register(EarnRule)
class EarnRuleAdmin(PiiLookupGuardMixin, NoDeleteMixin, admin.ModelAdmin):
    form = EarnRuleForm
    list_display = ("name", "account_type", "basis_summary", "trigger", "priority", "stackable", "window", "active")
    list_filter = ("active", "account_type", "trigger", "basis", "stackable")
    search_fields = ("name",)
    list_select_related = ("account_type",)
    readonly_fields = ("preview", "created_at", "updated_at")
    actions = ["preview_last_month"]
    fieldsets = (
        (None, {"fields": ("name", "description", "account_type", "role_type", "active")}),
        ("计算", {"fields": ("basis", "points_per_yuan", "fixed_points", "min_order_amount")}),
        ("适用范围", {"fields": ("channels", ("starts_on", "ends_on"), "trigger", "pending_days")}),
        ("优先级与叠加", {"fields": ("priority", "stackable"),
                          "description": "同一积分类型下：不可叠加的规则只取优先级数字最小的一条，可叠加的规则全部发放。"}),
        ("上月效果预览", {"fields": ("preview",)}),
        ("记录", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    @admin.display(description="计算方式")
    def basis_summary(self, obj):
        if obj.basis == "amount":
            return f"每元 {obj.points_per_yuan.normalize() if obj.points_per_yuan is not None else '-'} 分"
        return f"每单 {obj.fixed_points} 分"

    @admin.display(description="有效期")
    def window(self, obj):
        if not obj.starts_on and not obj.ends_on:
            return "长期"
        return f"{obj.starts_on or '…'} 至 {obj.ends_on or '…'}"

    @admin.display(description="预览")
    def preview(self, obj):
        if obj is None or obj.pk is None:
            return "保存后显示：这条规则按上月订单会发放多少积分。"
        result = preview_rule(obj)
        return format_html("<strong>{}</strong><br>（按已保存的设置计算，只读）", str(result))

    @admin.action(description="预览上月效果（只读）")
    def preview_last_month(self, request, queryset):
        for rule in queryset.select_related("account_type"):
            self.message_user(request, f"「{rule.name}」：{preview_rule(rule)}", messages.INFO)
