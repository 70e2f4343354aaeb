"""Level schemes (等级组), their levels and benefits (权益), each person's level per scheme and its history."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from loyalty.calendar import month_day


class LevelMetric(models.TextChoices):
    LIFETIME_EARNED = "lifetime_earned", "积分账户累计获得（如成长值）"
    WINDOW_EARNED = "window_earned", "考核期内获得的积分"
    WINDOW_PAID = "window_paid", "考核期内实付金额（扣除退款）"
    WINDOW_ORDERS = "window_orders", "考核期内有效订单数"


POINTS_METRICS = (LevelMetric.LIFETIME_EARNED, LevelMetric.WINDOW_EARNED)
WINDOW_METRICS = (LevelMetric.WINDOW_EARNED, LevelMetric.WINDOW_PAID, LevelMetric.WINDOW_ORDERS)


class ReviewPeriod(models.TextChoices):
    MONTHLY = "monthly", "每月1日"
    QUARTERLY = "quarterly", "每季度首日"
    YEARLY = "yearly", "每年固定日"
    AFTER_REACHED = "after_reached", "达到等级后每 N 个月"


class DowngradePolicy(models.TextChoices):
    ONE_LEVEL = "one_level", "每次考核最多降一级"
    TO_SUPPORTED = "to_supported", "降到指标支持的等级"


class LevelScheme(models.Model):
    """A ladder of levels for one role type, ranked by one metric, reviewed on a calendar."""

    code = models.SlugField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32)
    role_type = models.ForeignKey(
        "loyalty.RoleType", verbose_name="角色", on_delete=models.PROTECT, related_name="level_schemes"
    )
    metric = models.CharField("评级指标", max_length=16, choices=LevelMetric.choices)
    account_type = models.ForeignKey(
        "loyalty.PointsAccountType", verbose_name="积分类型", null=True, blank=True, on_delete=models.PROTECT,
        related_name="level_schemes", help_text="按积分评级时：哪个积分账户（如 成长值）",
    )
    window_months = models.PositiveSmallIntegerField(
        "考核窗口(月)", default=12, help_text="按考核期内指标评级时，统计考核日之前多少个月",
    )
    review_period = models.CharField("考核周期", max_length=16, choices=ReviewPeriod.choices,
                                     default=ReviewPeriod.YEARLY)
    review_month = models.PositiveSmallIntegerField("考核月", null=True, blank=True, help_text="每年固定日：月")
    review_day = models.PositiveSmallIntegerField("考核日", null=True, blank=True, help_text="每年固定日：日")
    review_every_months = models.PositiveSmallIntegerField(
        "间隔月数", null=True, blank=True, help_text="达到等级后每 N 个月考核一次"
    )
    downgrade_policy = models.CharField("降级方式", max_length=16, choices=DowngradePolicy.choices,
                                        default=DowngradePolicy.ONE_LEVEL)
    active = models.BooleanField("启用", default=True)
    # Where the daily sweep for role holders without a level row may start (review.assign_missing_levels):
    # roles changed before it have been given one. Empty: every role of the type is checked.
    levels_assigned_at = models.DateTimeField("已补齐等级至", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "等级组"
        ordering = ["pk"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Roles of another type were never swept for this scheme: the next sweep checks them all.
        # (A queryset .update() of role_type bypasses this; the product changes schemes through forms.)
        if self.pk and LevelScheme.objects.filter(pk=self.pk).exclude(role_type_id=self.role_type_id).exists():
            self.levels_assigned_at = None
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "levels_assigned_at"}
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if self.metric in POINTS_METRICS and not self.account_type_id:
            errors["account_type"] = "按积分评级需要选择积分类型。"
        if self.metric in WINDOW_METRICS and not self.window_months:
            errors["window_months"] = "按考核期内指标评级需要填写考核窗口（至少 1 个月）。"
        if self.review_period == ReviewPeriod.YEARLY:
            if not self.review_month or not 1 <= self.review_month <= 12:
                errors["review_month"] = "每年固定日考核需要填写 1–12 的考核月。"
            elif not self.review_day or not 1 <= self.review_day <= month_day(2024, self.review_month, 31).day:
                errors["review_day"] = "考核日不在该月的日期范围内。"
        if self.review_period == ReviewPeriod.AFTER_REACHED and not self.review_every_months:
            errors["review_every_months"] = "「达到等级后每 N 个月」需要填写间隔月数。"
        if errors:
            raise ValidationError(errors)
        if self.account_type_id and self.role_type_id and not self.account_type.role_types.filter(
            pk=self.role_type_id
        ).exists():
            raise ValidationError({"account_type": f"积分类型「{self.account_type}」不适用于角色「{self.role_type}」。"})


class BenefitKind(models.TextChoices):
    DISCOUNT = "discount", "折扣(%)"
    POINTS_MULTIPLIER = "points_multiplier", "积分倍率"
    FREE_SHIPPING = "free_shipping", "包邮"
    BIRTHDAY_GIFT = "birthday_gift", "生日礼"
    PRIORITY_SERVICE = "priority_service", "优先服务"
    CUSTOM = "custom", "自定义"


class Benefit(models.Model):
    """An entry of the benefits catalogue (权益), linked to the levels that grant it."""

    code = models.SlugField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64)
    kind = models.CharField("类型", max_length=20, choices=BenefitKind.choices)
    value = models.DecimalField(
        "数值", max_digits=8, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)], help_text="折扣：如 95 表示 95 折；积分倍率：如 1.5",
    )
    description = models.CharField("说明", max_length=255, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "权益"
        ordering = ["pk"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.kind == BenefitKind.DISCOUNT and (self.value is None or not 0 < self.value <= 100):
            raise ValidationError({"value": "折扣需要填写 0–100 之间的数值，如 95 表示 95 折。"})
        if self.kind == BenefitKind.POINTS_MULTIPLIER and (self.value is None or self.value <= 0):
            raise ValidationError({"value": "积分倍率需要填写大于 0 的数值，如 1.5。"})


class Level(models.Model):
    """One rung of a scheme. Thresholds are inclusive: a metric exactly at the threshold qualifies."""

    scheme = models.ForeignKey(LevelScheme, verbose_name="等级组", on_delete=models.CASCADE, related_name="levels")
    code = models.SlugField("编码", max_length=32)
    name = models.CharField("名称", max_length=32)
    rank = models.PositiveSmallIntegerField("级别", help_text="0 为入门级，数字越大等级越高")
    upgrade_threshold = models.DecimalField(
        "升级门槛", max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)],
        help_text="指标 ≥ 门槛即升到此级（含等于）",
    )
    retain_threshold = models.DecimalField(
        "保级门槛", max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)],
        help_text="考核时指标 ≥ 保级门槛即保留此级（含等于）",
    )
    benefits = models.ManyToManyField(Benefit, verbose_name="权益", blank=True, related_name="levels")

    class Meta:
        verbose_name = verbose_name_plural = "等级"
        ordering = ["scheme_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "rank"], name="uniq_level_rank"),
            models.UniqueConstraint(fields=["scheme", "code"], name="uniq_level_code"),
            models.CheckConstraint(condition=Q(retain_threshold__lte=models.F("upgrade_threshold")),
                                   name="level_retain_not_above_upgrade"),
        ]

    def __str__(self):
        return f"{self.scheme.name}·{self.name}" if self.scheme_id else self.name

    def clean(self):
        if self.retain_threshold is not None and self.upgrade_threshold is not None \
                and self.retain_threshold > self.upgrade_threshold:
            raise ValidationError({"retain_threshold": "保级门槛不能高于升级门槛。"})


class MemberLevel(models.Model):
    """A member-role's current level in a scheme, when it was reached and when it is next reviewed."""

    member = models.ForeignKey("members.Member", verbose_name="会员", on_delete=models.PROTECT,
                               related_name="levels", help_text="冗余自会员角色，便于查询")
    member_role = models.ForeignKey("loyalty.MemberRole", verbose_name="会员角色", on_delete=models.PROTECT,
                                    related_name="levels")
    scheme = models.ForeignKey(LevelScheme, verbose_name="等级组", on_delete=models.PROTECT, related_name="+")
    # No index on level either: the review moves many rows between levels each day, and with no
    # indexed column changing those updates stay in place (HOT). Nothing looks members up by level
    # alone at scale; the admin's level filter scans. No constraint either: on PostgreSQL triggers
    # check the reference once per statement instead of once per moved row (levels/level_reference_sql.py).
    level = models.ForeignKey(Level, verbose_name="当前等级", on_delete=models.PROTECT, related_name="+",
                              db_index=False, db_constraint=False)
    reached_at = models.DateTimeField("达到时间")
    next_review_on = models.DateField("下次考核日")
    floor_level = models.ForeignKey(
        Level, verbose_name="手工保底等级", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="管理员手工设定：截止日前自动规则只升不降",
    )
    floor_until = models.DateField("保底截止日", null=True, blank=True, help_text="含当天；留空表示一直有效")
    floor_reason = models.CharField("保底原因", max_length=255, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "会员等级"
        # No index on next_review_on: the daily review rewrites it on every row it reviews, and an
        # unindexed column lets PostgreSQL update in place (HOT, see the fillfactor migration);
        # finding the due rows is one scan a day.
        constraints = [models.UniqueConstraint(fields=["member_role", "scheme"], name="uniq_member_level")]

    def __str__(self):
        return f"{self.member_id}·{self.level}"


class LevelChangeKind(models.TextChoices):
    INITIAL = "initial", "入会定级"
    UPGRADE = "upgrade", "升级"
    DOWNGRADE = "downgrade", "降级"
    MANUAL = "manual", "手工设定"
    FLOOR_EXPIRED = "floor_expired", "保底到期"
    MERGE = "merge", "会员合并"
    UNMERGE = "unmerge", "撤销合并"


class LevelChange(models.Model):
    """Why a level is what it is: every change with the metric value, the rule, the actor and the time."""

    # The review writes a row per change (100,000s a day): indexes that serve nothing are left out —
    # member is led by (member, created_at); actor and merge_record are almost always empty.
    # An append-only log whose rows come from the rows they point at (the review inserts them from
    # its own UPDATE … RETURNING): its references carry no database constraint, which PostgreSQL
    # would check row by row at commit — half the review's time (docs/benchmarks.md). Deletes stay
    # guarded: PROTECT is enforced by Django (deleting a level or scheme, rare, scans this table).
    member = models.ForeignKey("members.Member", verbose_name="会员", on_delete=models.PROTECT, related_name="+",
                               db_index=False, db_constraint=False)
    member_level = models.ForeignKey(MemberLevel, verbose_name="会员等级", on_delete=models.PROTECT,
                                     related_name="changes", db_constraint=False,
                                     db_index=False)  # led by the unique (member_level, review_date)
    scheme = models.ForeignKey(LevelScheme, verbose_name="等级组", on_delete=models.PROTECT, related_name="+",
                               db_constraint=False, db_index=False)
    kind = models.CharField("类型", max_length=16, choices=LevelChangeKind.choices)
    from_level = models.ForeignKey(Level, verbose_name="原等级", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", db_constraint=False, db_index=False)
    to_level = models.ForeignKey(Level, verbose_name="新等级", on_delete=models.PROTECT, related_name="+",
                                 db_constraint=False, db_index=False)
    metric_value = models.DecimalField("指标值", max_digits=16, decimal_places=2, null=True, blank=True)
    rule = models.CharField("依据", max_length=255, blank=True)
    review_date = models.DateField("考核日", null=True, blank=True)
    merge_record = models.ForeignKey("members.MergeRecord", verbose_name="合并记录", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+", db_index=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+", db_index=False)
    actor_label = models.CharField("来源", max_length=64, default="system")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "等级变动"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["member", "created_at"]),
            models.Index(fields=["merge_record"], condition=Q(merge_record__isnull=False), name="level_change_merge"),
            models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="level_change_actor"),
        ]
        constraints = [
            # A review of one day writes at most one row per member level: re-running it adds nothing.
            # Changes outside a review have no review date, and NULLs never collide, so the index
            # needs no condition — and then also serves every lookup by member level.
            models.UniqueConstraint(fields=["member_level", "review_date"], name="uniq_level_review_day"),
        ]

    def __str__(self):
        return f"{self.member_id} {self.get_kind_display()} → {self.to_level_id}"
