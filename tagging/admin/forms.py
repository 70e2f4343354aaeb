import io
import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from tagging.models import Tag, TagKind

from .condition_editor import split_error


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


def in_reading_order(data, first: tuple[str, ...]):
    """`data` with the keys named in `first` leading, at every level (jsonb stores keys by length)."""
    if isinstance(data, dict):
        keys = [key for key in first if key in data] + [key for key in data if key not in first]
        return {key: in_reading_order(data[key], first) for key in keys}
    if isinstance(data, list):
        return [in_reading_order(item, first) for item in data]
    return data


class PrettyJSONField(forms.JSONField):
    """JSON shown indented (a condition is read by people) and refused with where the syntax broke."""

    def __init__(self, *args, key_order: tuple[str, ...] = (), **kwargs):
        self.key_order = key_order
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        if value is None:
            return ""
        return json.dumps(in_reading_order(value, self.key_order), ensure_ascii=False, indent=2, cls=self.encoder)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            try:
                json.loads(value)
            except ValueError as error:
                where = f"第 {error.lineno} 行第 {error.colno} 列" if hasattr(error, "lineno") else ""
                raise ValidationError(f"不是合法的 JSON：{where}附近有误（{getattr(error, 'msg', error)}）。",
                                      code="invalid") from error
            raise


def extractor_registry():
    """tagging.extractors.extractors, or None while that package is not installed yet."""
    try:
        from tagging.extractors import extractors
    except ImportError:
        return None
    return extractors


def extractor_rows() -> list[dict]:
    """Every extractor with its parameters and their defaults, for the help beside the select."""
    registry = extractor_registry()
    if registry is None:
        return []
    return [{"code": item.code, "label": item.label, "help": item.help,
             "params": [{"name": param.name, "label": param.label, "help": param.help,
                         "default": json.dumps(param.default, ensure_ascii=False)} for param in item.params]}
            for item in registry.all()]


def extractor_problems(code: str, params) -> list[str]:
    """What the extractor says is wrong with `params` (empty when they are fine)."""
    registry = extractor_registry()
    if registry is None or not code:
        return []
    extractor = registry.get(code)
    if extractor is None:
        return [f"未知的取值方式「{code}」。"]
    try:
        extractor.validate(params)  # the cleaned copy is not stored: defaults stay the extractor's
    except (ValidationError, ValueError, TypeError) as error:
        return list(getattr(error, "messages", None) or [str(error)])
    return []


def _path_first(message: str):
    error = split_error(message)
    return format_html("<code>{}</code>：{}", error["path"], error["message"]) if error["path"] else message


class TagAdminForm(forms.ModelForm):
    """The tag form: a condition editor for dynamic tags and an extractor chooser for variable ones."""

    condition = PrettyJSONField(
        label="条件", required=False, key_order=("all", "any", "not", "field", "op", "value", "window"),
        widget=forms.Textarea(attrs={"rows": 16, "class": "condition-json", "spellcheck": "false"}),
        help_text='会员条件（JSON）：条件组 {"all"/"any"/"not": …}，条件 {"field", "op", "value", "window"}。'
                  "保存前会逐项检查，错误会指明位置（如 all[1].value）。")
    params = PrettyJSONField(label="取值参数", required=False,
                             widget=forms.Textarea(attrs={"rows": 6, "class": "condition-json", "spellcheck": "false"}),
                             help_text="取值方式的参数（JSON 对象），如时间窗、分档；留空用默认值。")

    class Meta:
        model = Tag
        fields = ("code", "name", "category", "kind", "colour", "description", "owner", "active", "guide_usable",
                  "condition", "keep_days", "extractor", "params", "min_orders")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        registry = extractor_registry()
        if registry is not None and "extractor" in self.fields:
            choices = [("", "---------"), *registry.choices()]
            current = self.initial.get("extractor") or ""
            if current and current not in dict(choices):  # stored before its extractor was removed
                choices.append((current, f"{current}（已不可用）"))
            self.fields["extractor"] = forms.ChoiceField(
                label="取值方式", choices=choices, required=False, help_text="变量标签：从订单中提取取值的方式")

    def clean_params(self):
        params = self.cleaned_data.get("params")
        if params in (None, ""):
            return {}
        if not isinstance(params, dict):
            raise ValidationError('取值参数需要 JSON 对象，如 {"window_days": 365}。')
        return params

    def _post_clean(self):
        super()._post_clean()
        # Tag.clean's condition errors are "path: 说明"; show the path as code, the reason as text.
        if "condition" in self._errors:
            self._errors["condition"] = self.error_class(
                [_path_first(message) for message in self._errors["condition"]], renderer=self.renderer)

    def _update_errors(self, errors):
        # JSON that did not parse already says where; Tag.clean, seeing no condition, would only add
        # "needs a condition".
        if "condition" in self._errors and hasattr(errors, "error_dict"):
            errors.error_dict.pop("condition", None)
        super()._update_errors(errors)

    def clean(self):
        data = super().clean()
        kind = data.get("kind") or self.instance.kind
        if kind == TagKind.VARIABLE and "params" in data and "params" not in self.errors:
            for problem in extractor_problems(data.get("extractor") or "", data["params"]):
                self.add_error("params", problem)
        return data
