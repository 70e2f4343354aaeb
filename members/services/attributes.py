"""Validation of admin-defined custom attributes (AttributeDefinition), on every write."""

from datetime import date
from decimal import Decimal, InvalidOperation

from members.models import AttributeDefinition, AttributeType

from .errors import MembersError

_TRUE = {"1", "true", "yes", "y", "是", "对", "有"}
_FALSE = {"0", "false", "no", "n", "否", "无"}


def _coerce(definition: AttributeDefinition, value):
    kind = definition.type
    if kind == AttributeType.TEXT:
        return str(value).strip()
    if kind == AttributeType.INTEGER:
        if isinstance(value, bool) or not str(value).strip().lstrip("-").isdigit():
            raise ValueError("应为整数")
        return int(str(value).strip())
    if kind == AttributeType.DECIMAL:
        try:
            return str(Decimal(str(value).strip()))
        except InvalidOperation as error:
            raise ValueError("应为数字") from error
    if kind == AttributeType.DATE:
        try:
            return (value if isinstance(value, date) else date.fromisoformat(str(value).strip())).isoformat()
        except ValueError as error:
            raise ValueError("应为日期 YYYY-MM-DD") from error
    if kind == AttributeType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise ValueError("应为 是/否")
    allowed = list(definition.choices or [])
    if kind == AttributeType.CHOICE:
        if value not in allowed:
            raise ValueError(f"可选值为 {'、'.join(map(str, allowed))}")
        return value
    values = value if isinstance(value, list) else [v.strip() for v in str(value).split(",") if v.strip()]
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValueError(f"{'、'.join(map(str, bad))} 不在可选值 {'、'.join(map(str, allowed))} 中")
    return values


def validate_attributes(values: dict, *, partial: bool = False) -> dict:
    """Coerce values to their defined types. partial=True skips 'required' (a channel sends what it has)."""
    every = {d.key: d for d in AttributeDefinition.objects.all()}
    definitions = {key: d for key, d in every.items() if d.is_active}
    errors, cleaned = [], {}
    for key, value in (values or {}).items():
        definition = definitions.get(key)
        if definition is None:
            if key in every:  # switched off: values already held are kept as they are, not re-checked
                cleaned[key] = value
            else:
                errors.append(f"未定义的自定义属性「{key}」")
            continue
        if value in (None, "", []):
            continue
        try:
            cleaned[key] = _coerce(definition, value)
        except ValueError as error:
            errors.append(f"{definition.label}({key}) 的值「{value}」无效：{error}")
    if not partial:
        errors += [f"{d.label}({d.key}) 为必填项" for d in definitions.values() if d.required and d.key not in cleaned]
    if errors:
        raise MembersError("；".join(errors))
    return cleaned
