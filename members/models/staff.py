"""Staff in stores: which stores a staff user works in and as what, and members' exclusive guides.

A staff user's stores decide which members they may see (members/scope.py). The binding of a member
to an exclusive guide (专属导购) is history: a binding ends (it is never deleted) when the guide
unbinds, another guide takes over, or the guide leaves the store.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class StaffRole(models.TextChoices):
    GUIDE = "guide", "导购"
    MANAGER = "manager", "店长"


class StaffStore(models.Model):
    """A staff user working in a store, as guide or manager. Leaving the store deletes the row
    through members.services.staff.leave_store, which also ends the guide's bindings there."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="员工", on_delete=models.CASCADE,
                             related_name="store_assignments")
    store = models.ForeignKey("members.Store", verbose_name="门店", on_delete=models.PROTECT, related_name="staff")
    role = models.CharField("岗位", max_length=8, choices=StaffRole.choices, default=StaffRole.GUIDE)
    since = models.DateField("入职日期", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "门店员工"
        ordering = ["store_id", "role", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user", "store"], name="uniq_staff_store")]
        indexes = [models.Index(fields=["store", "role"], name="staff_store_role")]

    def __str__(self):
        return f"{self.store} · {self.get_role_display()} · {self.user}"


class GuideBinding(models.Model):
    """A member's exclusive guide (专属导购) from `bound_at` until `ended_at` (open: still bound)."""

    member = models.ForeignKey("members.Member", verbose_name="会员", on_delete=models.PROTECT,
                               related_name="guide_bindings")
    guide = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="专属导购", on_delete=models.PROTECT,
                              related_name="guide_bindings")
    store = models.ForeignKey("members.Store", verbose_name="门店", on_delete=models.PROTECT, related_name="+")
    bound_at = models.DateTimeField("绑定时间")
    bound_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="绑定人", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+", db_index=False)
    reason = models.CharField("绑定原因", max_length=255, blank=True)
    ended_at = models.DateTimeField("解绑时间", null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="解绑人", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+", db_index=False)
    end_reason = models.CharField("解绑原因", max_length=255, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "专属导购绑定"
        ordering = ["-bound_at"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(ended_at__isnull=True),
                                    name="one_open_guide_binding"),
        ]
        indexes = [
            models.Index(fields=["guide"], condition=Q(ended_at__isnull=True), name="binding_open_guide"),
        ]

    def __str__(self):
        return f"{self.member_id} → {self.guide}"
