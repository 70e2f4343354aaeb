from django import forms


class TagFileForm(forms.Form):
    file = forms.FileField(label="会员名单", help_text="CSV 或 XLSX，含「会员编号」或「手机号」列，每行一位会员")
    action = forms.ChoiceField(label="操作", choices=[("on", "打上标签"), ("off", "取下标签")], initial="on")
    reason = forms.CharField(label="原因", max_length=255, required=False)
    ends_on = forms.DateField(label="到期日", required=False, help_text="含当天；留空表示一直有效（仅打上时）")
