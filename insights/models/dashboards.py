"""Daily aggregates behind the 经营看板 (insights/dashboards fills them each night, set-based).

Every row is keyed by the drill-down dimensions channel → province → city → store (`Place`):
- sales: the order's channel; the store it was sold in; the store's province and city, or the
  member's for an order without a store (online orders ship to the member);
- member figures: the registered channel, the member's province and city, the home store.
An empty province/city means unknown; an empty store means none (online orders, no home store).

Two shapes: *per day* facts that add up over any date range (sales, new members, points moved) are
kept for every business date up to the refresh date; *snapshots* of state that does not add up over
days (members, active and repeat buyers, points outstanding, levels, value tiers) are kept per
refresh date. Dates are Asia/Shanghai business dates.
"""

from django.db import models


class Place(models.Model):
    channel = models.CharField("渠道", max_length=16)
    province = models.CharField("省份", max_length=32)
    city = models.CharField("城市", max_length=32)
    # No database constraint: an aggregate must never stop a store from being deleted, and a
    # deleted store's history stays in the figures (it shows as the store id).
    store = models.ForeignKey("members.Store", verbose_name="门店", null=True, blank=True,
                              on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")

    PLACE = ("channel", "province", "city", "store")

    class Meta:
        abstract = True

    @property
    def place(self) -> str:
        return "/".join(str(part or "—") for part in (self.channel, self.province, self.city, self.store_id))


def _unique(name: str, *fields: str) -> models.UniqueConstraint:
    # NULLS NOT DISTINCT: "no store" is one key, so the nightly upsert finds its row again.
    return models.UniqueConstraint(fields=[*fields, *Place.PLACE], name=name, nulls_distinct=False)


class SalesDay(Place):
    """Member orders paid on a day, counted as the metrics count them (paid status, not deleted)."""
    day = models.DateField("日期")
    orders = models.IntegerField("订单数", default=0, help_text="未全额退款的已付订单")
    paid = models.DecimalField("实付净额", max_digits=16, decimal_places=2, default=0, help_text="实付减退款")
    refunded = models.DecimalField("退款金额", max_digits=16, decimal_places=2, default=0,
                                   help_text="含全额退款订单")

    class Meta:
        verbose_name = verbose_name_plural = "看板·每日销售"
        constraints = [_unique("uniq_dash_sales_day", "day")]

    def __str__(self) -> str:
        return f"{self.day} {self.place}: {self.orders} 单 ¥{self.paid}"


class NewMembersDay(Place):
    """Members (natural persons still active) registered on a day."""
    day = models.DateField("日期")
    members = models.IntegerField("新会员数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "看板·每日新会员"
        constraints = [_unique("uniq_dash_new_members_day", "day")]

    def __str__(self) -> str:
        return f"{self.day} {self.place}: {self.members} 人"


class PointsDay(Place):
    """Points moved on a day per account type: issued (earned, pending included), redeemed net of
    reversals, expired — as the liability report counts them."""
    day = models.DateField("日期")
    account_type = models.ForeignKey("loyalty.PointsAccountType", verbose_name="积分类型",
                                     on_delete=models.CASCADE, related_name="+")
    issued = models.BigIntegerField("发放", default=0)
    redeemed = models.BigIntegerField("兑换（净）", default=0)
    expired = models.BigIntegerField("过期", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "看板·每日积分"
        constraints = [_unique("uniq_dash_points_day", "day", "account_type")]

    def __str__(self) -> str:
        return f"{self.day} {self.place} #{self.account_type_id}: +{self.issued} -{self.redeemed} -{self.expired}"


class MemberSnapshot(Place):
    """Active members on a refresh date, from the member metrics of that night."""
    as_of = models.DateField("数据日期")
    members = models.IntegerField("会员数", default=0)
    active = models.IntegerField("活跃会员", default=0, help_text="近90天有订单")
    buyers = models.IntegerField("购买会员", default=0, help_text="近365天有订单")
    repeat_buyers = models.IntegerField("复购会员", default=0, help_text="近365天至少2单")

    class Meta:
        verbose_name = verbose_name_plural = "看板·会员快照"
        constraints = [_unique("uniq_dash_member_snapshot", "as_of")]
        permissions = [("view_dashboard", "可查看经营看板")]

    def __str__(self) -> str:
        return f"{self.as_of} {self.place}: {self.members} 人"


class PointsSnapshot(Place):
    """Points outstanding (available, positive part, plus pending) of active accounts on a refresh date."""
    as_of = models.DateField("数据日期")
    account_type = models.ForeignKey("loyalty.PointsAccountType", verbose_name="积分类型",
                                     on_delete=models.CASCADE, related_name="+")
    accounts = models.IntegerField("账户数", default=0)
    outstanding = models.BigIntegerField("未兑付", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "看板·积分余额快照"
        constraints = [_unique("uniq_dash_points_snapshot", "as_of", "account_type")]

    def __str__(self) -> str:
        return f"{self.as_of} {self.place} #{self.account_type_id}: {self.outstanding}"


class LevelSnapshot(Place):
    as_of = models.DateField("数据日期")
    level = models.ForeignKey("loyalty.Level", verbose_name="等级", on_delete=models.CASCADE, related_name="+")
    members = models.IntegerField("会员数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "看板·等级分布快照"
        constraints = [_unique("uniq_dash_level_snapshot", "as_of", "level")]

    def __str__(self) -> str:
        return f"{self.as_of} {self.place} 等级#{self.level_id}: {self.members} 人"


class TierSnapshot(Place):
    """Members per value-model tier with their net paid over 365 days (the spend of an RFM group)."""
    as_of = models.DateField("数据日期")
    model = models.ForeignKey("insights.ValueModel", verbose_name="模型", on_delete=models.CASCADE,
                              related_name="+")
    tier = models.CharField("分层", max_length=32)
    members = models.IntegerField("会员数", default=0)
    spend = models.DecimalField("近365天实付净额", max_digits=16, decimal_places=2, default=0)

    class Meta:
        verbose_name = verbose_name_plural = "看板·分层快照"
        constraints = [_unique("uniq_dash_tier_snapshot", "as_of", "model", "tier")]

    def __str__(self) -> str:
        return f"{self.as_of} {self.place} {self.model_id}:{self.tier}: {self.members} 人"


class TierMoveSnapshot(Place):
    """Members who changed tier in the model's run on the refresh date (from TierChange)."""
    as_of = models.DateField("数据日期")
    model = models.ForeignKey("insights.ValueModel", verbose_name="模型", on_delete=models.CASCADE,
                              related_name="+")
    from_tier = models.CharField("原分层", max_length=32)
    to_tier = models.CharField("新分层", max_length=32)
    members = models.IntegerField("会员数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "看板·分层迁移快照"
        constraints = [_unique("uniq_dash_tier_moves", "as_of", "model", "from_tier", "to_tier")]

    def __str__(self) -> str:
        return f"{self.as_of} {self.place} {self.model_id}: {self.from_tier or '—'} → {self.to_tier or '—'}"
