from django.db import models


class JobName(models.TextChoices):
    UNLOCK_PENDING = "unlock_pending", "待发放积分转可用"
    EXPIRE_LOTS = "expire_lots", "积分过期（含年度清零、固定日过期）"
    REVIEW_LEVELS = "review_levels", "等级考核（到期会员升降级）"


class JobStatus(models.TextChoices):
    RUNNING = "running", "运行中"
    SUCCEEDED = "succeeded", "完成"
    FAILED = "failed", "失败"


class JobRun(models.Model):
    """One run of a daily loyalty job for a business date: who ran it, what it changed."""

    job = models.CharField("任务", max_length=16, choices=JobName.choices)
    business_date = models.DateField("业务日期")
    as_of = models.DateTimeField("截至时刻", help_text="业务日期 0 点（北京时间）")
    status = models.CharField("状态", max_length=10, choices=JobStatus.choices, default=JobStatus.RUNNING)
    counts = models.JSONField("处理数量", default=dict, blank=True)
    error = models.TextField("错误", blank=True)
    triggered_by = models.CharField("触发方式", max_length=64, default="schedule")
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "积分任务记录"
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["job", "business_date"])]

    def __str__(self):
        return f"{self.get_job_display()} {self.business_date}"
