import io

from django import forms


class TagFileForm(forms.Form):
    """A file of members, or codes typed in (one member needs no file)."""

    file = forms.FileField(label="会员名单", required=False,
                           help_text="CSV 或 XLSX，含「会员编号」或「手机号」列，每行一位会员")
    codes = forms.CharField(label="或直接填写会员编号", required=False, widget=forms.Textarea(attrs={"rows": 4}),
                            help_text="每行一个会员编号")
    action = forms.ChoiceField(label="操作", choices=[("on", "打上标签"), ("off", "取下标签")], initial="on")
    reason = forms.CharField(label="原因", max_length=255, required=False)
    ends_on = forms.DateField(label="到期日", required=False, help_text="含当天；留空表示一直有效（仅打上时）")

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("codes", "").strip():
            raise forms.ValidationError("请上传会员名单或填写会员编号。")
        return data

    def source(self) -> tuple[object, str]:
        """(file object, file name) for apply_tag_file: the upload, or the typed codes as a one-column CSV."""
        if self.cleaned_data.get("file"):
            upload = self.cleaned_data["file"]
            return upload, upload.name
        lines = [line.strip() for line in self.cleaned_data["codes"].splitlines() if line.strip()]
        return io.BytesIO("\n".join(["会员编号", *lines]).encode()), "会员编号.csv"
