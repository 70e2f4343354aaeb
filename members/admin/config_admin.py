"""Custom attribute definitions and the append-only consent history."""

from django.contrib import admin

from core.admin import admin_link
from members.models import AttributeDefinition, ConsentRecord
from members.services import record_consent

from .common import FieldTextsMixin
from .forms import AttributeDefinitionForm, ConsentRecordForm
from .pii_lookups import PiiLookupGuardMixin


@admin.register(AttributeDefinition)
class AttributeDefinitionAdmin(PiiLookupGuardMixin, admin.ModelAdmin):
    form = AttributeDefinitionForm
    list_display = ("key", "label", "type", "required", "is_active")
    list_filter = ("type", "required", "is_active")
    search_fields = ("key", "label")

    def get_readonly_fields(self, request, obj=None):
        # Members' stored attributes are keyed by it; renaming would orphan their values.
        return ("key",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False  # stored values refer to the key; switch 启用 off instead


@admin.register(ConsentRecord)
class ConsentRecordAdmin(PiiLookupGuardMixin, FieldTextsMixin, admin.ModelAdmin):
    """Append-only: a new record supersedes the previous one; nothing is edited or deleted."""

    form = ConsentRecordForm
    field_labels = {"actor": "记录人"}
    field_help_texts = {"source": "如：小程序注册时勾选、短信回复 T 退订、门店纸质表单"}
    list_display = ("member_link", "channel", "status", "source", "recorded_at", "actor_shown")
    list_filter = ("channel", "status")
    list_select_related = ("member", "actor")
    search_fields = ("=member__code",)
    search_help_text = "会员编号（精确）"
    raw_id_fields = ("member",)
    date_hierarchy = "recorded_at"
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("member", "channel", "status", "source", "recorded_at")
        return ("member", "channel", "status", "source", "recorded_at", "actor")

    @admin.display(description="会员", ordering="member__code")
    def member_link(self, obj):
        return admin_link(obj.member)

    @admin.display(description="记录人", ordering="actor__username")
    def actor_shown(self, obj):
        return obj.actor.get_username() if obj.actor_id else "-"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        record = record_consent(
            member_id=data["member"].pk,
            channel=data["channel"],
            status=data["status"],
            source=data["source"],
            recorded_at=data.get("recorded_at"),
            actor=request.user,
        )
        obj.pk = record.pk
        obj.refresh_from_db()
        obj._state.adding = False
