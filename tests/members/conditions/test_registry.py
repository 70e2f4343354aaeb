"""The field registry: fields by key, families resolved on demand, and a field that lacks the SQL
its type needs refused when it is declared, not when a condition first uses it."""

import pytest
from django.db.models import F, Q

from members.conditions.registry import Field, FieldRegistry, FieldType
from members.conditions.registry import fields as default_fields


def text_field(key: str) -> Field:
    return Field(key=key, label=key, type=FieldType.TEXT, value_sql=lambda ctx: F("city"),
                 read=lambda member, ctx: member.city)


def test_fields_by_key_and_families_by_prefix():
    registry = FieldRegistry()
    registry.register(text_field("a.one"))
    registry.register(text_field("a.one"))  # a ready() that runs again replaces, never duplicates
    registry.register_family("fam.", lambda suffix: text_field(f"fam.{suffix}") if suffix == "x" else None,
                             lambda: [text_field("fam.x")])

    assert registry.get("a.one").key == "a.one"
    assert registry.get("fam.x").key == "fam.x"
    assert registry.get("fam.y") is None and registry.get("fam.") is None and registry.get("b") is None
    assert [f.key for f in registry.all()] == ["a.one", "fam.x"]


def test_a_field_without_the_sql_its_type_needs_is_refused():
    with pytest.raises(TypeError, match="needs value_sql"):
        Field(key="k", label="k", type=FieldType.NUMBER, read=lambda m, c: None)
    with pytest.raises(TypeError, match="needs has_sql"):
        Field(key="k", label="k", type=FieldType.SET, read=lambda m, c: set(), true_sql=lambda c: Q())
    with pytest.raises(TypeError, match="needs contains_sql"):
        Field(key="k", label="k", type=FieldType.SET, read=lambda m, c: set(), has_sql=lambda c, v: Q(),
              extra_operators=("contains",))


def test_operators_default_by_type_and_fields_may_add_their_own():
    assert text_field("t").allowed_operators == ("eq", "ne", "in", "not_in", "contains", "is_empty", "is_not_empty")
    assert "birthday_within_days" in default_fields.get("member.birthday").allowed_operators
    assert "birthday_within_days" not in default_fields.get("member.registered_at").allowed_operators


@pytest.mark.django_db
def test_members_registers_its_profile_fields_at_start_up():
    assert {"member.gender", "member.age", "member.birthday", "member.province", "member.city", "member.district",
            "member.registered_channel", "member.registered_at", "member.home_store", "member.has_mobile",
            "member.sms_consent", "member.channel_accounts"} <= {f.key for f in default_fields.all()}
