from django.conf import settings
from django.db import models

from .choices import Channel, IdentifierKind


class Identity(models.Model):
    """One identifier of a person. (kind, value) is globally unique: one value, one person."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="identities")
    kind = models.CharField("类型", max_length=24, choices=IdentifierKind.choices)
    value = models.CharField("标识值", max_length=191)
    channel = models.CharField("来源渠道", max_length=16, choices=Channel.choices)
    source_profile = models.ForeignKey(
        "members.SourceProfile", null=True, blank=True, on_delete=models.SET_NULL, related_name="identities"
    )
    first_seen = models.DateTimeField("首次出现")
    last_seen = models.DateTimeField("最近出现")

    class Meta:
        verbose_name = verbose_name_plural = "身份标识"
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="uniq_identity_kind_value")]
        indexes = [models.Index(fields=["value"])]

    def __str__(self):
        return f"{self.get_kind_display()}:{self.value}"


class MatchRule(models.Model):
    """Which identifier kinds link people, in what priority, and the mega-merge guard."""

    kind = models.CharField("标识类型", max_length=24, choices=IdentifierKind.choices, unique=True)
    enabled = models.BooleanField("启用", default=True)
    priority = models.PositiveSmallIntegerField("优先级", default=100, help_text="数字越小越优先")
    max_per_member = models.PositiveSmallIntegerField(
        "每人上限", default=5, help_text="合并后一个会员最多持有的此类标识数；超出则进入人工审核"
    )
    description = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "合并规则"
        ordering = ["priority", "kind"]

    def __str__(self):
        return f"{self.get_kind_display()} (P{self.priority})"


class BlockedValue(models.Model):
    """Identifier values that must never link people (shared test numbers, placeholder accounts)."""

    kind = models.CharField(
        "标识类型", max_length=24, choices=IdentifierKind.choices, blank=True, help_text="留空表示所有类型"
    )
    value = models.CharField("标识值(规范化后)", max_length=191)
    reason = models.CharField("原因", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "屏蔽标识"
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="uniq_blocked_value")]

    def __str__(self):
        return f"{self.kind or '*'}:{self.value}"


class MergeRecord(models.Model):
    """A merge of `absorbed` into `survivor`, with everything needed to explain and undo it."""

    survivor = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="merges_as_survivor")
    absorbed = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="merges_as_absorbed")
    rule = models.CharField("触发规则", max_length=24, help_text="标识类型，或 manual / review")
    identifier_value = models.CharField("触发标识值", max_length=191, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField("来源", max_length=64, default="system")
    reason = models.CharField("说明", max_length=255, blank=True)
    survivor_before = models.JSONField("合并前(保留方)")
    absorbed_before = models.JSONField("合并前(被合并方)")
    moved = models.JSONField("转移的数据", help_text="ids of rows moved from absorbed to survivor, by type")
    created_at = models.DateTimeField("合并时间", auto_now_add=True)
    undone_at = models.DateTimeField("撤销时间", null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="撤销人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "合并记录"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.absorbed_id} → {self.survivor_id}"


class CandidateStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    MERGED = "merged", "已合并"
    REJECTED = "rejected", "已驳回"
    SUPERSEDED = "superseded", "已失效(一方已并入他人)"


class CandidateSource(models.TextChoices):
    FUZZY = "fuzzy", "模糊匹配"
    GUARD = "guard", "超限拦截"


class MergeCandidate(models.Model):
    """A likely duplicate pair for a person to decide on; never merged automatically."""

    member_a = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    member_b = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    source = models.CharField("来源", max_length=8, choices=CandidateSource.choices)
    score = models.FloatField("相似度")
    reasons = models.JSONField("依据", default=list)
    status = models.CharField(
        "状态", max_length=12, choices=CandidateStatus.choices, default=CandidateStatus.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    created_at = models.DateTimeField("发现时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "疑似重复(待审核)"
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member_a", "member_b"], name="uniq_candidate_pair"),
            models.CheckConstraint(condition=models.Q(member_a__lt=models.F("member_b")), name="candidate_a_lt_b"),
        ]

    def __str__(self):
        return f"{self.member_a_id} ~ {self.member_b_id} ({self.score:.2f})"
