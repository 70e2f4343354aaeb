"""Django's ModelBackend, with a user's permissions read in one query instead of two.

Every staff page and API call checks permissions; the stock backend reads the user's own and their
groups' permissions separately. One query with both (OR) halves that on every request — it counts
in the member card's query budget (≤ 12). Superusers keep the stock path (all permissions).
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q


class OneQueryModelBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            # Two id lists, not an OR across two joins: that read every group membership before filtering.
            own = Permission.user_set.through.objects.filter(user_id=user_obj.pk).values("permission_id")
            groups = user_obj.groups.through.objects.filter(user_id=user_obj.pk).values("group_id")
            by_group = Permission.group_set.through.objects.filter(group_id__in=groups).values("permission_id")
            rows = (Permission.objects.filter(Q(pk__in=own) | Q(pk__in=by_group))
                    .values_list("content_type__app_label", "codename"))
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
