"""The upload form: which format, which file; stores the file and records the batch."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings

from members.imports.engine import create_batch
from members.imports.readers import CSV_EXTENSIONS, XLSX_EXTENSIONS
from members.models import ImportBatch

from .formats import format_options, grouped_choices

ALLOWED_EXTENSIONS = CSV_EXTENSIONS + XLSX_EXTENSIONS


def max_upload_mb() -> float:
    return float(getattr(settings, "IMPORTS_MAX_UPLOAD_MB", 500))


def max_upload_bytes() -> int:
    return int(max_upload_mb() * 1024 * 1024)


def too_large_message(size: int) -> str:
    return (f"文件太大（{size / 1024 / 1024:,.1f} MB），上限为 {max_upload_mb():g} MB。"
            "请拆分成几个文件分别导入。")


class ImportUploadForm(forms.Form):
    format = forms.ChoiceField(
        label="数据类型与文件格式", error_messages={"required": "请选择文件格式。", "invalid_choice": "请选择列表中的文件格式。"}
    )
    file = forms.FileField(
        label="文件", error_messages={"required": "请选择要上传的文件。", "empty": "文件是空的。",
                                      "invalid": "没有收到文件，请重新选择。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.options = format_options(with_attributes=True)
        self.fields["format"].choices = [("", "请选择…"), *grouped_choices(self.options)]
        self.fields["file"].help_text = f"支持 .csv、.txt、.xlsx，最大 {max_upload_mb():g} MB。"
        self.fields["file"].widget.attrs["accept"] = ",".join(ALLOWED_EXTENSIONS)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = Path(upload.name).suffix.lower()
        if extension == ".xls":
            raise forms.ValidationError("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再上传。")
        if extension not in ALLOWED_EXTENSIONS:
            raise forms.ValidationError(
                f"不支持的文件类型“{extension or upload.name}”，请上传 .csv、.txt 或 .xlsx 文件。"
            )
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(too_large_message(upload.size))
        return upload

    def clean_format(self):
        value = self.cleaned_data["format"]
        option = next((o for o in self.options if o.value == value), None)
        if option is None:
            raise forms.ValidationError("请选择列表中的文件格式。")
        return option

    def save(self, *, user) -> ImportBatch:
        """Store the file where the batch keeps it, then record the batch (hash and size of the stored file)."""
        option, upload = self.cleaned_data["format"], self.cleaned_data["file"]
        field = ImportBatch._meta.get_field("upload")
        name = field.storage.save(field.generate_filename(None, upload.name), upload, max_length=field.max_length)
        try:
            return create_batch(
                kind=option.kind, format_key=option.key, path=Path(field.storage.path(name)),
                file_name=upload.name[:255], user=user, upload=name,
            )
        except BaseException:
            field.storage.delete(name)
            raise
