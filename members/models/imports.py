"""Import batches: one row per file import, its row errors, and item lines waiting for their order."""

from django.conf import settings
from django.db import models

from .choices import Channel


class ImportKind(models.TextChoices):
    ORDERS = "orders", "订单"
    ORDER_LINES = "order_lines", "订单明细"
    MEMBERS = "members", "会员"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "导入中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"


class ImportBatch(models.Model):
    """A file import: what, who, when, how far it got (the resume point) and what it did."""

    kind = models.CharField("类型", max_length=12, choices=ImportKind.choices)
    format = models.CharField("文件格式", max_length=16)
    file_name = models.CharField("文件名", max_length=255)
    file_sha256 = models.CharField("文件SHA-256", max_length=64, db_index=True)
    file_size = models.BigIntegerField("文件大小(字节)", default=0)
    upload = models.FileField("上传文件", upload_to="imports/%Y/%m/", blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED, db_index=True
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField("发起方", max_length=64, blank=True, help_text="command, task or user name")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    rows_done = models.PositiveIntegerField(
        "已提交至行", default=0, help_text="last file row committed; a resumed import continues after it"
    )
    progress = models.FloatField("进度", default=0.0, help_text="0..1")
    counts = models.JSONField("统计", default=dict, blank=True)
    unknown_columns = models.JSONField("未识别的列", default=list, blank=True)
    error_message = models.TextField("失败原因", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "导入批次"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"#{self.pk} {self.file_name}"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class ImportRowError(models.Model):
    """One rejected value: the row number, column, value and reason an operator can act on."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField("行号")
    column = models.CharField("列", max_length=64, blank=True)
    value = models.CharField("值", max_length=255, blank=True)
    reason = models.CharField("原因", max_length=255)

    class Meta:
        verbose_name = verbose_name_plural = "导入错误行"
        ordering = ["batch", "row_number", "id"]
        indexes = [models.Index(fields=["batch", "row_number"])]

    def __str__(self):
        return f"第{self.row_number}行 {self.column}: {self.reason}"


class PendingOrderLine(models.Model):
    """An item-report line whose order has not been imported yet; attached when the order arrives."""

    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    external_no = models.CharField("订单编号", max_length=64)
    line_no = models.PositiveIntegerField("行号")
    sku = models.CharField("SKU", max_length=64, blank=True)
    title = models.CharField("商品名称", max_length=255, blank=True)
    category = models.CharField("品类", max_length=64, blank=True)
    quantity = models.IntegerField("数量", default=1)
    price = models.DecimalField("单价", max_digits=12, decimal_places=2, default=0)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "待匹配订单明细"
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_no", "line_no"], name="uniq_pending_line")
        ]

    def __str__(self):
        return f"{self.channel} {self.external_no}#{self.line_no}"
