"""Value models in admin: parameters checked before saving, a preview of the tier sizes on today's
data, "run now", and read-only views of results, history, metrics and job runs."""

import json

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html

from core.admin import ReadOnlyAdminMixin, labelled_counts, pretty_json

from .errors import InsightsError
from .models import InsightsRun, MemberMetrics, MemberValue, ModelRun, TierChange, ValueModel
from .scoring import EXAMPLES, scorer_for
from .scoring.runner import check_config
from .services.preview import latest_run, preview_tiers
from .why import explain_value


class ValueModelForm(forms.ModelForm):
    class Meta:
        model = ValueModel
        fields = ("code", "name", "kind", "description", "config", "active", "owner")
        widgets = {"config": forms.Textarea(attrs={"rows": 18, "cols": 90, "class": "vLargeTextField",
                                                   "spellcheck": "false"})}

    def clean(self):
        cleaned = super().clean()
        kind, config = cleaned.get("kind"), cleaned.get("config")
        if kind and config is not None:
            if not isinstance(config, dict):
                self.add_error("config", "参数需要是 JSON 对象（{...}）")
            else:
                for error in scorer_for(kind).errors(config):
                    self.add_error("config", error)
        return cleaned


@admin.register(ValueModel)
class ValueModelAdmin(admin.ModelAdmin):
    form = ValueModelForm
    change_form_template = "admin/insights/valuemodel/change_form.html"
    list_display = ("name", "code", "kind", "active", "latest_run_date", "page_link")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")
    readonly_fields = ("examples", "latest_run_summary")
    actions = ["run_now"]

    class Media:
        js = ("insights/model_form.js",)

    def get_fieldsets(self, request, obj=None):
        return ((None, {"fields": ("code", "name", "kind", "description", "owner", "active")}),
                ("参数", {"fields": ("config", "examples")}),
                ("最近一次运行", {"fields": ("latest_run_summary",)}))

    @admin.display(description="各类型参数示例")
    def examples(self, obj):
        return pretty_json({kind: example for kind, example in EXAMPLES.items()})

    @admin.display(description="摘要")
    def latest_run_summary(self, obj):
        run = latest_run(obj) if obj and obj.pk else None
        if run is None:
            return "尚未运行"
        return format_html('{}：{} 人参与，<a href="{}">查看分层、迁移与明细</a>{}', run.as_of, run.scored,
                           reverse("insights:model", args=[obj.code]), pretty_json(run.tier_sizes))

    @admin.display(description="最近运行")
    def latest_run_date(self, obj):
        run = latest_run(obj)
        return run.as_of if run else "—"

    @admin.display(description="分析页")
    def page_link(self, obj):
        return format_html('<a href="{}">打开</a>', reverse("insights:model", args=[obj.code]))

    def get_urls(self):
        return [path("preview/", self.admin_site.admin_view(self.preview_view), name="insights_valuemodel_preview"),
                *super().get_urls()]

    def preview_view(self, request):
        """POST kind + config (JSON text) → the tier sizes on today's data; nothing is stored."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            return JsonResponse({"errors": ["没有编辑价值模型的权限"]}, status=403)
        kind = request.POST.get("kind", "")
        try:
            config = json.loads(request.POST.get("config") or "{}")
        except json.JSONDecodeError as error:
            return JsonResponse({"errors": [f"参数不是合法的 JSON（第 {error.lineno} 行第 {error.colno} 列）"]}, status=400)
        if kind not in dict(ValueModel._meta.get_field("kind").choices) or not isinstance(config, dict):
            return JsonResponse({"errors": ["请选择类型，参数需要是 JSON 对象"]}, status=400)
        try:
            tiers = preview_tiers(ValueModel(code="preview", name="预览", kind=kind, config=config))
        except InsightsError as error:
            return JsonResponse({"errors": error.errors}, status=400)
        return JsonResponse({"tiers": tiers, "errors": []})

    @admin.action(description="立即运行所选模型（今天）")
    def run_now(self, request, queryset):
        from .tasks import run_model_task

        for model in queryset:
            try:
                check_config(model)
            except InsightsError as error:
                self.message_user(request, str(error), messages.ERROR)
                continue
            run_model_task.delay(model.pk)
            self.message_user(request, f"已开始运行「{model.name}」，完成后分析页显示结果。")


@admin.register(ModelRun)
class ModelRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("model", "as_of", "scored", "finished_at")
    list_filter = ("model",)
    date_hierarchy = "as_of"


def _tier_label(model: ValueModel, code: str) -> str:
    """A tier's name from the model's configuration ("重要价值客户"), with its code; "-" for none."""
    if not code:
        return "-"
    names = {tier.code: tier.name for tier in scorer_for(model.kind).tiers(model.config)}
    return f"{names[code]}（{code}）" if code in names else code


@admin.register(MemberValue)
class MemberValueAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("member", "model", "tier_shown", "score", "as_of")
    list_filter = ("model", "tier")
    search_fields = ("member__code",)
    list_select_related = ("member", "model")
    show_full_result_count = False
    fields = ("member", "model", "as_of", "tier_shown", "score", "why_shown", "detail", "figures")
    readonly_fields = ("tier_shown", "why_shown")

    @admin.display(description="分层", ordering="tier")
    def tier_shown(self, obj):
        return _tier_label(obj.model, obj.tier)

    @admin.display(description="得分依据")
    def why_shown(self, obj):
        return explain_value(obj)


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("member", "model", "as_of", "from_shown", "to_shown")
    list_filter = ("model", "as_of")
    search_fields = ("member__code",)
    list_select_related = ("member", "model")
    show_full_result_count = False

    @admin.display(description="原分层", ordering="from_tier")
    def from_shown(self, obj):
        return _tier_label(obj.model, obj.from_tier)

    @admin.display(description="新分层", ordering="to_tier")
    def to_shown(self, obj):
        return _tier_label(obj.model, obj.to_tier)


@admin.register(MemberMetrics)
class MemberMetricsAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("member", "as_of", "orders_365d", "paid_365d", "last_order_date", "average_order_value")
    search_fields = ("member__code",)
    list_select_related = ("member",)
    show_full_result_count = False


# What a nightly step wrote (insights/services/nightly.py); the dashboards step counts rows per table.
RUN_STEP_LABELS = {"metrics": "会员指标", "segments": "人群人数", "dashboards": "看板统计"}
RUN_COUNT_LABELS = {
    "members": "会员", "inserted": "新增", "updated": "更新", "results": "结果", "tier_changes": "分层变化",
    "deleted": "删除", "segments": "人群", "sizes": "人数记录", "error": "错误",
}


def _table_labels() -> dict[str, str]:
    """The dashboards step's keys are its tables' model names: salesday → 看板·每日销售."""
    models = apps.get_app_config("insights").get_models()
    return {model._meta.model_name: str(model._meta.verbose_name) for model in models}


def step_label(step: str) -> str:
    if step.startswith("model:"):
        return f"价值模型 {step.removeprefix('model:')}"
    return RUN_STEP_LABELS.get(step, step)


@admin.register(InsightsRun)
class InsightsRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("step_shown", "as_of", "status", "started_at", "finished_at", "counts_shown")
    list_filter = ("status", "step")
    fields = ("step_shown", "as_of", "status", "started_at", "finished_at", "counts_shown", "message")
    readonly_fields = ("step_shown", "counts_shown")

    @admin.display(description="步骤", ordering="step")
    def step_shown(self, obj):
        return step_label(obj.step)

    @admin.display(description="写入行数")
    def counts_shown(self, obj):
        return labelled_counts(obj.counts, {**RUN_COUNT_LABELS, **_table_labels()})
