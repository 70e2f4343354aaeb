from django.db import models

from .choices import Channel, OrderStatus


class Order(models.Model):
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    external_no = models.CharField("订单编号", max_length=64)
    member = models.ForeignKey(
        "members.Member", verbose_name="会员", null=True, blank=True, on_delete=models.PROTECT,
        related_name="orders", db_index=False,  # (member, ordered_at) below serves member lookups
    )
    source_profile = models.ForeignKey(
        "members.SourceProfile", verbose_name="下单账号", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="orders", help_text="the channel account that placed it; lets an unmerge return the order",
    )
    store = models.ForeignKey(
        "members.Store", verbose_name="门店", null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    shop_name = models.CharField("店铺名称", max_length=100, blank=True)
    status = models.CharField("状态", max_length=20, choices=OrderStatus.choices)
    raw_status = models.CharField("原始状态", max_length=64, blank=True)
    is_deleted = models.BooleanField("已删除", default=False)
    payable_amount = models.DecimalField("应付金额", max_digits=12, decimal_places=2, default=0)
    paid_amount = models.DecimalField("实付金额", max_digits=12, decimal_places=2, default=0)
    refunded_amount = models.DecimalField("退款金额", max_digits=12, decimal_places=2, default=0)
    item_count = models.PositiveIntegerField("商品数量", default=0)
    ordered_at = models.DateTimeField("下单时间", null=True, blank=True)
    paid_at = models.DateTimeField("付款时间", null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    # Digest of the file rows last taken in for this order (members/imports/fingerprints.py).
    import_fingerprint = models.BigIntegerField("导入指纹", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "订单"
        constraints = [models.UniqueConstraint(fields=["channel", "external_no"], name="uniq_order_channel_no")]
        # Every index is paid for on each of the millions of rows an import writes: no index on
        # status (a handful of values, always filtered with the member or a date), the store only
        # where there is one (online orders have none).
        indexes = [
            models.Index(fields=["member", "ordered_at"]),
            # A store's latest orders (the workspace's recent customers) and any lookup by store.
            models.Index(fields=["store", "-ordered_at"], name="order_store_recent",
                         condition=models.Q(store__isnull=False)),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {self.external_no}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField("行号")
    sku = models.CharField("SKU", max_length=64, blank=True)
    title = models.CharField("商品名称", max_length=255, blank=True)
    category = models.CharField("品类", max_length=64, blank=True)
    quantity = models.IntegerField("数量", default=1)
    price = models.DecimalField("单价", max_digits=12, decimal_places=2, default=0)

    class Meta:
        verbose_name = verbose_name_plural = "订单明细"
        constraints = [models.UniqueConstraint(fields=["order", "line_no"], name="uniq_order_line_no")]

    def __str__(self):
        return f"{self.order_id}#{self.line_no} {self.title}"
