"""Parsing and validation of a condition's JSON tree into `Group` and `Leaf` nodes.

    {"all": [leaf or group, ...]}  {"any": [...]}  {"not": leaf or group}
    {"field": "member.city", "op": "in", "value": ["上海市"], "window": {"last_days": 30}}

Every problem is collected, each as "path: 说明" (`all[1].any[0].value: 需要数字`), and the whole
tree is refused if there is any: nothing is stored or run half-valid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from . import operators
from .registry import Field, FieldRegistry
from .registry import fields as default_fields

MAX_DEPTH = 8
GROUP_KINDS = ("all", "any", "not")
LEAF_KEYS = {"field", "op", "value", "window"}


class ConditionError(ValueError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("；".join(errors))


@dataclass(frozen=True)
class Leaf:
    path: str
    field: Field
    op: str
    value: object  # typed: Decimal, date, list, ...
    raw_value: object
    window: dict | None


@dataclass(frozen=True)
class Group:
    path: str
    kind: str  # all / any / not
    children: tuple


def parse(condition, *, registry: FieldRegistry | None = None) -> Group | Leaf:
    """The validated tree of `condition` (a dict, or JSON text); raises ConditionError."""
    if isinstance(condition, (str, bytes)):
        try:
            condition = json.loads(condition)
        except ValueError as error:
            raise ConditionError([f"条件不是合法的 JSON：{error}"]) from error
    errors: list[str] = []
    node = _Parser(registry or default_fields, errors).node(condition, "", 0)
    if errors:
        raise ConditionError(errors)
    return node


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path else part


class _Parser:
    def __init__(self, registry: FieldRegistry, errors: list[str]):
        self.registry = registry
        self.errors = errors

    def fail(self, path: str, message: str) -> None:
        self.errors.append(f"{path or '条件'}: {message}")

    def node(self, data, path: str, depth: int):
        if not isinstance(data, dict):
            self.fail(path, "需要对象：条件组 {\"all\"/\"any\"/\"not\": …} 或条件 {\"field\", \"op\", \"value\"}")
            return None
        kinds = [kind for kind in GROUP_KINDS if kind in data]
        if kinds:
            if len(data) != 1:
                self.fail(path, "条件组只能有 all、any、not 中的一个键")
                return None
            return self.group(kinds[0], data[kinds[0]], path, depth + 1)
        if "field" in data:
            return self.leaf(data, path)
        self.fail(path, "需要 all、any、not 或 field")
        return None

    def group(self, kind: str, body, path: str, depth: int):
        if depth > MAX_DEPTH:
            self.fail(path, f"嵌套超过 {MAX_DEPTH} 层")
            return None
        if kind == "not":
            return Group(path, kind, (self.node(body, _join(path, "not"), depth),))
        if not isinstance(body, list) or not body:
            self.fail(_join(path, kind), "需要非空列表")
            return None
        children = tuple(self.node(item, _join(path, f"{kind}[{index}]"), depth) for index, item in enumerate(body))
        return Group(path, kind, children)

    def leaf(self, data: dict, path: str):
        for key in sorted(set(data) - LEAF_KEYS):
            self.fail(_join(path, key), "未知的键")
        key = data["field"]
        field = self.registry.get(key) if isinstance(key, str) else None
        if field is None:
            self.fail(_join(path, "field"), f"未知字段「{key}」")
            return None
        op = data.get("op")
        if op not in field.allowed_operators:
            allowed = "、".join(field.allowed_operators)
            self.fail(_join(path, "op"), f"字段「{field.label}」不支持运算符「{op}」（可用：{allowed}）")
            return None
        try:
            value = operators.clean_value(field, op, data.get("value"), "value" in data)
        except operators.InvalidValue as error:
            self.fail(_join(path, "value"), str(error))
            value = None
        window = self.window(field, data.get("window"), _join(path, "window"))
        return Leaf(path, field, op, value, data.get("value"), window)

    def window(self, field: Field, window, path: str) -> dict | None:
        if window is None:
            return None
        if not field.windowed:
            self.fail(path, f"字段「{field.label}」不支持时间窗口")
            return None
        if not isinstance(window, dict) or not window or set(window) - {"last_days", "from", "to"}:
            self.fail(path, "需要 {\"last_days\": N} 或 {\"from\": 日期, \"to\": 日期}")
            return None
        if "last_days" in window:
            days = window["last_days"]
            if len(window) != 1:
                self.fail(path, "last_days 不能与 from/to 同时使用")
            elif isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= operators.MAX_DAYS:
                self.fail(_join(path, "last_days"), f"需要 0 到 {operators.MAX_DAYS} 之间的整数天数")
            return window
        dates = {}
        for key in ("from", "to"):
            if window.get(key) is not None:
                try:
                    dates[key] = date.fromisoformat(window[key]) if isinstance(window[key], str) else None
                except ValueError:
                    dates[key] = None
                if dates[key] is None:
                    self.fail(_join(path, key), "需要日期（YYYY-MM-DD）")
        if len(dates) == 2 and None not in dates.values() and dates["from"] > dates["to"]:
            self.fail(path, "开始日期不能晚于结束日期")
        return window
