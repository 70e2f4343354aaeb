from django.db import models


class AttributeType(models.TextChoices):
    TEXT = "text", "文本"
    INTEGER = "integer", "整数"
    DECIMAL = "decimal", "小数"
    DATE = "date", "日期"
    BOOLEAN = "boolean", "是/否"
    CHOICE = "choice", "单选"
    MULTI_CHOICE = "multi_choice", "多选"


class AttributeDefinition(models.Model):
    """An admin-defined custom profile attribute, validated on every write."""

    key = models.SlugField("键", max_length=64, unique=True, help_text="英文标识，如 skin_type")
    label = models.CharField("名称", max_length=64)
    type = models.CharField("类型", max_length=16, choices=AttributeType.choices)
    required = models.BooleanField("必填", default=False)
    choices = models.JSONField("可选值", default=list, blank=True, help_text='单选/多选的取值列表，如 ["干性","油性"]')
    help_text = models.CharField("说明", max_length=200, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "自定义属性"
        ordering = ["key"]

    def __str__(self):
        return f"{self.label} ({self.key})"
