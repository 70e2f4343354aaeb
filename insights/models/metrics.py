"""One row of figures per active member, as of a business date (insights/metrics computes them).

The row holds facts, not judgements: dates, counts and amounts per window, channels and stores
bought from, points and levels. What depends on the evaluation date besides the windows (days since
the last order) is derived where it is read, so a row never goes stale by a day passing alone.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models

WINDOWS = (30, 90, 180, 365)  # days; each window ends with the metrics' business date


class MemberMetrics(models.Model):
    member = models.OneToOneField("members.Member", verbose_name="会员", primary_key=True,
                                  on_delete=models.CASCADE, related_name="metrics")
    as_of = models.DateField("指标日期", help_text="写入这些数值的那次刷新的业务日期，窗口截至该日（北京时间）24:00；"
                                               "之后的刷新若数值不变，不改写本行")
    first_order_date = models.DateField("首单日期", null=True, blank=True)
    last_order_date = models.DateField("末单日期", null=True, blank=True)
    orders_30d = models.IntegerField("近30天订单数", default=0)
    orders_90d = models.IntegerField("近90天订单数", default=0)
    orders_180d = models.IntegerField("近180天订单数", default=0)
    orders_365d = models.IntegerField("近365天订单数", default=0)
    orders_total = models.IntegerField("累计订单数", default=0)
    paid_30d = models.DecimalField("近30天实付净额", max_digits=14, decimal_places=2, default=0)
    paid_90d = models.DecimalField("近90天实付净额", max_digits=14, decimal_places=2, default=0)
    paid_180d = models.DecimalField("近180天实付净额", max_digits=14, decimal_places=2, default=0)
    paid_365d = models.DecimalField("近365天实付净额", max_digits=14, decimal_places=2, default=0)
    paid_total = models.DecimalField("累计实付净额", max_digits=14, decimal_places=2, default=0)
    average_order_value = models.DecimalField("客单价", max_digits=14, decimal_places=2, default=0)
    purchase_interval_days = models.DecimalField(
        "购买间隔（天，中位数）", max_digits=7, decimal_places=1, null=True, blank=True,
        help_text="相邻两个购买日之间天数的中位数；少于两个购买日为空")
    purchase_days = models.IntegerField("购买天数", default=0, help_text="有订单的不同日期数（同一天多单算一次购买，CLV 的购买次数）")
    repeat_purchase_value = models.DecimalField(
        "复购日均金额", max_digits=14, decimal_places=2, null=True, blank=True,
        help_text="首个购买日之后各购买日实付净额的平均值（CLV 的单次消费）；没有复购为空")
    last_gap_days = models.IntegerField(
        "末次复购间隔（天）", null=True, blank=True,
        help_text="最近一个购买日与它之前一个购买日相隔的天数；只有一个购买日为空（识别流失回流）")
    last_points_date = models.DateField("最近积分获得/使用日期", null=True, blank=True,
                                        help_text="最近一次获得或兑换积分的上海日期（任一账户类型）")
    refund_rate = models.DecimalField("退款率", max_digits=5, decimal_places=4, null=True, blank=True,
                                      help_text="退款金额 ÷ 实付金额（含全额退款的订单）；没有已付订单为空")
    channels = ArrayField(models.CharField(max_length=16), verbose_name="购买渠道", default=list, blank=True)
    store_ids = ArrayField(models.BigIntegerField(), verbose_name="购买门店", default=list, blank=True)
    points = models.JSONField("积分", default=dict, blank=True,
                              help_text='{"账户类型编码": {"available": 可用, "pending": 待发放, "lifetime": 累计获得}}')
    levels = models.JSONField("等级", default=dict, blank=True, help_text='{"等级组编码": 级别数字}')
    refreshed_at = models.DateTimeField("刷新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "会员指标"
        indexes = [models.Index(fields=["last_order_date"], name="insights_metrics_last_order")]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.as_of}"
