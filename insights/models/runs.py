"""What each step of the nightly insights job did: one row per step and business date."""

from django.db import models


class RunStatus(models.TextChoices):
    RUNNING = "running", "运行中"
    DONE = "done", "完成"
    FAILED = "failed", "失败"


class InsightsRun(models.Model):
    step = models.CharField("步骤", max_length=64, help_text="metrics，或模型编码")
    as_of = models.DateField("业务日期")
    status = models.CharField("状态", max_length=8, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    counts = models.JSONField("写入行数", default=dict, blank=True)
    message = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "洞察任务记录"
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["step", "-as_of"], name="insights_run_step_date")]

    def __str__(self) -> str:
        return f"{self.step} {self.as_of} {self.get_status_display()}"
