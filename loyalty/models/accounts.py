from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from loyalty.calendar import month_day


class ExpiryPolicy(models.TextChoices):
    NEVER = "never", "永不过期"
    DAYS_AFTER_EARN = "days_after_earn", "获得后 N 天（至当天结束）"
    YEARLY_CLEARING = "yearly_clearing", "每年固定日清零"
    FIXED_DATE = "fixed_date", "固定日期过期"


class PointsAccountType(models.Model):
    """A kind of points a role holds (积分, 成长值, 活跃度, 学分 …) with its expiry and pending rules.

    A change applies to points earned afterwards: each lot's expiry is fixed when it is earned.
    """

    code = models.SlugField("编码", max_length=32, unique=True)
    name = models.CharField("显示名称", max_length=32, help_text="会员看到的名称，如 积分、成长值")
    description = models.CharField("说明", max_length=255, blank=True)
    role_types = models.ManyToManyField(
        "loyalty.RoleType", verbose_name="适用角色", related_name="account_types", blank=True
    )
    expiry_policy = models.CharField(
        "过期策略", max_length=16, choices=ExpiryPolicy.choices, default=ExpiryPolicy.NEVER
    )
    expiry_days = models.PositiveIntegerField(
        "有效天数", null=True, blank=True, help_text="获得后 N 天：在获得当天之后第 N 天结束时（北京时间 24:00）过期"
    )
    clearing_month = models.PositiveSmallIntegerField("清零月", null=True, blank=True)
    clearing_day = models.PositiveSmallIntegerField("清零日", null=True, blank=True)
    clearing_keep_years = models.PositiveSmallIntegerField(
        "保留年数", default=1,
        help_text="在第 Y 年的清零日结束时，清除第 Y−k 年及以前获得的剩余积分。k=1：12-31 清零上一年度及以前获得的积分",
    )
    fixed_expiry_date = models.DateField("固定过期日", null=True, blank=True, help_text="该日结束时（北京时间 24:00）全部过期")
    pending_days = models.PositiveIntegerField(
        "待发放天数", default=0, help_text="退货期：获得后第 N 天 0 点（北京时间）才可使用；0 表示立即可用"
    )
    allow_negative = models.BooleanField(
        "允许负余额", default=False,
        help_text="退款扣回时积分已用完：允许则记为欠款（之后获得的积分先还欠款），否则记为未追回数量",
    )
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "积分类型"
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(clearing_month__isnull=True) | Q(clearing_month__gte=1, clearing_month__lte=12),
                name="account_type_clearing_month_range",
            ),
            models.CheckConstraint(
                condition=Q(clearing_day__isnull=True) | Q(clearing_day__gte=1, clearing_day__lte=31),
                name="account_type_clearing_day_range",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.expiry_policy == ExpiryPolicy.DAYS_AFTER_EARN and not self.expiry_days:
            errors["expiry_days"] = "「获得后 N 天」需要填写有效天数（至少 1 天）。"
        if self.expiry_policy == ExpiryPolicy.YEARLY_CLEARING:
            if not self.clearing_month or not 1 <= self.clearing_month <= 12:
                errors["clearing_month"] = "「每年固定日清零」需要填写 1–12 的清零月。"
            elif not self.clearing_day or not 1 <= self.clearing_day <= 31:
                errors["clearing_day"] = "「每年固定日清零」需要填写清零日。"
            elif self.clearing_day > month_day(2024, self.clearing_month, 31).day:
                errors["clearing_day"] = f"{self.clearing_month} 月没有 {self.clearing_day} 日。"
        if self.expiry_policy == ExpiryPolicy.FIXED_DATE and not self.fixed_expiry_date:
            errors["fixed_expiry_date"] = "「固定日期过期」需要填写固定过期日。"
        if errors:
            raise ValidationError(errors)


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    MERGED = "merged", "已并入他人"


class PointsAccount(models.Model):
    """One points account of a member-role. The balances are a cache of the entries' sums
    (`manage.py verify_ledger` proves it); only the ledger services write them."""

    member = models.ForeignKey(
        "members.Member", verbose_name="会员", on_delete=models.PROTECT, related_name="points_accounts",
        help_text="冗余自会员角色，便于查询",
    )
    member_role = models.ForeignKey(
        "loyalty.MemberRole", verbose_name="会员角色", on_delete=models.PROTECT, related_name="accounts"
    )
    account_type = models.ForeignKey(
        PointsAccountType, verbose_name="积分类型", on_delete=models.PROTECT, related_name="accounts"
    )
    status = models.CharField("状态", max_length=8, choices=AccountStatus.choices, default=AccountStatus.ACTIVE)
    merged_into = models.ForeignKey(
        "self", verbose_name="并入账户", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    available = models.BigIntegerField("可用", default=0, help_text="负数表示欠款（仅允许负余额的类型）")
    pending = models.BigIntegerField("待发放", default=0)
    lifetime_earned = models.BigIntegerField("累计获得", default=0, help_text="获得与加分调整，减去退款扣回")
    opened_at = models.DateTimeField("开户时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "积分账户"
        permissions = [
            ("redeem_points", "可兑换积分"),
            ("reverse_redemption", "可撤销兑换"),
            ("adjust_points", "可手工调整积分"),
            # Finance data: granted by name only (loyalty/roles.py), never by a "view_*" pattern.
            ("view_liability_report", "可查看积分负债报表（财务）"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["member_role", "account_type"], name="uniq_account_per_role_type"),
            models.CheckConstraint(condition=Q(pending__gte=0), name="account_pending_not_negative"),
            models.CheckConstraint(condition=Q(lifetime_earned__gte=0), name="account_lifetime_not_negative"),
        ]

    def __str__(self):
        return f"{self.account_type} #{self.pk}"
