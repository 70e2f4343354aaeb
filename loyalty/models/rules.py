from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from members.models import Channel


class EarnBasis(models.TextChoices):
    AMOUNT = "amount", "按实付金额"
    PER_ORDER = "per_order", "按订单（每单固定）"


class EarnTrigger(models.TextChoices):
    PAID = "paid", "付款后"
    COMPLETED = "completed", "订单完成后"


class EarnRule(models.Model):
    """How orders earn points, configured by a loyalty admin.

    Per account type the matching rules are chosen as: the non-stackable match with the smallest
    priority number, plus every stackable match. Each (order, rule) earns at most once.
    """

    name = models.CharField("规则名称", max_length=64)
    description = models.CharField("说明", max_length=255, blank=True)
    account_type = models.ForeignKey(
        "loyalty.PointsAccountType", verbose_name="积分类型", on_delete=models.PROTECT, related_name="earn_rules"
    )
    role_type = models.ForeignKey(
        "loyalty.RoleType", verbose_name="角色", on_delete=models.PROTECT, related_name="earn_rules",
        limit_choices_to={"is_buyer_role": True}, help_text="为下单人的这个角色累积",
    )
    basis = models.CharField("计算方式", max_length=10, choices=EarnBasis.choices, default=EarnBasis.AMOUNT)
    points_per_yuan = models.DecimalField(
        "每元积分", max_digits=8, decimal_places=4, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))], help_text="按实付金额：实付 × 每元积分 × 等级倍率，向下取整",
    )
    fixed_points = models.PositiveIntegerField("每单积分", null=True, blank=True)
    min_order_amount = models.DecimalField(
        "最低实付金额", max_digits=12, decimal_places=2, default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    channels = models.JSONField(
        "限定渠道", default=list, blank=True, help_text="订单来源渠道；不选表示全部渠道"
    )
    starts_on = models.DateField("生效日期", null=True, blank=True, help_text="按付款/完成时间的北京时间日期判断")
    ends_on = models.DateField("截止日期", null=True, blank=True, help_text="含当天")
    trigger = models.CharField("发放时机", max_length=10, choices=EarnTrigger.choices, default=EarnTrigger.PAID)
    pending_days = models.PositiveIntegerField(
        "待发放天数", null=True, blank=True, help_text="留空则使用积分类型的待发放天数"
    )
    priority = models.IntegerField("优先级", default=100, help_text="数字越小越优先；不可叠加的规则只取优先级最高的一条")
    stackable = models.BooleanField("可叠加", default=False, help_text="可叠加的规则与其他命中的规则一起发放")
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "积分规则"
        ordering = ["account_type_id", "priority", "pk"]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.basis == EarnBasis.AMOUNT and (self.points_per_yuan is None or self.points_per_yuan <= 0):
            errors["points_per_yuan"] = "按实付金额计算需要填写大于 0 的每元积分。"
        if self.basis == EarnBasis.PER_ORDER and not self.fixed_points:
            errors["fixed_points"] = "按订单计算需要填写大于 0 的每单积分。"
        unknown = sorted(set(self.channels or []) - set(Channel.values)) if isinstance(self.channels, list) else None
        if unknown is None:
            errors["channels"] = "限定渠道必须是渠道列表。"
        elif unknown:
            errors["channels"] = f"未知渠道：{'、'.join(unknown)}"
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "截止日期不能早于生效日期。"
        if self.role_type_id and not self.role_type.is_buyer_role:
            errors["role_type"] = f"角色「{self.role_type}」不是购买者角色，订单不会为它累积积分。"
        if errors:
            raise ValidationError(errors)
        if self.account_type_id and self.role_type_id and not self.account_type.role_types.filter(
            pk=self.role_type_id
        ).exists():
            raise ValidationError({"account_type": f"积分类型「{self.account_type}」不适用于角色「{self.role_type}」。"})
