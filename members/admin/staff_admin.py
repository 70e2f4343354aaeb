"""Staff in stores (门店员工) and exclusive-guide bindings (专属导购绑定), configured by admins.

Both write through members.services.staff: removing someone from a store ends their bindings there;
a binding is history — it is ended (解绑), never edited or deleted.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model

from core.admin import admin_link
from members.models import GuideBinding, Member, StaffStore
from members.services.errors import MembersError
from members.services.staff import assign_to_store, bind_guide, leave_store, unbind_guide

from .pii_lookups import PiiLookupGuardMixin


@admin.register(StaffStore)
class StaffStoreAdmin(admin.ModelAdmin):
    list_display = ("user", "store", "role", "since")
    list_filter = ("role", "store")
    list_select_related = ("user", "store")
    search_fields = ("user__username", "user__first_name", "store__code", "store__name")
    autocomplete_fields = ("store",)
    actions = ["leave_selected"]

    def get_readonly_fields(self, request, obj=None):
        return ("user", "store") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        saved = assign_to_store(user=obj.user, store=obj.store, role=obj.role)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        ended = leave_store(user=obj.user, store=obj.store, actor=request.user, reason="管理员移出门店")
        if ended:
            messages.info(request, f"{obj.user} 在 {obj.store.name} 的 {ended} 个专属会员绑定已解除。")

    def delete_queryset(self, request, queryset):
        for row in queryset.select_related("user", "store"):
            self.delete_model(request, row)

    @admin.action(description="移出门店（并解除其在该店的专属会员绑定）", permissions=["delete"])
    def leave_selected(self, request, queryset):
        self.delete_queryset(request, queryset)


class BindingForm(forms.ModelForm):
    member = forms.CharField(label="会员编号", max_length=16)

    class Meta:
        model = GuideBinding
        fields = ("member", "guide", "store", "reason")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guide"].queryset = get_user_model().objects.filter(store_assignments__isnull=False).distinct()

    def clean_member(self):
        member = Member.objects.filter(code=self.cleaned_data["member"].strip()).first()
        if member is None:
            raise forms.ValidationError("没有这个会员编号。")
        return member


@admin.register(GuideBinding)
class GuideBindingAdmin(PiiLookupGuardMixin, admin.ModelAdmin):
    form = BindingForm
    list_display = ("member_link", "guide", "store", "bound_at", "bound_by", "reason", "ended_at", "end_reason")
    list_filter = ("store", ("ended_at", admin.EmptyFieldListFilter))
    list_select_related = ("member", "guide", "store", "bound_by")
    search_fields = ("=member__code", "guide__username")
    search_help_text = "会员编号（精确）或导购账号"
    actions = ["end_selected"]

    @admin.display(description="会员")
    def member_link(self, obj):
        return admin_link(obj.member, obj.member.code)

    def has_change_permission(self, request, obj=None):
        return False  # history: end a binding, bind anew

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            saved = bind_guide(member_id=form.cleaned_data["member"].pk, guide=obj.guide, store=obj.store,
                               actor=request.user, reason=obj.reason)
        except MembersError as error:
            messages.error(request, str(error))
            return
        obj.pk = saved.pk

    @admin.action(description="解除所选绑定", permissions=["add"])
    def end_selected(self, request, queryset):
        ended = 0
        for binding in queryset.filter(ended_at__isnull=True):
            unbind_guide(member_id=binding.member_id, actor=request.user, reason="管理员解除")
            ended += 1
        messages.info(request, f"已解除 {ended} 个绑定。")
