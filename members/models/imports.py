"""Import batches: one row per file import, its row errors, and item lines waiting for their order."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

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


INTERRUPTED_LABEL = "已中断"


def stale_before() -> datetime:
    """A running batch whose last heartbeat is older than this has lost its process (killed, server restarted)."""
    return timezone.now() - timedelta(seconds=getattr(settings, "IMPORTS_STALE_AFTER_SECONDS", 300))


def _interrupted() -> Q:
    before = stale_before()
    return Q(status=ImportStatus.RUNNING) & (
        Q(heartbeat_at__lt=before) | Q(heartbeat_at__isnull=True, started_at__lt=before)
        | Q(heartbeat_at__isnull=True, started_at__isnull=True)
    )


class ImportBatchQuerySet(models.QuerySet):
    def interrupted(self):
        """Running, but silent for longer than IMPORTS_STALE_AFTER_SECONDS."""
        return self.filter(_interrupted())

    def resumable(self):
        """Failed or interrupted: the batches a resume may take over (by a conditional UPDATE on this)."""
        return self.filter(Q(status=ImportStatus.FAILED) | _interrupted())


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
    heartbeat_at = models.DateTimeField(
        "最近心跳", null=True, blank=True,
        help_text="written by the running import at its start and after each chunk; a stale one means its process is gone",
    )
    counts = models.JSONField("统计", default=dict, blank=True)
    unknown_columns = models.JSONField("未识别的列", default=list, blank=True)
    error_message = models.TextField("失败原因", blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "导入批次"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"#{self.pk} {self.file_name}"

    @property
    def last_sign_of_life(self) -> datetime | None:
        return self.heartbeat_at or self.started_at

    @property
    def is_interrupted(self) -> bool:
        """Running, but its process has been silent too long: killed (SIGTERM / SIGKILL) or the server went down."""
        seen = self.last_sign_of_life
        return self.status == ImportStatus.RUNNING and (seen is None or seen < stale_before())

    @property
    def state(self) -> str:
        """The status as staff should read it: "interrupted" for a running batch whose process is gone."""
        return "interrupted" if self.is_interrupted else self.status

    @property
    def state_label(self) -> str:
        return INTERRUPTED_LABEL if self.is_interrupted else self.get_status_display()

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
