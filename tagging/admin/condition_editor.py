"""What the condition editor on the tag page needs: the live preview of a condition typed in (how many
members meet it now, and a few of them) and the list of fields an operator can name."""

from core.admin import admin_url
from members.conditions import compiler
from members.conditions.operators import LABELS
from members.conditions.registry import FieldType, fields
from members.conditions.tree import ConditionError, parse

SAMPLE_SIZE = 10
OPERATORS = tuple(LABELS.items())  # the legend above the field list
MAX_CHOICES_SHOWN = 12
TYPE_LABELS = {
    FieldType.TEXT: "文本", FieldType.CHOICE: "选项", FieldType.NUMBER: "数字", FieldType.MONEY: "金额",
    FieldType.DATE: "日期", FieldType.BOOLEAN: "是/否", FieldType.SET: "集合",
}


def split_error(message: str) -> dict:
    """"all[1].value: 需要数字" as {"path": "all[1].value", "message": "需要数字"} (no path: the whole)."""
    path, sep, text = message.partition(": ")
    if not sep or " " in path:
        return {"path": "", "message": message}
    return {"path": path, "message": text}


def preview(text: str) -> tuple[dict, int]:
    """The preview of a condition given as JSON text: (payload, HTTP status).

    Members are shown by code, name and the masked mobile only: the preview is for checking a rule,
    not for reading contacts.
    """
    try:
        tree = parse(text or "")
    except ConditionError as error:
        return {"count": None, "sample": [], "errors": [split_error(e) for e in error.errors]}, 400
    sample = [{"code": member.code, "name": member.name, "mobile": member.mobile_masked,
               "url": admin_url(member)} for member in compiler.sample(tree, SAMPLE_SIZE)]
    return {"count": compiler.count(tree), "sample": sample, "errors": []}, 200


def _choices_shown(field) -> str:
    if field.choices is None or callable(field.choices):
        return ""  # asked of the database at validation time (stores, attributes): too long to list
    pairs = list(field.choices)
    shown = "、".join(f"{value}={label}" for value, label in pairs[:MAX_CHOICES_SHOWN])
    return shown + ("…" if len(pairs) > MAX_CHOICES_SHOWN else "")


def field_rows() -> list[dict]:
    """Every field the condition language knows now, for the help table next to the editor."""
    return [{"key": field.key, "label": field.label, "type": TYPE_LABELS.get(field.type, str(field.type)),
             "operators": [(op, LABELS.get(op, op)) for op in field.allowed_operators],
             "windowed": field.windowed, "choices": _choices_shown(field), "help": field.help}
            for field in sorted(fields.all(), key=lambda f: f.key)]
