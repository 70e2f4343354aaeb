"""Admin for level schemes, levels, benefits, member levels and their history.

Thresholds are changed on their own page (等级组 → 调整门槛并预览影响) that shows who would move
before anything is saved; a manual level is an action with a mandatory reason.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from core.admin import ReadOnlyAdminMixin, ReadOnlyTabularInline
from loyalty.errors import LoyaltyError
from loyalty.hooks import levels_changed
from loyalty.levels.preview import preview_impact
from loyalty.levels.services import set_manual_level
from loyalty.models import Benefit, Level, LevelChange, LevelScheme, MemberLevel
from members.admin.common import PhoneMaskingMixin
from members.admin.pii_lookups import PiiLookupGuardMixin, declare_pii_fields
from members.models import Member

# Staff-written reasons can carry a phone: not for filtering or sorting by users who may not see it.
declare_pii_fields("loyalty.memberlevel", "floor_reason")
declare_pii_fields("loyalty.levelchange", "rule")


@admin.register(Benefit)
class BenefitAdmin(PiiLookupGuardMixin, admin.ModelAdmin):
    list_display = ("name", "code", "kind", "value", "active", "level_names")
    list_filter = ("kind", "active")
    search_fields = ("name", "code")

    @admin.display(description="所属等级")
    def level_names(self, obj):
        return "、".join(str(level) for level in obj.levels.select_related("scheme")) or "-"


class LevelInline(admin.TabularInline):
    model = Level
    extra = 0
    fields = ("rank", "code", "name", "upgrade_threshold", "retain_threshold", "benefits")
    filter_horizontal = ()
    ordering = ("rank",)


@admin.register(LevelScheme)
class LevelSchemeAdmin(PiiLookupGuardMixin, admin.ModelAdmin):
    list_display = ("name", "code", "role_type", "metric", "review_period", "downgrade_policy", "active",
                    "threshold_link")
    list_filter = ("role_type", "metric", "review_period", "active")
    inlines = [LevelInline]
    fieldsets = (
        (None, {"fields": ("code", "name", "role_type", "active")}),
        ("评级指标", {"fields": ("metric", "account_type", "window_months")}),
        ("考核与降级", {"fields": ("review_period", "review_month", "review_day", "review_every_months",
                               "downgrade_policy")}),
    )

    @admin.display(description="门槛")
    def threshold_link(self, obj):  # the page itself checks the change permission
        url = reverse("admin:loyalty_levelscheme_thresholds", args=[obj.pk])
        return format_html('<a href="{}">调整门槛并预览影响</a>', url)

    def get_urls(self):
        view = self.admin_site.admin_view(self.thresholds_view)
        return [path("<int:pk>/thresholds/", view, name="loyalty_levelscheme_thresholds"), *super().get_urls()]

    def thresholds_view(self, request, pk):
        scheme = get_object_or_404(LevelScheme, pk=pk)
        # The preview lists members by name: it is a tool for those who may change the rules.
        if not self.has_change_permission(request, scheme):
            raise PermissionDenied
        levels = list(Level.objects.filter(scheme=scheme).order_by("rank"))
        form = ThresholdForm(request.POST or None, levels=levels)
        impact, names = None, {level.pk: level.name for level in levels}
        if request.method == "POST" and form.is_valid():
            proposed = form.thresholds()
            if "_save" in request.POST:
                _save_thresholds(levels, proposed)
                self.log_change(request, scheme, f"门槛调整：{form.describe(names)}")
                messages.success(request, f"已保存「{scheme}」的门槛。")
                return redirect("admin:loyalty_levelscheme_change", scheme.pk)
            impact = preview_impact(scheme, proposed)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "scheme": scheme, "form": form,
            "impact": impact, "title": f"调整门槛：{scheme}",
            "moves": [(names[a], names[b], n) for (a, b), n in sorted(impact.moves.items())] if impact else [],
            "samples": _samples(impact, names) if impact else {},
        }
        return TemplateResponse(request, "admin/loyalty/levelscheme/thresholds.html", context)


@transaction.atomic
def _save_thresholds(levels: list[Level], proposed: dict[int, tuple[Decimal, Decimal]]) -> None:
    for level in levels:
        level.upgrade_threshold, level.retain_threshold = proposed[level.pk]
        level.full_clean()
        level.save(update_fields=["upgrade_threshold", "retain_threshold"])


def _samples(impact, names) -> dict:
    members = {m.pk: m for m in Member.objects.filter(
        pk__in=[s[0] for rows in impact.samples.values() for s in rows]).only("code", "name")}
    return {way: [(members.get(mid), names[a], names[b], metric) for mid, a, b, metric in rows]
            for way, rows in impact.samples.items()}


class ThresholdForm(forms.Form):
    """One (upgrade, retain) pair per level; inclusive thresholds, retain ≤ upgrade, rising with rank."""

    def __init__(self, *args, levels: list[Level], **kwargs):
        super().__init__(*args, **kwargs)
        self.levels = levels
        for level in levels:
            self.fields[f"up_{level.pk}"] = forms.DecimalField(
                label=f"{level.name} 升级门槛", min_value=0, max_digits=14, decimal_places=2,
                initial=level.upgrade_threshold)
            self.fields[f"keep_{level.pk}"] = forms.DecimalField(
                label=f"{level.name} 保级门槛", min_value=0, max_digits=14, decimal_places=2,
                initial=level.retain_threshold)

    def rows(self):
        return [(level, self[f"up_{level.pk}"], self[f"keep_{level.pk}"]) for level in self.levels]

    def clean(self):
        data = super().clean()
        previous = None
        for level in self.levels:
            up, keep = data.get(f"up_{level.pk}"), data.get(f"keep_{level.pk}")
            if up is None or keep is None:
                continue
            if keep > up:
                self.add_error(f"keep_{level.pk}", f"「{level.name}」的保级门槛不能高于升级门槛。")
            if previous is not None and up <= previous[1]:
                self.add_error(f"up_{level.pk}", f"「{level.name}」的升级门槛必须高于「{previous[0]}」的 {previous[1]}。")
            previous = (level.name, up)
        return data

    def thresholds(self) -> dict[int, tuple[Decimal, Decimal]]:
        return {level.pk: (self.cleaned_data[f"up_{level.pk}"], self.cleaned_data[f"keep_{level.pk}"])
                for level in self.levels}

    def describe(self, names) -> str:
        return "；".join(f"{names[pk]} {up}/{keep}" for pk, (up, keep) in self.thresholds().items())


class ManualLevelForm(forms.Form):
    level = forms.ModelChoiceField(label="设定为", queryset=Level.objects.none())
    reason = forms.CharField(label="原因", max_length=255, widget=forms.TextInput(attrs={"size": 60}),
                             error_messages={"required": "请填写原因。"})
    until = forms.DateField(label="保底截止日", required=False, help_text="含当天；留空表示长期保底（直至再次手工设定）")


class RuleShownMixin(PhoneMaskingMixin):
    """A level change's rule text can quote a staff-written reason (manual levels): masked for
    staff who may not see phones."""

    @admin.display(description="依据")
    def rule_shown(self, obj):
        return self.shown(obj, obj.rule)


class LevelChangeInline(RuleShownMixin, ReadOnlyTabularInline):
    model = LevelChange
    fk_name = "member_level"
    fields = ("created_at", "kind", "from_level", "to_level", "metric_value", "rule_shown", "actor_label")
    readonly_fields = fields
    ordering = ("-created_at", "-id")
    verbose_name_plural = "等级变动"


@admin.register(MemberLevel)
class MemberLevelAdmin(PiiLookupGuardMixin, PhoneMaskingMixin, admin.ModelAdmin):
    list_display = ("member", "scheme", "level", "reached_at", "next_review_on", "floor_level", "floor_until")
    list_filter = ("scheme", "level")
    search_fields = ("member__code", "member__name")
    list_select_related = ("member", "scheme", "level", "floor_level")
    readonly_fields = ("member", "member_role", "scheme", "level", "reached_at", "next_review_on", "floor_level",
                       "floor_until", "floor_reason_shown")
    exclude = ("floor_reason",)  # shown through floor_reason_shown, masked for guides
    inlines = [LevelChangeInline]
    actions = ["set_level"]

    def has_add_permission(self, request):
        return False  # levels are assigned by the rules; staff set them with the action

    @admin.display(description="保底原因")
    def floor_reason_shown(self, obj):
        return self.shown(obj, obj.floor_reason)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # A row's page is read-only: saving it would write every field back without the scheme's
        # lock (services.set_manual_level takes it). The change permission still allows the action.
        return obj is None and super().has_change_permission(request)

    @admin.action(description="手工设定等级（需填写原因）", permissions=["change"])
    def set_level(self, request, queryset):
        schemes = set(queryset.values_list("scheme_id", flat=True))
        if len(schemes) != 1:
            self.message_user(request, "请只选择同一等级组的会员。", messages.ERROR)
            return None
        form = ManualLevelForm(request.POST if "apply" in request.POST else None)
        form.fields["level"].queryset = Level.objects.filter(scheme_id=schemes.pop()).order_by("rank")
        if form.is_valid():
            done = 0
            with levels_changed.batch():  # one announcement for the whole selection
                for row in queryset:
                    try:
                        set_manual_level(member_level=row, level=form.cleaned_data["level"],
                                         reason=form.cleaned_data["reason"], until=form.cleaned_data["until"],
                                         actor=request.user)
                        done += 1
                    except LoyaltyError as error:
                        self.message_user(request, f"{row.member}: {error}", messages.ERROR)
            if done:
                self.message_user(request, f"已为 {done} 位会员设定等级。", messages.SUCCESS)
            return None
        return TemplateResponse(request, "admin/loyalty/memberlevel/set_level.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "rows": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME, "title": "手工设定等级",
        })


@admin.register(LevelChange)
class LevelChangeAdmin(PiiLookupGuardMixin, RuleShownMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "member", "scheme", "kind", "from_level", "to_level", "metric_value",
                    "rule_shown", "actor_label")
    list_filter = ("scheme", "kind")
    search_fields = ("member__code", "member__name")
    list_select_related = ("member", "scheme", "from_level", "to_level")


class MemberLevelInline(PhoneMaskingMixin, ReadOnlyTabularInline):
    """On the member page: every role's level, since when, next review and why."""

    model = MemberLevel
    fields = ("role_name", "scheme", "level", "reached_at", "next_review_on", "floor_text", "why")
    readonly_fields = fields
    verbose_name_plural = "各角色等级"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member_role__role_type", "scheme", "level",
                                                            "floor_level")

    @admin.display(description="角色")
    def role_name(self, obj):
        return obj.member_role.role_type.name

    @admin.display(description="手工保底")
    def floor_text(self, obj):
        if not obj.floor_level_id:
            return "-"
        until = f"至 {obj.floor_until:%Y-%m-%d}" if obj.floor_until else "长期"
        reason = self.shown(obj, obj.floor_reason)
        return f"{obj.floor_level.name}（{until}；{reason}）"

    @admin.display(description="最近变动原因")
    def why(self, obj):
        change = obj.changes.order_by("-created_at", "-id").first()
        if not change:
            return "-"
        return f"{change.get_kind_display()}：{self.shown(obj, change.rule)}"

