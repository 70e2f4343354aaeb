"""What a dynamic tag (动态标签) wants: the members meeting its condition, and for those who just got it,
the value of each leaf at that moment (the "why" frozen with the rule version).

Both are compiled by the member condition language, so the tag, a segment and `count` agree. The
snapshot is computed for the members that changed only, in one UPDATE … FROM over their rows.
"""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.db.models import BooleanField, Case, ExpressionWrapper, JSONField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, JSONObject

from core.bulk_insert import array_param
from members.conditions.compiler import active_members, leaf_context, matching_members
from members.conditions.operators import leaf_sql, row_leaf_sql, value_sql
from members.conditions.registry import FieldType
from members.conditions.tree import Group, Leaf, parse
from tagging.models import Tag, TagMembership

from .syncing import SCOPE


def desired_sql(tree: Group | Leaf, as_of: date, scoped: bool) -> tuple[str, tuple]:
    """SELECT member_id, '' AS value, '{}' AS evidence for every member meeting the condition."""
    members = matching_members(tree, as_of, within=RawSQL(f"SELECT member_id FROM {SCOPE}", []) if scoped else None)
    members = members.order_by().annotate(tag_value=Value(""), tag_evidence=Value("{}"))
    sql, params = members.values_list("pk", "tag_value", "tag_evidence").query.sql_with_params()
    return f"SELECT s.member_id, s.value, s.evidence::jsonb FROM ({sql}) s(member_id, value, evidence)", params


def _leaves(node: Group | Leaf) -> list[Leaf]:
    if isinstance(node, Leaf):
        return [node]
    return [leaf for child in node.children for leaf in _leaves(child)]


def _leaf_value(leaf: Leaf, as_of: date):
    """The member's value of one leaf as SQL: the field's own value where it has one, and for
    boolean and set fields whether the leaf holds (a set is "holds 金卡: true")."""
    ctx = leaf_context(leaf, as_of)
    field = leaf.field
    if field.type in (FieldType.BOOLEAN, FieldType.SET):
        return Case(When(leaf_sql(field, leaf.op, leaf.value, ctx), then=Value(True)), default=Value(False),
                    output_field=BooleanField())
    return value_sql(field, ctx)


def _passed(leaf: Leaf, as_of: date):
    return ExpressionWrapper(row_leaf_sql(leaf.field, leaf.op, leaf.value, leaf_context(leaf, as_of)),
                             output_field=BooleanField())


def snapshot_leaf_values(*, tag: Tag, tree: Group | Leaf, member_ids: list[int], as_of: date) -> None:
    """Store {leaf path: {"actual": value, "passed": bool}} on the members who just got the tag."""
    if not member_ids:
        return
    leaves = {leaf.path or "条件": JSONObject(actual=_leaf_value(leaf, as_of), passed=_passed(leaf, as_of))
              for leaf in _leaves(tree)}
    snapshot = Cast(JSONObject(**leaves), JSONField()) if leaves else Value("{}")
    rows = active_members().filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [array_param(member_ids)])) \
        .order_by().annotate(snapshot=snapshot).values_list("pk", "snapshot")
    sql, params = rows.query.sql_with_params()
    table = connection.ops.quote_name(TagMembership._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"""
            UPDATE {table} tm SET leaf_values = s.snapshot::jsonb
            FROM ({sql}) s(member_id, snapshot)
            WHERE tm.tag_id = %s AND tm.member_id = s.member_id""", (*params, tag.pk))


def parsed_condition(tag: Tag) -> Group | Leaf:
    return parse(tag.condition)
