"""Admin helpers of the members domain: phone masking by permission, identifier search, merge rule labels.
The generic ones (read-only admins, links, pretty JSON) are in core.admin."""

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Q, Value

from core.admin import admin_link
from members import cleaning
from members.cleaning.phones import masked_mobile
from members.masking import REVEAL_PERMISSION, mask_data, mask_text
from members.models import IdentifierKind

REVEAL_PHONE = REVEAL_PERMISSION

RULE_LABELS = {
    **{kind.value: kind.label for kind in IdentifierKind},
    "manual": "人工合并",
    "review": "审核通过",
    "source_profile": "同一渠道账号",
}


def rule_label(rule: str) -> str:
    return RULE_LABELS.get(rule, rule)


def identity_value_q(term: str) -> Q:
    """Identity rows whose value is the term as typed or as normalized for any identifier kind.

    Each kind normalizes differently (a mobile typed "138 0013 8000" or "+86 13800138000" is
    stored as +8613800138000; emails are lower-cased), so the term is normalized per kind.
    """
    query = Q(value=term)
    for kind in IdentifierKind.values:
        try:
            value = cleaning.normalize_identifier(kind, term)
        except ValueError:
            continue
        if value and value != term:
            query |= Q(kind=kind, value=value)
    return query


def can_reveal_phone(request) -> bool:
    return request.user.has_perm(REVEAL_PHONE)


# The one free-text masking function (members/masking.py). members/web/imports.py still
# imports it from here under its old name.
mask_phones_in_text = mask_text


def mask_phones_in(data: dict) -> dict:
    """Copy of a snapshot / raw dict with phones and e-mails masked (phone keys, and inside other text)."""
    return mask_data(data) if isinstance(data, dict) else data


class PhoneMaskingMixin:
    """Rows carry whether the current user may see full phones, so display methods (which get
    only the row) can mask. ModelAdmin instances are shared between requests, so the flag
    lives on the row, not on the admin."""

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _reveal_phone=Value(can_reveal_phone(request), output_field=BooleanField())
        )

    def can_reveal(self, request) -> bool:
        return can_reveal_phone(request)

    @staticmethod
    def reveals(obj) -> bool:
        return bool(getattr(obj, "_reveal_phone", False))  # unknown → masked

    def shown(self, obj, text):
        """Free text on `obj`'s row as the current user may see it (see members.masking)."""
        return text if self.reveals(obj) else mask_text(text)

    def shown_mobile(self, obj, mobile: str) -> str:
        """A phone on `obj`'s row as the current user may see it (masked_mobile unless revealed)."""
        return mobile if self.reveals(obj) else masked_mobile(mobile)

    def shown_link(self, obj, target) -> str:
        """A link to `target` (a related row of `obj`) labelled with its str(), masked as `shown`."""
        return admin_link(target, self.shown(obj, str(target))) if target is not None else "-"


class MaskedTitleMixin:
    """For rows whose str() may carry a phone: mask the page title and breadcrumb."""

    change_form_template = "admin/members/masked_change_form.html"

    def masked_title(self, obj) -> str:
        return mask_text(str(obj))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and not can_reveal_phone(request):
            context["subtitle"] = self.masked_title(obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def history_view(self, request, object_id, extra_context=None):
        # Service-written rows have no admin history; its page title would be the raw str().
        if not can_reveal_phone(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)


class FieldTextsMixin:
    """Chinese labels and help texts for model fields whose own are English (or that read better in the
    admin's words), without a migration. Django's admin takes a form's Meta labels / help_texts for
    editable and read-only fields alike; these are merged over the admin form's own."""

    field_labels: dict[str, str] = {}
    field_help_texts: dict[str, str] = {}

    def get_form(self, request, obj=None, **kwargs):
        meta = getattr(self.form, "Meta", None)
        kwargs["labels"] = {**(getattr(meta, "labels", None) or {}), **self.field_labels, **kwargs.get("labels", {})}
        kwargs["help_texts"] = {
            **(getattr(meta, "help_texts", None) or {}), **self.field_help_texts, **kwargs.get("help_texts", {}),
        }
        return super().get_form(request, obj, **kwargs)
