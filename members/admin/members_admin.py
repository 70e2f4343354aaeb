"""Member admin: search by any identifier, masked phones, read-only related rows, manual merge."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from core.admin import ReadOnlyTabularInline, admin_link, admin_url, changelist_url, pretty_json
from core.hooks import Hook
from members import cleaning
from members.cleaning.phones import masked_mobile
from members.masking import mask_data, mask_text
from members.models import (
    IdentifierKind,
    Identity,
    Member,
    MergeRecord,
    Order,
    SourceProfile,
)
from members.services import MembersError, merge_members
from members.services.merging import survivor_order

from .common import MaskedTitleMixin, PhoneMaskingMixin, identity_value_q, rule_label
from .forms import MemberProfileForm, MergeReasonForm
from .pii_lookups import PiiLookupGuardMixin
from .resources import MemberResource, SafeExportMixin

INLINE_ORDER_LIMIT = 20
# Inlines higher apps add to the member page in their AppConfig.ready() (e.g. loyalty's levels):
# members never imports them.
extra_member_inlines = Hook("extra_member_inlines", "admin inline classes appended to the member page")


def member_search_q(term: str) -> Q:
    """Match a staff search term against codes, names, the profile mobile and every identifier."""
    query = Q(code=term.upper()) | Q(name__icontains=term) | Q(mobile=term)
    mobile = cleaning.normalize_identifier(IdentifierKind.MOBILE, term)
    if mobile:
        query |= Q(mobile=mobile)
    # A subquery rather than a join: one row per member, so no duplicates and no .distinct().
    return query | Q(pk__in=Identity.objects.filter(identity_value_q(term)).values("member_id"))


# ---------------------------------------------------------------- inlines


class IdentityInline(PhoneMaskingMixin, ReadOnlyTabularInline):
    model = Identity
    fields = ("kind", "value_display", "channel", "first_seen", "last_seen")
    ordering = ("kind", "id")
    verbose_name_plural = "身份标识"

    @admin.display(description="标识值")
    def value_display(self, obj):
        return self.shown_mobile(obj, obj.value) if obj.kind == IdentifierKind.MOBILE else obj.value


class SourceProfileInline(PhoneMaskingMixin, ReadOnlyTabularInline):
    model = SourceProfile
    fields = ("channel", "account_display", "name", "mobile_display", "city", "registered_at", "seen_at")
    ordering = ("channel", "id")
    verbose_name_plural = "渠道档案（各渠道账号）"

    @admin.display(description="渠道账号")
    def account_display(self, obj):
        return self.shown(obj, obj.external_id)

    @admin.display(description="手机号")
    def mobile_display(self, obj):
        return self.shown_mobile(obj, obj.mobile)


class LatestOrdersFormSet(BaseInlineFormSet):
    def get_queryset(self):
        if not hasattr(self, "_latest"):
            self._latest = super().get_queryset()[:INLINE_ORDER_LIMIT]
        return self._latest


class OrderInline(ReadOnlyTabularInline):
    model = Order
    formset = LatestOrdersFormSet
    fields = ("channel", "external_no", "status", "paid_amount", "refunded_amount", "ordered_at")
    ordering = ("-ordered_at", "-id")
    verbose_name_plural = f"订单（最近{INLINE_ORDER_LIMIT}笔，全部订单见“订单汇总”）"


class MergeAsSurvivorInline(PhoneMaskingMixin, ReadOnlyTabularInline):
    model = MergeRecord
    fk_name = "survivor"
    fields = ("created_at", "absorbed_link", "rule_display", "identifier_display", "actor_label", "undone_at")
    ordering = ("-created_at", "-id")
    verbose_name_plural = "合并历史（并入本会员的记录）"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("absorbed")

    @admin.display(description="被合并方")
    def absorbed_link(self, obj):
        return admin_link(obj.absorbed)

    @admin.display(description="触发规则")
    def rule_display(self, obj):
        return rule_label(obj.rule)

    @admin.display(description="触发标识值")
    def identifier_display(self, obj):
        return self.shown(obj, obj.identifier_value)


# ---------------------------------------------------------------- member admin


@admin.register(Member)
class MemberAdmin(PiiLookupGuardMixin, MaskedTitleMixin, PhoneMaskingMixin, SafeExportMixin, admin.ModelAdmin):
    form = MemberProfileForm
    resource_classes = [MemberResource]

    list_display = (
        "code", "name_display", "mobile_display", "city", "registered_channel", "registered_at", "status", "home_store",
    )
    list_filter = ("status", "registered_channel", "gender", "province")
    list_select_related = ("home_store",)
    search_fields = ("code",)  # matching itself is in get_search_results
    search_help_text = "手机号（任意格式）、姓名、会员编号或任一身份标识（天猫昵称、OpenID、会员卡号等）"
    show_full_result_count = False
    list_per_page = 50
    ordering = ("-id",)
    actions = ["merge_selected"]
    raw_id_fields = ("home_store",)

    # Shown instead of the fields themselves to staff who may not see contact details.
    masked_displays = ("name_display", "mobile_display", "email_display", "address_display", "attributes_display")

    status_fields = (
        "code", "status", "registered_channel", "registered_at", "merged_into_link", "absorbed_history",
        "orders_summary", "created_at", "updated_at",
    )

    # ---- permissions

    def has_delete_permission(self, request, obj=None):
        return False  # erasure (PIPL) is its own audited process, never a row delete

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_active:
            return False  # merged/erased people are history: view only
        return super().has_change_permission(request, obj)

    def has_merge_permission(self, request):
        return request.user.has_perm("members.add_mergerecord")

    # ---- form layout

    def get_fieldsets(self, request, obj=None):
        reveal = obj is None or self.can_reveal(request)
        name, mobile, email, address, attributes = (
            ("name", "mobile", "email", "address", "attributes") if reveal
            else ("name_display", "mobile_display", "email_display", "address_display", "attributes_display")
        )
        fieldsets = [
            ("基本资料", {"fields": (name, "gender", "birthday", mobile, email)}),
            ("地区与门店", {"fields": ("province", "city", "district", address, "home_store")}),
            ("自定义属性", {"fields": (attributes,), "classes": ("collapse",)}),
        ]
        if obj is not None:
            fieldsets.insert(0, ("会员状态", {"fields": self.status_fields}))
            fieldsets[1][1]["description"] = (
                "资料由各渠道档案按优先级自动汇总；在此修改会记录为“手工录入”档案（优先级最高）。"
            )
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (*self.status_fields, *self.masked_displays)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"request_user": request.user})

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        return [IdentityInline, SourceProfileInline, OrderInline, MergeAsSurvivorInline, *extra_member_inlines]

    # ---- writes go through services

    def save_model(self, request, obj, form, change):
        # form.clean() already ran the service in a rolled-back savepoint inside this same
        # transaction, so a MembersError here is not expected; if one happens it aborts the request.
        if change and not form.profile_changes():
            return
        started = timezone.now()
        member = form.apply(request.user)
        if not change and member.created_at < started:
            self.message_user(
                request, f"手机号/邮箱与已有会员 {member} 一致，已合并到该会员的资料中。", messages.WARNING
            )
        obj.pk = member.pk
        obj.refresh_from_db()
        obj._state.adding = False

    # ---- list and search

    @admin.display(description="手机号", ordering="mobile")
    def mobile_display(self, obj):
        return self.shown_mobile(obj, obj.mobile)

    @admin.display(description="邮箱")
    def email_display(self, obj):
        return self.shown(obj, obj.email)

    # Imported names, addresses and attributes are free text: a phone typed into them is masked.
    @admin.display(description="姓名", ordering="name")
    def name_display(self, obj):
        return self.shown(obj, obj.name)

    @admin.display(description="地址")
    def address_display(self, obj):
        return self.shown(obj, obj.address)

    @admin.display(description="自定义属性")
    def attributes_display(self, obj):
        return pretty_json(obj.attributes if self.reveals(obj) else mask_data(obj.attributes))

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(member_search_q(term)), False

    # ---- read-only detail fields

    @admin.display(description="合并到")
    def merged_into_link(self, obj):
        if not obj.merged_into_id:
            return "-"
        return admin_link(obj.merged_into)

    @admin.display(description="被合并历史")
    def absorbed_history(self, obj):
        records = MergeRecord.objects.filter(absorbed=obj).select_related("survivor").order_by("-created_at")
        if not records:
            return "-"
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a> 并入 {}（{}）{}',
            (
                (
                    admin_url(r),
                    timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M"),
                    r.survivor,
                    rule_label(r.rule),
                    f" · 已于 {timezone.localtime(r.undone_at):%Y-%m-%d %H:%M} 撤销" if r.undone_at else "",
                )
                for r in records
            ),
        )

    @admin.display(description="订单汇总")
    def orders_summary(self, obj):
        count = obj.orders.count()
        url = changelist_url(Order, member__id__exact=obj.pk)
        return format_html('共 {} 笔 · <a href="{}">查看全部订单</a>', count, url)

    # ---- manual merge

    @admin.action(description="合并所选会员", permissions=["merge"])
    def merge_selected(self, request, queryset):
        members = list(queryset.select_related("home_store")[:3])
        if len(members) != 2:
            self.message_user(request, "请恰好选择两个会员进行合并。", messages.ERROR)
            return None
        inactive = [m for m in members if not m.is_active]
        if inactive:
            names = "、".join(f"{m.code}（{m.get_status_display()}）" for m in inactive)
            self.message_user(request, f"只能合并正常状态的会员：{names}", messages.ERROR)
            return None
        survivor, absorbed = sorted(members, key=survivor_order)

        form = MergeReasonForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            try:
                record = merge_members(
                    survivor_id=survivor.pk,
                    absorbed_id=absorbed.pk,
                    rule="manual",
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except MembersError as error:
                self.message_user(request, str(error), messages.ERROR)
                return None
            self.message_user(
                request,
                format_html(
                    "已将 {} 合并到 {}。<a href=\"{}\">查看合并记录</a>（可撤销）",
                    absorbed, survivor, admin_url(record),
                ),
                messages.SUCCESS,
            )
            return None

        context = {
            **self.admin_site.each_context(request),
            "title": "合并会员",
            "opts": self.opts,
            "form": form,
            "survivor": survivor,
            "absorbed": absorbed,
            "rows": self._comparison_rows(request, survivor, absorbed),
            "selected": [survivor.pk, absorbed.pk],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": "merge_selected",
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/members/member/merge_confirmation.html", context)

    def _comparison_rows(self, request, survivor: Member, absorbed: Member) -> list[dict]:
        reveal = self.can_reveal(request)

        def values(m: Member) -> dict:
            return {
                "会员编号": m.code,
                "姓名": m.name if reveal else mask_text(m.name),
                "性别": m.get_gender_display(),
                "生日": m.birthday or "",
                "手机号": m.mobile if reveal else masked_mobile(m.mobile),
                "邮箱": m.email if reveal else mask_text(m.email),
                "地区": " ".join(filter(None, (m.province, m.city, m.district))),
                "地址": m.address if reveal else mask_text(m.address),
                "归属门店": m.home_store or "",
                "注册渠道": m.get_registered_channel_display() if m.registered_channel else "",
                "注册时间": timezone.localtime(m.registered_at).strftime("%Y-%m-%d %H:%M") if m.registered_at else "",
                "身份标识": m.identities.count(),
                "渠道档案": m.source_profiles.count(),
                "订单": m.orders.count(),
            }

        left, right = values(survivor), values(absorbed)
        return [
            {"label": label, "survivor": left[label], "absorbed": right[label], "differs": left[label] != right[label]}
            for label in left
        ]
