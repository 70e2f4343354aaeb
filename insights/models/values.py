"""Value models (RFM, CLV, activity, the operator's own weighted model) and their results.

A model's run on a business date writes every active member's tier and score (MemberValue, the
current result) and, for each member whose tier changed, one TierChange: the append-only history
from which the tier of anyone on any run date — and the migration between two runs — follows.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class Figure(models.DecimalField):
    """`numeric` without a declared precision: a figure keeps the scale it was computed with (days,
    order counts, yuan), and a scorer's array of them needs no per-element rounding on insert."""

    def db_type(self, connection) -> str:
        return "numeric"


class ModelKind(models.TextChoices):
    RFM = "rfm", "RFM 模型"
    ACTIVITY = "activity", "活跃度模型"
    CLV = "clv", "客户终身价值（CLV）"
    CUSTOM = "custom", "自定义客户模型"


class ValueModel(models.Model):
    code = models.SlugField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64)
    kind = models.CharField("类型", max_length=16, choices=ModelKind.choices)
    description = models.TextField("说明", blank=True)
    config = models.JSONField("参数", default=dict, blank=True, help_text="按类型填写；保存前校验")
    active = models.BooleanField("启用", default=True, help_text="启用的模型每晚随洞察任务运行")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="负责人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "价值模型"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class ModelRun(models.Model):
    """The model on one business date: tier sizes, the moves since the previous run, the fit (CLV)."""
    model = models.ForeignKey(ValueModel, verbose_name="模型", on_delete=models.CASCADE, related_name="runs")
    as_of = models.DateField("业务日期")
    finished_at = models.DateTimeField("完成时间", auto_now=True)
    scored = models.IntegerField("参与会员数", default=0)
    tier_sizes = models.JSONField("各层人数", default=dict, blank=True)
    summary = models.JSONField("模型摘要", default=dict, blank=True,
                               help_text="RFM 的平均分、CLV 的拟合参数与留出期检验等")
    moves = models.JSONField("分层迁移", default=list, blank=True,
                             help_text="与上一次运行相比换了分层的人数：[[原分层, 新分层, 人数], …]（原分层为空：新进入）")
    written = models.JSONField("写入行数", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "模型运行"
        ordering = ["model", "-as_of"]
        constraints = [models.UniqueConstraint(fields=["model", "as_of"], name="uniq_model_run_date")]

    def __str__(self) -> str:
        return f"{self.model.code} {self.as_of}"


class MemberValue(models.Model):
    """A member's current result in a model: the tier, the score and its breakdown (the "why")."""
    model = models.ForeignKey(ValueModel, verbose_name="模型", on_delete=models.CASCADE, related_name="values")
    member = models.ForeignKey("members.Member", verbose_name="会员", on_delete=models.CASCADE,
                               related_name="model_values")
    as_of = models.DateField("业务日期", help_text="写入本行的那次运行的业务日期；之后结果不变的运行不改写")
    tier = models.CharField("分层", max_length=32)
    score = models.DecimalField("得分", max_digits=14, decimal_places=4, null=True, blank=True)
    detail = models.JSONField("明细", default=dict, blank=True, help_text="得分的组成：各指标的取值、分数与权重")
    # Numbers only, positional, named by the scorer (rfm.FIGURES, custom.breakdown): for a million
    # members a numeric[] costs ~0.3 µs a row to build where a JSON object of the same numbers costs
    # 2–3 µs (PostgreSQL 15 formats and re-parses every number it puts into jsonb) — docs/benchmarks.md.
    figures = ArrayField(Figure(max_digits=20, decimal_places=4), verbose_name="明细数值", default=list, blank=True,
                         help_text="得分依据的数值，按模型类型约定的顺序（RFM：末单日期（1970-01-01 起的天数）、次数、金额、R、F、M 得分；自定义模型：各指标的取值，再各指标的归一化值，再各指标的贡献）")

    class Meta:
        verbose_name = verbose_name_plural = "会员模型结果"
        constraints = [models.UniqueConstraint(fields=["model", "member"], name="uniq_member_value")]
        indexes = [models.Index(fields=["model", "tier"], name="insights_value_model_tier")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.model_id}: {self.tier}"


class TierChange(models.Model):
    """Append-only: a member entered `to_tier` (from `from_tier`, empty for a first tier) on a run date."""
    model = models.ForeignKey(ValueModel, verbose_name="模型", on_delete=models.CASCADE, related_name="tier_changes")
    member = models.ForeignKey("members.Member", verbose_name="会员", on_delete=models.CASCADE,
                               related_name="tier_changes")
    as_of = models.DateField("业务日期")
    from_tier = models.CharField("原分层", max_length=32, blank=True)
    to_tier = models.CharField("新分层", max_length=32, blank=True, help_text="空：不再参与该模型（已合并或删除）")

    class Meta:
        verbose_name = verbose_name_plural = "分层变化"
        constraints = [models.UniqueConstraint(fields=["model", "member", "as_of"], name="uniq_tier_change")]
        indexes = [models.Index(fields=["model", "as_of"], name="insights_tierchange_date")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.as_of}: {self.from_tier or '—'} → {self.to_tier or '—'}"
