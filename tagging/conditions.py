"""Tagging's side of the member condition language (members.conditions), registered from
TaggingConfig.ready():

- `tag` (SET; has / has_not of tag codes): the tags a member holds now — any kind, any value.
- `tag.value.<variable tag code>` (SET; has / has_not / contains): the values a member holds of that
  variable tag (偏好品类 has 护肤; 最近购买 contains 面霜). A member without a value holds none.

Plus `condition_errors`, what Tag.clean asks before a dynamic tag's condition is stored.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from members.conditions.registry import Field, FieldRegistry, FieldType
from members.conditions.tree import ConditionError, parse

from .models import Tag, TagKind, TagMembership

TAG = "tag"
VALUE_PREFIX = "tag.value."


def _held(member=None):
    return TagMembership.objects.filter(member=OuterRef("pk") if member is None else member)


def _tag_choices():
    return Tag.objects.order_by("code").values_list("code", "name")


TAG_FIELD = Field(
    key=TAG, label="标签", type=FieldType.SET, choices=_tag_choices,
    has_sql=lambda ctx, code: Q(Exists(_held().filter(tag__code=code))),
    read=lambda member, ctx: set(_held(member).values_list("tag__code", flat=True)),
    help="会员当前拥有的标签（任意类型）；按标签编码填写",
)


def value_field(tag: Tag) -> Field:
    def values_of(member=None):
        return _held(member).filter(tag=tag)

    return Field(
        key=VALUE_PREFIX + tag.code, label=f"{tag.name}（取值）", type=FieldType.SET,
        operators=("has", "has_not", "contains"),
        has_sql=lambda ctx, value: Q(Exists(values_of().filter(value=value))),
        contains_sql=lambda ctx, text: Q(Exists(values_of().filter(value__contains=text))),
        read=lambda member, ctx: set(values_of(member).values_list("value", flat=True)),
        help=f"变量标签「{tag.name}」的取值；没有取值的会员不拥有任何值",
    )


def _resolve_value(code: str) -> Field | None:
    tag = Tag.objects.filter(code=code, kind=TagKind.VARIABLE).first()
    return value_field(tag) if tag else None


def _listed_values() -> list[Field]:
    return [value_field(tag) for tag in Tag.objects.filter(kind=TagKind.VARIABLE, active=True).order_by("code")]


def register(registry: FieldRegistry) -> None:
    registry.register(TAG_FIELD)
    registry.register_family(VALUE_PREFIX, _resolve_value, _listed_values)


def _field_keys(node) -> set[str]:
    if isinstance(node, dict):
        keys = {node["field"]} if isinstance(node.get("field"), str) else set()
        for child in node.values():
            keys |= _field_keys(child)
        return keys
    if isinstance(node, list):
        return set().union(*map(_field_keys, node)) if node else set()
    return set()


def condition_reads_tags(condition) -> bool:
    """Whether a condition reads any tag (so tag changes can change its result)."""
    return any(key == TAG or key.startswith(VALUE_PREFIX) for key in _field_keys(condition))


def condition_errors(condition, *, tag: Tag | None = None) -> list[str]:
    """Every problem with a dynamic tag's condition, each with its path; [] when it may be stored.
    A tag may not read itself: its members would decide its members."""
    if not isinstance(condition, dict) or not condition:
        return ["动态标签需要填写条件（JSON 对象）。"]
    try:
        parse(condition)
    except ConditionError as error:
        return error.errors
    if tag is not None and tag.code and _reads_itself(condition, tag.code):
        return [f"条件不能引用标签自身「{tag.code}」。"]
    return []


def _reads_itself(node, code: str) -> bool:
    if isinstance(node, dict):
        if node.get("field") == TAG and (node.get("value") == code):
            return True
        if node.get("field") == VALUE_PREFIX + code:
            return True
        return any(_reads_itself(child, code) for child in node.values())
    if isinstance(node, list):
        return any(_reads_itself(child, code) for child in node)
    return False
