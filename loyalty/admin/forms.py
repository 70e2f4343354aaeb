"""Admin forms for loyalty: the earn rule's channel picker and the manual adjustment."""

import uuid

from django import forms

from loyalty.models import EarnRule, MemberRole
from members.models import Channel, MemberStatus


class EarnRuleForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label="限定渠道", choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="订单来源渠道；都不选表示全部渠道",
    )

    class Meta:
        model = EarnRule
        fields = ("name", "description", "account_type", "role_type", "active", "basis", "points_per_yuan",
                  "fixed_points", "min_order_amount", "channels", "starts_on", "ends_on", "trigger", "pending_days",
                  "priority", "stackable")


class AdjustForm(forms.Form):
    points = forms.IntegerField(label="调整数量", help_text="正数加分，负数扣分（整数）",
                                error_messages={"required": "请填写调整数量。", "invalid": "调整数量必须是整数。"})
    reason = forms.CharField(label="原因", max_length=255, widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
                             help_text="必填；会记录在每个账户的流水中，并显示给查询流水的员工",
                             error_messages={"required": "请填写调整原因。"})
    request_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("request_key", uuid.uuid4().hex)

    def clean_points(self):
        points = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError("调整数量不能为 0。")
        if abs(points) > 10_000_000:
            raise forms.ValidationError("单次调整不能超过 1000 万。")
        return points

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("请填写调整原因。")
        return reason


class MemberRoleForm(forms.ModelForm):
    class Meta:
        model = MemberRole
        fields = ("member", "role_type", "status", "started_on")

    def clean(self):
        cleaned = super().clean()
        member, role_type = cleaned.get("member"), cleaned.get("role_type")
        if self.instance.pk is None and member is not None and member.status != MemberStatus.ACTIVE:
            raise forms.ValidationError(f"会员 {member.code} 状态为「{member.get_status_display()}」，不能开通角色。")
        if self.instance.pk is None and role_type is not None and not role_type.active:
            raise forms.ValidationError(f"角色类型「{role_type}」已停用。")
        if (self.instance.pk is None and member is not None and role_type is not None
                and MemberRole.objects.filter(member=member, role_type=role_type).exists()):
            raise forms.ValidationError("该会员已有这个角色，请在列表中打开它修改状态。")
        return cleaned
