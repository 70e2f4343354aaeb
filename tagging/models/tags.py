"""Tag categories (标签分类) and tags (标签) of three kinds: static, dynamic and variable."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models


class TagKind(models.TextChoices):
    STATIC = "static", "手动标签"
    DYNAMIC = "dynamic", "动态标签"
    VARIABLE = "variable", "变量标签"


class TagCategory(models.Model):
    code = models.SlugField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32)
    sort_order = models.PositiveSmallIntegerField("排序", default=0, help_text="数字小的排在前面")

    class Meta:
        verbose_name = verbose_name_plural = "标签分类"
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.name


class Tag(models.Model):
    code = models.SlugField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32)
    category = models.ForeignKey(TagCategory, verbose_name="分类", on_delete=models.PROTECT, related_name="tags")
    colour = models.CharField("颜色", max_length=7, default="#1677ff",
                              validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "颜色格式为 #RRGGBB。")])
    description = models.CharField("说明", max_length=255, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="负责人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    active = models.BooleanField("启用", default=True)
    kind = models.CharField("类型", max_length=8, choices=TagKind.choices, default=TagKind.STATIC)
    guide_usable = models.BooleanField("导购可用", default=False, help_text="手动标签：导购可为会员打上或取下")
    # Dynamic tags.
    condition = models.JSONField("条件", null=True, blank=True, help_text="动态标签：会员条件(JSON)")
    rule_version = models.PositiveIntegerField("规则版本", default=1, editable=False)
    keep_days = models.PositiveSmallIntegerField("条件不满足后保留天数", default=0)
    # Variable tags.
    extractor = models.CharField("取值方式", max_length=32, blank=True, help_text="变量标签：提取器编码")
    params = models.JSONField("取值参数", default=dict, blank=True)
    min_orders = models.PositiveSmallIntegerField("最少订单数", default=1, validators=[MinValueValidator(1)],
                                                  help_text="变量标签：订单少于此数的会员不取值")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "标签"
        ordering = ["category__sort_order", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind=TagKind.STATIC) | models.Q(guide_usable=False),
                                   name="tag_guide_usable_only_static"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.kind == TagKind.DYNAMIC:
            from tagging.conditions import condition_errors  # the condition language's seam

            problems = condition_errors(self.condition, tag=self)
            if problems:
                errors["condition"] = problems
        if self.kind == TagKind.VARIABLE and not self.extractor:
            errors["extractor"] = "变量标签需要选择取值方式。"
        if self.kind != TagKind.STATIC and self.guide_usable:
            errors["guide_usable"] = "只有手动标签可以设为导购可用。"
        if errors:
            raise ValidationError(errors)
