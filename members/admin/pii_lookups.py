"""Changelist filters and sorting that cannot be used to guess personal data.

Django's admin accepts any query-string lookup on a model's own fields
(`?mobile__startswith=+86138`), so a user who sees a masked phone could recover it digit by
digit from which rows come back, or from the order of rows sorted by that column. For staff
without `members.reveal_phone` this mixin therefore:

- accepts only the lookups the admin itself offers: its list_filter and date_hierarchy, and
  links to related rows by id (`?member__id__exact=7`); anything else is refused with
  DisallowedModelAdminLookup (HTTP 400), so there is no list of fields to keep up to date;
- drops sorting (?o=) on columns that order by a personal-data field (PII_FIELDS, plus any
  free-text or JSON field), whether the column is clicked or the number is typed.

Staff with the permission keep every filter and sort.
"""

from django.contrib.admin.filters import SimpleListFilter
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP

from .common import can_reveal_phone

# Fields that hold personal data or text/ids that can carry a phone, by "app_label.modelname".
# Higher apps add theirs with declare_pii_fields(); TextFields and JSONFields count anyway.
PII_FIELDS: dict[str, set[str]] = {
    "members.member": {"name", "mobile", "mobile_masked", "email", "address", "birthday", "attributes"},
    "members.sourceprofile": {
        "external_id", "name", "mobile", "mobile_masked", "email", "address", "birthday", "attributes", "raw",
    },
    "members.identity": {"value"},
    "members.blockedvalue": {"value", "reason"},
    "members.mergerecord": {"identifier_value", "reason", "survivor_before", "absorbed_before"},
    "members.mergecandidate": {"reasons"},
    "members.importrowerror": {"value"},
    "members.importbatch": {"error_message"},
}


def declare_pii_fields(model_label: str, *field_names: str) -> None:
    PII_FIELDS.setdefault(model_label.lower(), set()).update(field_names)


def is_pii_field(field) -> bool:
    if isinstance(field, models.TextField | models.JSONField):
        return True
    return field.name in PII_FIELDS.get(field.model._meta.label_lower, ())


def field_path(model, lookup: str) -> list:
    """The model fields a lookup or ordering path walks through ("member__mobile__startswith"
    → [Order.member, Member.mobile]); transforms and lookup names are left off."""
    fields = []
    for part in lookup.lstrip("-").split(LOOKUP_SEP):
        if model is None:
            break
        try:
            field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        except FieldDoesNotExist:
            break
        fields.append(field)
        model = field.related_model if field.is_relation else None
    return fields


def _up_to_relation(fields: list) -> list:
    """A path up to its last relation: "member__id" and "member" name the same filter."""
    if len(fields) > 1 and fields[-1].primary_key and fields[-2].is_relation:
        return fields[:-1]
    return fields


def _names(fields: list) -> tuple:
    return tuple(field.name for field in fields)


class PiiLookupGuardMixin:
    """Put first in the bases of every ModelAdmin (see the module docstring)."""

    def lookup_allowed(self, lookup, value, request=None):
        if not super().lookup_allowed(lookup, value, request):
            return False
        if request is None or can_reveal_phone(request):
            return True
        return self._offered_lookup(lookup, request)

    def _offered_lookup(self, lookup: str, request) -> bool:
        fields = field_path(self.model, lookup)
        if not fields:
            return lookup in self._simple_filter_parameters(request)
        fields = _up_to_relation(fields)
        if fields[-1].primary_key or fields[-1].is_relation:
            return True  # rows by id, or a link to related rows by id
        return _names(fields) in self._offered_paths(request)

    def _simple_filter_parameters(self, request) -> set[str]:
        return {
            item.parameter_name for item in self.get_list_filter(request)
            if isinstance(item, type) and issubclass(item, SimpleListFilter)
        }

    def _offered_paths(self, request) -> set[tuple]:
        names = [self.date_hierarchy] if self.date_hierarchy else []
        for item in self.get_list_filter(request):
            if isinstance(item, list | tuple):
                names.append(item[0])
            elif isinstance(item, str):
                names.append(item)
        return {_names(_up_to_relation(field_path(self.model, name))) for name in names}

    # ---- sorting

    def get_sortable_by(self, request):
        sortable = super().get_sortable_by(request)
        if can_reveal_phone(request):
            return sortable
        return [name for name in sortable if not self._sorts_by_pii(name)]

    def _sorts_by_pii(self, column) -> bool:
        order_field = ChangeList.get_ordering_field(_ColumnProbe(self), column)
        if not isinstance(order_field, str):
            return order_field is not None  # an expression: cannot tell, so not for these users
        return any(is_pii_field(field) for field in field_path(self.model, order_field))

    def get_changelist(self, request, **kwargs):
        return SortableByChangeList


class _ColumnProbe:
    """Just enough of a ChangeList for ChangeList.get_ordering_field to resolve a column."""

    def __init__(self, model_admin):
        self.model_admin = model_admin
        self.model = model_admin.model
        self.lookup_opts = model_admin.model._meta


class SortableByChangeList(ChangeList):
    """Django honours sortable_by only when drawing the column headers; ?o= typed by hand
    still sorts. Here a column outside sortable_by does not sort at all."""

    def get_ordering_field(self, field_name):
        if self.sortable_by is not None and field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)
