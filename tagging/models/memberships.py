"""Who holds which tag and why (TagMembership), and every on/off ever made (TagChange)."""

from django.conf import settings
from django.db import models

from .tags import Tag, TagKind


class TagMembership(models.Model):
    """A member holds a tag (with one value, for variable tags) at most once.

    The "why" depends on the kind: static — actor and reason; dynamic — the rule version and the
    leaf values when it went on; variable — the value's evidence. `origin_member` is the person
    whose membership it was first: a merge copies the absorbed person's static tags to the
    survivor keeping it, so the page can say where a tag came from.
    """

    member = models.ForeignKey("members.Member", verbose_name="会员", on_delete=models.PROTECT,
                               related_name="tag_memberships")
    tag = models.ForeignKey(Tag, verbose_name="标签", on_delete=models.PROTECT, related_name="memberships")
    value = models.CharField("标签值", max_length=64, blank=True, default="", help_text="变量标签的取值")
    since = models.DateTimeField("打标时间")
    ends_on = models.DateField("到期日", null=True, blank=True, help_text="含当天；过后自动取下")
    origin_member = models.ForeignKey("members.Member", verbose_name="来源会员", on_delete=models.PROTECT,
                                      related_name="+", db_index=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", db_index=False)
    reason = models.CharField("原因", max_length=255, blank=True)
    rule_version = models.PositiveIntegerField("规则版本", null=True, blank=True)
    leaf_values = models.JSONField("条件取值快照", default=dict, blank=True)
    evidence = models.JSONField("取值依据", default=dict, blank=True)
    # Dynamic tags kept for `keep_days` after their condition stopped holding: the first business
    # date it no longer held (NULL while it holds). Only changed rows are written, never all holders.
    unmet_since = models.DateField("条件不再满足日", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "会员标签"
        # Who may put static tags on and take them off (services.static.check_may_apply).
        permissions = [("apply_static_tags", "可打/取下任意手动标签"), ("apply_guide_tags", "可打/取下导购可用的手动标签")]
        constraints = [
            models.UniqueConstraint(fields=["member", "tag", "value"], name="uniq_tag_membership"),
        ]
        # "tags of a member" is the unique index (member first); "members of a tag" is this one.
        indexes = [
            models.Index(fields=["tag", "member"], name="tagmembership_tag_member"),
            models.Index(fields=["ends_on"], name="tagmembership_ends_on", condition=models.Q(ends_on__isnull=False)),
        ]

    def __str__(self):
        return f"{self.tag}={self.value}" if self.value else str(self.tag)


class TagChange(models.Model):
    """Append-only: one row per tag put on or taken off, with who or which job and why."""

    member = models.ForeignKey("members.Member", verbose_name="会员", on_delete=models.PROTECT,
                               related_name="tag_changes")
    tag = models.ForeignKey(Tag, verbose_name="标签", on_delete=models.PROTECT, related_name="changes")
    added = models.BooleanField("打上/取下", choices=[(True, "打上"), (False, "取下")])
    kind = models.CharField("标签类型", max_length=8, choices=TagKind.choices)
    value = models.CharField("标签值", max_length=64, blank=True, default="")
    rule_version = models.PositiveIntegerField("规则版本", null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", db_index=False)
    actor_label = models.CharField("操作人/任务", max_length=64, blank=True)
    reason = models.CharField("原因", max_length=255, blank=True)
    merge_record = models.ForeignKey("members.MergeRecord", verbose_name="合并记录", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+", db_index=False)
    # What a merge took away, so its undo can give it back (since, ends_on, actor, reason, origin).
    detail = models.JSONField("明细", default=dict, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "标签变动"
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["member", "at"], name="tagchange_member_at"),
            models.Index(fields=["tag", "at"], name="tagchange_tag_at"),
            models.Index(fields=["merge_record"], name="tagchange_merge_record",
                         condition=models.Q(merge_record__isnull=False)),
        ]

    def __str__(self):
        return f"{'打上' if self.added else '取下'} {self.tag}"
