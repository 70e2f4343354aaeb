"""The guide workspace's own records: follow-ups (跟进记录) with reminders, and the audit of what
staff do in the workspace (who, what, when, why) — reveals, bindings, registrations, and attempts
to open a member outside their scope."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class FollowUpKind(models.TextChoices):
    PHONE = "phone", "电话"
    WECHAT = "wechat", "微信"
    VISIT = "visit", "到店"
    OTHER = "other", "其他"


class FollowUp(models.Model):
    member = models.ForeignKey("members.Member", verbose_name="会员", on_delete=models.PROTECT,
                               related_name="follow_ups")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="跟进人", on_delete=models.PROTECT,
                               related_name="follow_ups")
    # The person it was written about: a merge moves `member` to the survivor, an unmerge moves it back.
    origin_member = models.ForeignKey("members.Member", verbose_name="原会员", on_delete=models.PROTECT,
                                      related_name="+", db_index=False)
    kind = models.CharField("方式", max_length=8, choices=FollowUpKind.choices)
    text = models.TextField("内容", max_length=1000)
    remind_on = models.DateField("下次提醒日", null=True, blank=True)
    reminder_done_at = models.DateTimeField("提醒已处理", null=True, blank=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "跟进记录"
        ordering = ["-created_at"]
        permissions = [("use_workspace", "使用导购工作台"), ("view_store_report", "查看门店导购看板")]
        indexes = [
            models.Index(fields=["member", "-created_at"], name="followup_member_recent"),
            models.Index(fields=["author", "remind_on"], name="followup_open_reminders",
                         condition=Q(remind_on__isnull=False, reminder_done_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.member_id} {self.created_at:%Y-%m-%d}"


class ActionKind(models.TextChoices):
    REVEAL_PHONE = "reveal_phone", "查看完整号码"
    BIND = "bind", "绑定专属导购"
    UNBIND = "unbind", "解除绑定"
    REGISTER = "register", "登记新客"
    TAG_ON = "tag_on", "打标签"
    TAG_OFF = "tag_off", "取下标签"
    CONSENT = "consent", "记录授权"
    FOLLOW_UP = "follow_up", "写跟进"
    OUT_OF_SCOPE = "out_of_scope", "访问范围外会员"


# Kinds whose own record already shows on the member's timeline (tag change, consent, follow-up).
SHOWN_ELSEWHERE = (ActionKind.TAG_ON, ActionKind.TAG_OFF, ActionKind.CONSENT, ActionKind.FOLLOW_UP,
                   ActionKind.OUT_OF_SCOPE)


class StaffAction(models.Model):
    """Append-only: one row per thing staff did in the workspace."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT,
                              related_name="+")
    kind = models.CharField("操作", max_length=16, choices=ActionKind.choices)
    member = models.ForeignKey("members.Member", verbose_name="会员", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("原因", max_length=255, blank=True)
    detail = models.JSONField("明细", default=dict, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "工作台操作记录"
        ordering = ["-at"]
        indexes = [models.Index(fields=["member", "-at"], name="staffaction_member_recent"),
                   models.Index(fields=["actor", "-at"], name="staffaction_actor_recent")]

    def __str__(self):
        return f"{self.actor} {self.get_kind_display()} {self.member_id}"
