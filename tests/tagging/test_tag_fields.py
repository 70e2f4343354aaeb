"""Tagging's fields in the member condition language: `tag` has / has_not, and the values of a
variable tag — the compiled query and explain() agreeing on each."""

from datetime import date, datetime

import pytest

from members.conditions.compiler import matching_members
from members.conditions.explain import explain
from members.conditions.registry import fields
from members.conditions.tree import ConditionError, parse
from members.conditions.windows import SHANGHAI
from tagging.models import TagKind, TagMembership
from tests.members.conditions.helpers import make_member

from .helpers import a_tag

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 31)


def hold(member, tag, value=""):
    TagMembership.objects.create(member=member, tag=tag, value=value, origin_member=member,
                                 since=datetime(2026, 1, 1, tzinfo=SHANGHAI))


def matches(member, condition) -> bool:
    tree = parse(condition)
    found = matching_members(tree, AS_OF).filter(pk=member.pk).exists()
    assert explain(tree, member, AS_OF).matches is found, condition
    return found


def test_tag_has_and_has_not_are_exact_complements():
    # given a member holding "vip" and one holding nothing
    vip, plain = make_member(), make_member()
    hold(vip, a_tag("vip"))
    has = {"field": "tag", "op": "has", "value": "vip"}
    has_not = {**has, "op": "has_not"}
    # then each is in exactly one of the two sets
    assert matches(vip, has) and not matches(vip, has_not)
    assert not matches(plain, has) and matches(plain, has_not)
    assert explain(parse(has), vip, AS_OF).root.actual == {"vip"}


def test_an_unknown_tag_code_is_refused_with_its_path():
    a_tag("vip")
    with pytest.raises(ConditionError) as error:
        parse({"all": [{"field": "tag", "op": "has", "value": "nope"}]})
    assert error.value.errors[0].startswith("all[0].value: 取值「nope」不在可选值中")


def test_variable_tag_values_are_fields_with_has_and_contains():
    # given a variable tag 偏好品类 with 护肤 on one member and 彩妆 on another
    category = a_tag("fav_cat", kind=TagKind.VARIABLE, extractor="x", name="偏好品类")
    skin, makeup, nothing = make_member(), make_member(), make_member()
    hold(skin, category, "护肤"), hold(makeup, category, "彩妆")
    # then the family resolves the tag's field, for variable tags only
    assert fields.get("tag.value.fav_cat").label == "偏好品类（取值）"
    assert fields.get("tag.value.vip") is None
    # and has / has_not / contains select by value; no value holds none
    assert matches(skin, {"field": "tag.value.fav_cat", "op": "has", "value": "护肤"})
    assert not matches(makeup, {"field": "tag.value.fav_cat", "op": "has", "value": "护肤"})
    assert matches(nothing, {"field": "tag.value.fav_cat", "op": "has_not", "value": "护肤"})
    assert matches(makeup, {"field": "tag.value.fav_cat", "op": "contains", "value": "彩"})
    assert not matches(nothing, {"field": "tag.value.fav_cat", "op": "contains", "value": "彩"})
