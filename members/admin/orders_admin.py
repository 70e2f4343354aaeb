"""Stores and orders."""

from django.contrib import admin

from core.admin import admin_link
from members import hooks
from members.models import Order, OrderLine, Store

from .common import FieldTextsMixin, PhoneMaskingMixin
from .pii_lookups import PiiLookupGuardMixin
from .resources import OrderResource, SafeExportMixin


@admin.register(Store)
class StoreAdmin(PiiLookupGuardMixin, admin.ModelAdmin):
    list_display = ("code", "name", "province", "city", "region", "is_active")
    list_filter = ("province", "region", "is_active")
    search_fields = ("code", "name")


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ("line_no", "sku", "title", "category", "quantity", "price")
    ordering = ("line_no",)


@admin.register(Order)
class OrderAdmin(PiiLookupGuardMixin, PhoneMaskingMixin, FieldTextsMixin, SafeExportMixin, admin.ModelAdmin):
    resource_classes = [OrderResource]
    field_help_texts = {"source_profile": "下单的渠道账号；撤销会员合并时，订单据此退回原来的会员"}

    list_display = (
        "channel", "external_no", "member_link", "status", "paid_amount", "refunded_amount", "ordered_at",
    )
    list_filter = ("channel", "status", "is_deleted")
    search_fields = ("=external_no", "=member__code")
    search_help_text = "订单编号或会员编号（精确）"
    raw_id_fields = ("member", "store", "source_profile")
    date_hierarchy = "ordered_at"
    list_select_related = ("member",)
    show_full_result_count = False
    inlines = [OrderLineInline]
    readonly_fields = ("created_at", "updated_at", "member_shown", "buyer_account")
    fieldsets = (
        (None, {"fields": ("channel", "external_no", "member", "source_profile", "store", "shop_name")}),
        ("状态", {"fields": ("status", "raw_status", "is_deleted")}),
        ("金额", {"fields": ("payable_amount", "paid_amount", "refunded_amount", "item_count")}),
        ("时间", {"fields": ("ordered_at", "paid_at", "completed_at", "created_at", "updated_at")}),
    )

    def has_delete_permission(self, request, obj=None):
        return False  # points and metrics were computed from it; mark it 已删除 / 已关闭 instead

    def get_fieldsets(self, request, obj=None):
        if obj is None or self.can_reveal(request):
            return self.fieldsets
        # The buyer's channel account id can be a phone ("mobile:+86…"): shown masked instead.
        swap = {"member": "member_shown", "source_profile": "buyer_account"}
        first = tuple(swap.get(name, name) for name in self.fieldsets[0][1]["fields"])
        return ((None, {"fields": first}), *self.fieldsets[1:])

    @admin.display(description="会员")
    def member_shown(self, obj):
        return self.shown_link(obj, obj.member)

    @admin.display(description="下单账号")
    def buyer_account(self, obj):
        return self.shown_link(obj, obj.source_profile)

    @admin.display(description="会员", ordering="member__code")
    def member_link(self, obj):
        return admin_link(obj.member, obj.member.code) if obj.member_id else "-"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Loyalty/insights recompute from orders; tell them, as imports do.
        hooks.orders_changed.send(order_ids=[form.instance.pk], source="admin")
