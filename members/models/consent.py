from django.conf import settings
from django.db import models


class ConsentChannel(models.TextChoices):
    SMS = "sms", "短信"


class ConsentStatus(models.TextChoices):
    GRANTED = "granted", "同意"
    WITHDRAWN = "withdrawn", "撤回"


class ConsentRecord(models.Model):
    """Append-only history of marketing consent; the latest row per (member, channel) is in force."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="consents")
    channel = models.CharField("渠道", max_length=8, choices=ConsentChannel.choices)
    status = models.CharField("状态", max_length=10, choices=ConsentStatus.choices)
    source = models.CharField("来源", max_length=64, help_text="e.g. wechat_mp 注册勾选, SMS 回T退订, 门店纸质表单")
    recorded_at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "营销授权记录"
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["member", "channel", "-recorded_at"])]

    def __str__(self):
        return f"会员 #{self.member_id} {self.get_channel_display()}营销授权：{self.get_status_display()}"
