from django.db import models


class Store(models.Model):
    code = models.CharField("门店编码", max_length=32, unique=True)
    name = models.CharField("门店名称", max_length=100)
    province = models.CharField("省份", max_length=32, blank=True)
    city = models.CharField("城市", max_length=32, blank=True)
    region = models.CharField("大区", max_length=32, blank=True)
    is_active = models.BooleanField("营业中", default=True)
    guides_may_bind = models.BooleanField(
        "导购可自行绑定", default=True, db_default=True, help_text="导购可在工作台把本店会员绑定为自己的专属会员",
    )

    class Meta:
        verbose_name = verbose_name_plural = "门店"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"
