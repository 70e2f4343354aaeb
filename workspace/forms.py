"""Forms of the guide's actions; each field's error is shown next to it, in Chinese."""

from django import forms

from .models import FollowUpKind
from .services import MAX_TEXT


class FollowUpForm(forms.Form):
    kind = forms.ChoiceField(label="方式", choices=FollowUpKind.choices, initial=FollowUpKind.PHONE)
    text = forms.CharField(label="跟进内容", max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": "请写下跟进内容。",
                                           "max_length": f"跟进内容最多 {MAX_TEXT} 字。"})
    remind_on = forms.DateField(label="下次提醒日（可选）", required=False,
                                widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"invalid": "日期格式不对，请按 2026-12-31 填写。"})


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200, error_messages={"required": "请写明原因。"})


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200, required=False)


class ConsentForm(forms.Form):
    granted = forms.TypedChoiceField(label="顾客意愿", choices=[("1", "同意接收营销短信"), ("0", "拒绝 / 撤回")],
                                     coerce=lambda v: v == "1")
    evidence = forms.CharField(label="凭据", max_length=60,
                               help_text="如：纸质授权表 No.0123、当面口头同意并签字",
                               error_messages={"required": "请写明授权凭据。"})


class TagForm(forms.Form):
    tag = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.TypedChoiceField(choices=[("1", "打上"), ("0", "取下")], coerce=lambda v: v == "1",
                                widget=forms.HiddenInput)
    reason = forms.CharField(label="原因（可选）", max_length=200, required=False)


class WalkInForm(forms.Form):
    mobile = forms.CharField(label="手机号", max_length=20, error_messages={"required": "请输入顾客手机号。"})
    name = forms.CharField(label="姓名（可选）", max_length=64, required=False)
    store = forms.ChoiceField(label="门店", required=False)

    def __init__(self, *args, stores=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [(s.pk, s.name) for s in stores]
        if not stores:
            del self.fields["store"]
