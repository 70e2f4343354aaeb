from django.conf import settings
from django.db import models
from django.db.models import Q


class EntryKind(models.TextChoices):
    EARN = "earn", "获得"
    REDEEM = "redeem", "兑换"
    EXPIRE = "expire", "过期"
    ADJUST = "adjust", "手工调整"
    CLAWBACK = "clawback", "退款扣回"
    REVERSAL = "reversal", "兑换撤销"
    UNLOCK = "unlock", "待发放转可用"
    MERGE_IN = "merge_in", "合并转入"
    MERGE_OUT = "merge_out", "合并转出"
    UNMERGE_IN = "unmerge_in", "撤销合并转入"
    UNMERGE_OUT = "unmerge_out", "撤销合并转出"


class LedgerEntry(models.Model):
    """One movement of points. Append-only: never updated or deleted; a correction is a new entry.

    The account's cached balances are exactly the sums of `amount` (available), `pending_delta`
    and `lifetime_delta` over its entries.
    """

    account = models.ForeignKey(
        "loyalty.PointsAccount", verbose_name="账户", on_delete=models.PROTECT, related_name="entries",
        db_index=False,  # (account, occurred_at) serves it
    )
    kind = models.CharField("类型", max_length=12, choices=EntryKind.choices)
    amount = models.BigIntegerField("可用变动", default=0)
    pending_delta = models.BigIntegerField("待发放变动", default=0)
    lifetime_delta = models.BigIntegerField("累计获得变动", default=0)
    unrecovered = models.BigIntegerField(
        "未追回", default=0, help_text="退款扣回时积分已用完、且不允许欠款而未能扣回的数量"
    )
    # Most entries carry no order, rule, related entry, merge or staff actor: partial indexes
    # (Meta) keep the hot insert path from maintaining indexes full of NULLs.
    order = models.ForeignKey(
        "members.Order", verbose_name="订单", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False,
    )
    rule = models.ForeignKey(
        "loyalty.EarnRule", verbose_name="积分规则", null=True, blank=True, on_delete=models.PROTECT,
        related_name="entries", db_index=False,
    )
    related_entry = models.ForeignKey(
        "self", verbose_name="关联流水", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="兑换撤销 → 原兑换；退款扣回 → 原获得", db_index=False,
    )
    merge_record = models.ForeignKey(
        "members.MergeRecord", verbose_name="合并记录", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )
    idempotency_key = models.CharField("幂等键", max_length=100, blank=True)
    reason = models.CharField("原因", max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_index=False, help_text="员工账号请停用而不是删除：流水不可改写",
    )
    actor_label = models.CharField("来源", max_length=64, default="system")
    occurred_at = models.DateTimeField("业务时间")
    created_at = models.DateTimeField("记账时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "积分流水"
        indexes = [
            models.Index(fields=["account", "occurred_at"], name="entry_account_time"),
            models.Index(fields=["order"], condition=Q(order__isnull=False), name="entry_order"),
            models.Index(fields=["rule"], condition=Q(rule__isnull=False), name="entry_rule"),
            models.Index(fields=["related_entry"], condition=Q(related_entry__isnull=False), name="entry_related"),
            models.Index(fields=["merge_record"], condition=Q(merge_record__isnull=False), name="entry_merge"),
            models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="entry_actor"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "idempotency_key"], condition=~Q(idempotency_key=""), name="uniq_entry_idempotency"
            ),
            # An order earns once per rule, whoever owns the order now (merges move orders).
            models.UniqueConstraint(fields=["order", "rule"], condition=Q(kind="earn", order__isnull=False),
                                    name="uniq_earn_per_order_rule"),
            models.CheckConstraint(condition=Q(unrecovered__gte=0), name="entry_unrecovered_not_negative"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount:+d}"


class LotState(models.TextChoices):
    PENDING = "pending", "待发放"
    AVAILABLE = "available", "可用"


class PointsLot(models.Model):
    """The unspent remainder of points credited together, with their own expiry.

    Lots are the mutable side of the ledger (`remaining`, `state`, `expired_amount`); they change
    only under their account's row lock. remaining = amount − Σ allocations − expired_amount.
    """

    account = models.ForeignKey(
        "loyalty.PointsAccount", verbose_name="账户", on_delete=models.PROTECT, related_name="lots"
    )
    entry = models.ForeignKey(
        LedgerEntry, verbose_name="产生流水", on_delete=models.PROTECT, related_name="created_lots", db_index=False,
    )
    earn_entry = models.ForeignKey(
        LedgerEntry, verbose_name="原始获得流水", on_delete=models.PROTECT, related_name="+",
        help_text="合并复制的批次仍指向最初的获得流水，退款能找到它",
        db_index=False,  # looked up within an account's open lots, never on its own
    )
    origin_lot = models.ForeignKey(
        "self", verbose_name="复制自批次", null=True, blank=True, on_delete=models.PROTECT, related_name="copies",
        db_index=False,
    )
    amount = models.BigIntegerField("数量")
    remaining = models.BigIntegerField("剩余")
    expired_amount = models.BigIntegerField("已过期", default=0)
    state = models.CharField("状态", max_length=10, choices=LotState.choices, default=LotState.AVAILABLE)
    earned_at = models.DateTimeField("获得时间")
    available_at = models.DateTimeField("可用时间", null=True, blank=True)
    expires_at = models.DateTimeField("过期时间", null=True, blank=True, help_text="空表示永不过期")
    expire_entry = models.ForeignKey(
        LedgerEntry, verbose_name="过期流水", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = verbose_name_plural = "积分批次"
        indexes = [
            # redeem (an account's open lots by expiry) and the expiry job (due lots per account range)
            models.Index(fields=["account", "expires_at"], condition=Q(remaining__gt=0), name="lot_open_by_expiry"),
            # the unlock job
            models.Index(fields=["account", "available_at"], condition=Q(state="pending"), name="lot_pending_by_time"),
            models.Index(fields=["origin_lot"], condition=Q(origin_lot__isnull=False), name="lot_origin"),
            models.Index(fields=["entry"], condition=~Q(entry=models.F("earn_entry")), name="lot_copied_by_entry"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(remaining__gte=0), name="lot_remaining_not_negative"),
            models.CheckConstraint(condition=Q(remaining__lte=models.F("amount")), name="lot_remaining_within_amount"),
        ]

    def __str__(self):
        return f"批次 #{self.pk} {self.remaining}/{self.amount}"


class LotAllocation(models.Model):
    """Which lots an entry drew from (amount > 0) or gave back to (amount < 0, a reversal)."""

    entry = models.ForeignKey(LedgerEntry, verbose_name="流水", on_delete=models.PROTECT, related_name="allocations")
    lot = models.ForeignKey(PointsLot, verbose_name="批次", on_delete=models.PROTECT, related_name="allocations")
    amount = models.BigIntegerField("数量")

    class Meta:
        verbose_name = verbose_name_plural = "批次使用明细"
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="allocation_not_zero")]

    def __str__(self):
        return f"{self.entry_id}→{self.lot_id} {self.amount}"
