"""Validation of condition trees: every error, with its path, and nothing accepted half-valid."""

import json

import pytest

from members.conditions.tree import ConditionError, Group, Leaf, parse
from members.models import AttributeDefinition

pytestmark = pytest.mark.django_db


def errors_of(condition) -> list[str]:
    with pytest.raises(ConditionError) as caught:
        parse(condition)
    return caught.value.errors


def test_a_valid_tree_parses_into_groups_and_typed_leaves():
    tree = parse({"all": [
        {"field": "member.gender", "op": "eq", "value": "F"},
        {"any": [{"field": "member.city", "op": "in", "value": ["上海市", "杭州市"]},
                 {"not": {"field": "member.age", "op": "gte", "value": 30}}]},
    ]})

    assert isinstance(tree, Group) and tree.kind == "all"
    inner = tree.children[1].children[1]
    assert inner.kind == "not" and isinstance(inner.children[0], Leaf)
    assert inner.children[0].path == "all[1].any[1].not"
    assert str(inner.children[0].value) == "30"


def test_json_text_is_accepted_and_malformed_json_is_refused_whole():
    assert isinstance(parse(json.dumps({"field": "member.city", "op": "eq", "value": "上海市"})), Leaf)
    [error] = errors_of('{"all": [')
    assert error.startswith("条件不是合法的 JSON")


def test_every_error_is_reported_with_its_path():
    errors = errors_of({"all": [
        {"field": "member.nope", "op": "eq", "value": 1},
        {"any": [{"field": "member.age", "op": "gte", "value": "三十"},
                 {"field": "member.gender", "op": "gt", "value": "F"}]},
        {"field": "member.city", "op": "eq", "value": "上海市", "window": {"last_days": 30}},
        {"field": "member.birthday", "op": "between", "value": ["2000-01-01"]},
        {"field": "member.gender", "op": "eq", "value": "X"},
        {"field": "member.has_mobile", "op": "eq", "value": "yes"},
    ]})

    assert errors == [
        "all[0].field: 未知字段「member.nope」",
        "all[1].any[0].value: 需要数字",
        "all[1].any[1].op: 字段「性别」不支持运算符「gt」（可用：eq、ne、in、not_in、is_empty、is_not_empty）",
        "all[2].window: 字段「城市」不支持时间窗口",
        "all[3].value: 需要两个值的列表 [下限, 上限]",
        "all[4].value: 取值「X」不在可选值中：M(男)、F(女)、U(未知)",
        "all[5].value: 需要 true 或 false",
    ]


@pytest.mark.parametrize("leaf, message", [
    ({"field": "member.age", "op": "between", "value": [40, 30]}, "value: 下限不能大于上限"),
    ({"field": "member.age", "op": "eq", "value": True}, "value: 需要数字"),
    ({"field": "member.birthday", "op": "gte", "value": "2026-02-30"}, "value: 需要日期（YYYY-MM-DD）"),
    ({"field": "member.birthday", "op": "birthday_within_days", "value": 366}, "value: 需要 0 到 365 之间的整数天数"),
    ({"field": "member.registered_at", "op": "within_last_days", "value": -1}, "value: 需要 0 到 36600 之间的整数天数"),
    ({"field": "member.registered_at", "op": "within_last_days", "value": 10**9}, "value: 需要 0 到 36600 之间的整数天数"),
    ({"field": "member.city", "op": "in", "value": []}, "value: 需要非空列表"),
    ({"field": "member.city", "op": "eq", "value": ""}, "value: 需要非空文本"),
    ({"field": "member.city", "op": "eq"}, "value: 缺少取值"),
    ({"field": "member.city", "op": "is_empty", "value": "x"}, "value: 该运算符不需要取值"),
    ({"field": "member.city", "op": "eq", "value": "x", "extra": 1}, "extra: 未知的键"),
    ({"all": []}, "all: 需要非空列表"),
    ({"all": [{"field": "member.city", "op": "is_empty"}], "any": []}, "条件: 条件组只能有 all、any、not 中的一个键"),
    ([1], "条件: 需要对象：条件组 {\"all\"/\"any\"/\"not\": …} 或条件 {\"field\", \"op\", \"value\"}"),
    ({"neither": 1}, "条件: 需要 all、any、not 或 field"),
])
def test_each_kind_of_bad_leaf_or_group_has_its_message(leaf, message):
    assert errors_of(leaf) == [message]


def nested(depth: int) -> dict:
    node = {"field": "member.city", "op": "is_empty"}
    for _ in range(depth):
        node = {"not": node}
    return node


def test_groups_nest_up_to_eight_levels_and_no_deeper():
    parse(nested(8))

    [error] = errors_of(nested(9))
    assert error == "not.not.not.not.not.not.not.not: 嵌套超过 8 层"


def test_custom_attributes_are_fields_while_active():
    # Given an active attribute and an inactive one, defined by an admin (no code)
    AttributeDefinition.objects.create(key="skin_type", label="肤质", type="choice", choices=["干性", "油性"])
    AttributeDefinition.objects.create(key="old", label="旧属性", type="text", is_active=False)

    # Then the active one is a field with its choices, the inactive one is unknown
    assert parse({"field": "member.attr.skin_type", "op": "eq", "value": "干性"}).field.label == "肤质"
    assert errors_of({"field": "member.attr.skin_type", "op": "eq", "value": "中性"}) == [
        "value: 取值「中性」不在可选值中：干性(干性)、油性(油性)"]
    assert errors_of({"field": "member.attr.old", "op": "eq", "value": "x"}) == ["field: 未知字段「member.attr.old」"]
