"""Segments (人群): a named condition of the member condition language, evaluated live; snapshots
freeze its members on a date (for a campaign or an export); its size is kept every night."""

from django.conf import settings
from django.db import models


class Segment(models.Model):
    name = models.CharField("名称", max_length=64, unique=True)
    description = models.TextField("说明", blank=True)
    condition = models.JSONField("条件", help_text="会员条件语言（与动态标签相同）")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="负责人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    active = models.BooleanField("启用", default=True, help_text="启用的人群每晚记录人数")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "人群"
        ordering = ["name"]
        permissions = [("export_segment", "可以导出人群会员")]

    def __str__(self) -> str:
        return self.name


class SegmentSize(models.Model):
    segment = models.ForeignKey(Segment, verbose_name="人群", on_delete=models.CASCADE, related_name="sizes")
    as_of = models.DateField("业务日期")
    members = models.IntegerField("人数")
    counted_at = models.DateTimeField("统计时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "人群人数记录"
        ordering = ["segment", "as_of"]
        constraints = [models.UniqueConstraint(fields=["segment", "as_of"], name="uniq_segment_size_date")]

    def __str__(self) -> str:
        return f"{self.segment_id} {self.as_of}: {self.members}"


class SegmentSnapshot(models.Model):
    segment = models.ForeignKey(Segment, verbose_name="人群", on_delete=models.PROTECT, related_name="snapshots")
    as_of = models.DateField("业务日期")
    condition = models.JSONField("当时的条件")
    members = models.IntegerField("人数")
    purpose = models.CharField("用途", max_length=128, blank=True)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    taken_at = models.DateTimeField("快照时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "人群快照"
        ordering = ["-taken_at"]

    def __str__(self) -> str:
        return f"{self.segment} @ {self.as_of}（{self.members} 人）"


class SnapshotMember(models.Model):
    snapshot = models.ForeignKey(SegmentSnapshot, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "快照会员"
        constraints = [models.UniqueConstraint(fields=["snapshot", "member"], name="uniq_snapshot_member")]

    def __str__(self) -> str:
        return f"{self.snapshot_id}: {self.member_id}"


class SegmentExport(models.Model):
    """The audit of every export of a segment's members (PIPL): who, when, which, how many, which columns."""
    segment = models.ForeignKey(Segment, verbose_name="人群", on_delete=models.PROTECT, related_name="exports")
    snapshot = models.ForeignKey(SegmentSnapshot, verbose_name="快照", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="exports")
    exported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导出人", null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    exported_at = models.DateTimeField("导出时间", auto_now_add=True)
    rows = models.IntegerField("行数")
    columns = models.JSONField("列")
    file_format = models.CharField("格式", max_length=8)
    phones_revealed = models.BooleanField("含完整手机号", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "人群导出记录"
        ordering = ["-exported_at"]

    def __str__(self) -> str:
        return f"{self.segment} {self.exported_at:%Y-%m-%d %H:%M} {self.rows} 行"
