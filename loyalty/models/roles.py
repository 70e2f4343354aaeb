from django.db import models


class RoleType(models.Model):
    """A kind of role a person can hold: 消费者, 导购, 代理/合伙人, 店长 … (configurable in admin)."""

    code = models.SlugField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32)
    description = models.CharField("说明", max_length=255, blank=True)
    is_buyer_role = models.BooleanField(
        "购买者角色", default=False, help_text="订单按积分规则为这个角色的账户累积积分（通常是「消费者」）"
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "角色类型"
        ordering = ["pk"]

    def __str__(self):
        return self.name


class RoleStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    ENDED = "ended", "已结束"
    MERGED = "merged", "已合并"


class MemberRole(models.Model):
    """A person's membership in a role, with a start date and status; holds the points accounts."""

    member = models.ForeignKey("members.Member", verbose_name="会员", on_delete=models.PROTECT, related_name="roles")
    role_type = models.ForeignKey(RoleType, verbose_name="角色", on_delete=models.PROTECT, related_name="members")
    status = models.CharField("状态", max_length=8, choices=RoleStatus.choices, default=RoleStatus.ACTIVE)
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    opened_by_merge = models.ForeignKey(
        "members.MergeRecord", verbose_name="由合并开通", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="保留方原本没有、因合并而开通的角色；撤销合并时结束",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "会员角色"
        constraints = [models.UniqueConstraint(fields=["member", "role_type"], name="uniq_member_role")]

    def __str__(self):
        return f"{self.member_id}·{self.role_type}"
