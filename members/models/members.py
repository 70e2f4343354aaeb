from django.db import models
from django.db.models.functions import Right

from .choices import Channel, Gender, MemberStatus

# Profile fields that survivorship derives from the source profiles.
PROFILE_FIELDS = (
    "name",
    "gender",
    "birthday",
    "mobile",
    "mobile_masked",
    "email",
    "province",
    "city",
    "district",
    "address",
    "home_store_id",
)


class Member(models.Model):
    """The natural person (一个自然人) that every channel account resolves to."""

    code = models.CharField("会员编号", max_length=16, unique=True)
    name = models.CharField("姓名", max_length=64, blank=True)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices, default=Gender.UNKNOWN)
    birthday = models.DateField("生日", null=True, blank=True)
    mobile = models.CharField("手机号", max_length=20, blank=True, db_index=True, help_text="E.164")
    mobile_masked = models.CharField("手机号(脱敏)", max_length=20, blank=True)
    email = models.CharField("邮箱", max_length=254, blank=True)
    province = models.CharField("省份", max_length=32, blank=True)
    city = models.CharField("城市", max_length=32, blank=True)
    district = models.CharField("区县", max_length=32, blank=True)
    address = models.CharField("地址", max_length=255, blank=True)
    registered_channel = models.CharField("注册渠道", max_length=16, choices=Channel.choices, blank=True)
    registered_at = models.DateTimeField("注册时间", null=True, blank=True)
    home_store = models.ForeignKey(
        "members.Store", verbose_name="归属门店", null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    status = models.CharField("状态", max_length=8, choices=MemberStatus.choices, default=MemberStatus.ACTIVE)
    merged_into = models.ForeignKey(
        "self", verbose_name="合并到", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False,
    )
    attributes = models.JSONField("自定义属性", default=dict, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "会员"
        permissions = [("reveal_phone", "可查看完整手机号"), ("view_all_members", "可查看所有门店的会员")]
        # Imports create hundreds of thousands of people at once: the store and merge links are
        # indexed only where set, the status without a second LIKE index.
        indexes = [
            models.Index(fields=["name"]), models.Index(fields=["birthday"]),
            # The guide workspace's searches: name prefix, last four digits of the mobile.
            models.Index(fields=["name"], opclasses=["varchar_pattern_ops"], name="member_name_prefix"),
            models.Index(Right("mobile", 4), name="member_mobile_last4"),
            models.Index(fields=["status"], name="member_status"),
            models.Index(fields=["home_store"], name="member_home_store", condition=models.Q(home_store__isnull=False)),
            models.Index(fields=["merged_into"], name="member_merged_into",
                         condition=models.Q(merged_into__isnull=False)),
        ]

    def __str__(self):
        return f"{self.code} {self.name}".strip()

    @property
    def is_active(self):
        return self.status == MemberStatus.ACTIVE


class SourceProfile(models.Model):
    """What one channel account last said about the person; input to survivorship."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="source_profiles")
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    external_id = models.CharField("渠道账号", max_length=128)
    name = models.CharField("姓名", max_length=64, blank=True)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices, default=Gender.UNKNOWN)
    birthday = models.DateField("生日", null=True, blank=True)
    mobile = models.CharField("手机号", max_length=20, blank=True)
    mobile_masked = models.CharField("手机号(脱敏)", max_length=20, blank=True)
    email = models.CharField("邮箱", max_length=254, blank=True)
    province = models.CharField("省份", max_length=32, blank=True)
    city = models.CharField("城市", max_length=32, blank=True)
    district = models.CharField("区县", max_length=32, blank=True)
    address = models.CharField("地址", max_length=255, blank=True)
    home_store = models.ForeignKey(
        "members.Store", verbose_name="门店", null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    registered_at = models.DateTimeField("渠道注册时间", null=True, blank=True)
    attributes = models.JSONField("自定义属性", default=dict, blank=True)
    raw = models.JSONField("原始值", default=dict, blank=True, help_text="the values as the channel sent them, before cleaning")
    seen_at = models.DateTimeField("最近一次数据时间")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "渠道档案"
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="uniq_source_profile_account")
        ]
        indexes = [models.Index(fields=["home_store"], name="profile_home_store",
                                condition=models.Q(home_store__isnull=False))]

    def __str__(self):
        return f"{self.get_channel_display()}:{self.external_id}"
