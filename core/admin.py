"""Admin helpers every app shares: read-only admins and inlines for rows that only services
write, links to admin pages, pretty JSON."""

import json

from django.contrib import admin
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import format_html


def pretty_json(data) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, cls=DjangoJSONEncoder)
    return format_html('<pre style="white-space: pre-wrap; margin: 0">{}</pre>', text)


def labelled_counts(counts, labels: dict[str, str]) -> str:
    """A job run's counts ({"accounts": 3, "points": 1200}) as staff read them: "账户 3 · 积分 1,200".
    Keys in the order of `labels` (jsonb keeps none), any key without a label after them, as it is."""
    counts = counts if isinstance(counts, dict) else {}
    order = list(labels)
    keys = sorted(counts, key=lambda key: (order.index(key) if key in order else len(order), key))

    def number(value):
        return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)

    return " · ".join(f"{labels.get(key, key)} {number(counts[key])}" for key in keys) or "-"


def admin_url(obj, view: str = "change") -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk])


def admin_link(obj, label: str | None = None) -> str:
    if obj is None:
        return "-"
    return format_html('<a href="{}">{}</a>', admin_url(obj), label if label is not None else str(obj))


def changelist_url(model, **filters) -> str:
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    if filters:
        url += "?" + "&".join(f"{key}={value}" for key, value in filters.items())
    return url


class ReadOnlyInlineMixin:
    """An inline that lists related rows; rows change only through services."""

    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdminMixin:
    """A model admin that only displays rows written by services (imports, resolution, merges)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyTabularInline(ReadOnlyInlineMixin, admin.TabularInline):
    # Django's tabular template minus each row's str(), which may carry a full phone.
    template = "admin/core/edit_inline/tabular_readonly.html"
