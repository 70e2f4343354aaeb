"""A recompute of dynamic and variable tags (TagRefreshRun): queued by "recompute now" or a job,
run by a Celery task that reports its progress here, so the page can show a bar and the outcome."""

from django.conf import settings
from django.db import models

from .tags import Tag


class RunStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "计算中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class TagRefreshRun(models.Model):
    tag = models.ForeignKey(Tag, verbose_name="标签", null=True, blank=True, on_delete=models.CASCADE,
                            related_name="refresh_runs", help_text="为空：全部动态标签和变量标签")
    as_of = models.DateField("计算日期", null=True, blank=True, help_text="为空：运行当天（上海时间）")
    status = models.CharField("状态", max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.FloatField("进度", default=0.0, help_text="0..1")
    tags_done = models.PositiveIntegerField("已完成标签数", default=0)
    tags_total = models.PositiveIntegerField("标签总数", default=0)
    added = models.PositiveIntegerField("新打上", default=0)
    removed = models.PositiveIntegerField("取下", default=0)
    summary = models.JSONField("各标签变化", default=list, blank=True)
    error = models.TextField("错误", blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requested_label = models.CharField("发起方", max_length=64, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "标签重算"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.tag or '全部标签'} {self.get_status_display()}"
