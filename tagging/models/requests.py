"""One API request that put a static tag on or took it off, under the caller's Idempotency-Key: a
retry with the same key gets the same answer and writes nothing; the key with another body is refused."""

from django.conf import settings
from django.db import models

from .tags import Tag


class TagApiRequest(models.Model):
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="调用方", on_delete=models.CASCADE,
                              related_name="+")
    key = models.CharField("幂等键", max_length=80)
    tag = models.ForeignKey(Tag, verbose_name="标签", on_delete=models.CASCADE, related_name="+")
    added = models.BooleanField("打上/取下", choices=[(True, "打上"), (False, "取下")])
    fingerprint = models.CharField("请求摘要", max_length=64)
    requested = models.PositiveIntegerField("请求会员数")
    changed_member_ids = models.JSONField("实际变化的会员", default=list)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "标签接口请求"
        constraints = [models.UniqueConstraint(fields=["actor", "key"], name="uniq_tag_api_request_key")]

    def __str__(self):
        return f"{self.actor_id}:{self.key}"
