"""Admin forms. Profile writes go through members.services; the forms only shape input."""

from django import forms
from django.db import transaction

from members import cleaning
from members.models import AttributeDefinition, AttributeType, BlockedValue, ConsentRecord, Member
from members.services import MembersError, create_member_manually, edit_profile

# Fields staff may type in; everything else on Member is derived (survivorship) or system-owned.
PROFILE_EDIT_FIELDS = (
    "name", "gender", "birthday", "mobile", "email", "province", "city", "district", "address",
    "home_store", "attributes",
)


class _DryRun(Exception):
    pass


class MemberProfileForm(forms.ModelForm):
    """Validates an add/edit by running the service in a savepoint that is then rolled back.

    The profile is derived from channel accounts, so only the service knows whether an edit
    is acceptable (attribute rules, a typed-in mobile linking to someone else...). Running it
    here turns its MembersError into a form error instead of a failed save after "success".
    The admin's save_model then runs the service for real.
    """

    class Meta:
        model = Member
        fields = PROFILE_EDIT_FIELDS

    request_user = None  # set by the admin's get_form

    def profile_changes(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in PROFILE_EDIT_FIELDS and name in self.cleaned_data
        }

    def creation_data(self) -> dict:
        return {
            name: value for name, value in self.cleaned_data.items()
            if name in PROFILE_EDIT_FIELDS and value not in (None, "", {}, [])
        }

    def apply(self, actor) -> Member:
        """Run the service: create the person, or record the edit as the staff channel account."""
        if self.instance.pk is None:
            return create_member_manually(data=self.creation_data(), actor=actor)
        return edit_profile(member_id=self.instance.pk, changes=self.profile_changes(), actor=actor)

    def clean(self):
        cleaned = super().clean()
        if self.errors or (self.instance.pk is not None and not self.profile_changes()):
            return cleaned
        try:
            with transaction.atomic():
                self.apply(self.request_user)
                raise _DryRun
        except _DryRun:
            pass
        except MembersError as error:
            raise forms.ValidationError(str(error)) from error
        return cleaned

    def _post_clean(self):
        # Member rows are written by the service, not by ModelForm.save(); skip model validation
        # of derived/system fields (code etc.) that the form does not carry.
        pass


class MergeReasonForm(forms.Form):
    reason = forms.CharField(
        label="合并原因", max_length=200, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="必填，会写入合并记录，便于日后解释或撤销。",
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("请填写合并原因。")
        return reason


class BlockedValueForm(forms.ModelForm):
    class Meta:
        model = BlockedValue
        fields = ("kind", "value", "reason")

    def clean_value(self):
        return self.cleaned_data["value"].strip()

    def clean(self):
        cleaned = super().clean()
        kind, value = cleaned.get("kind"), cleaned.get("value")
        if kind and value:
            # Stored normalized, as identities are, so "138 0013 8000" blocks +8613800138000.
            cleaned["value"] = cleaning.normalize_identifier(kind, value) or value
        return cleaned


class AttributeDefinitionForm(forms.ModelForm):
    class Meta:
        model = AttributeDefinition
        fields = ("key", "label", "type", "required", "choices", "help_text", "is_active")

    def clean(self):
        cleaned = super().clean()
        kind, choices = cleaned.get("type"), cleaned.get("choices")
        if kind in (AttributeType.CHOICE, AttributeType.MULTI_CHOICE):
            if not isinstance(choices, list) or not choices:
                self.add_error("choices", "单选/多选属性需要填写可选值列表，如 [\"干性\", \"油性\"]。")
        elif choices:
            self.add_error("choices", "只有单选/多选属性需要可选值。")
        return cleaned


class ConsentRecordForm(forms.ModelForm):
    recorded_at = forms.DateTimeField(label="时间", required=False, help_text="留空为当前时间")

    class Meta:
        model = ConsentRecord
        fields = ("member", "channel", "status", "source", "recorded_at")
        labels = {"member": "会员"}

    def clean_member(self):
        member = self.cleaned_data["member"]
        if not member.is_active:
            target = f"，请为 {member.merged_into} 记录" if member.merged_into_id else ""
            raise forms.ValidationError(f"会员 {member.code} 状态为「{member.get_status_display()}」{target}。")
        return member

    def clean_source(self):
        source = self.cleaned_data["source"].strip()
        if not source:
            raise forms.ValidationError("请写明授权来源（如：小程序注册勾选、门店纸质表单、短信回T退订）。")
        return source
