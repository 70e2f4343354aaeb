"""What a dynamic tag (动态标签) wants: the members meeting its condition, and for those about to get it,
the value of each leaf at that moment (the "why" frozen with the rule version).

Both are compiled by the member condition language, so the tag, a segment and `count` agree. The
why is computed for the new members only, set-based, and written with their membership rows.
"""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.db.models import BooleanField, Case, ExpressionWrapper, JSONField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, JSONObject

from members.conditions.compiler import active_members, leaf_context, matching_members
from members.conditions.operators import leaf_sql, value_sql
from members.conditions.registry import FieldType
from members.conditions.tree import Group, Leaf, parse
from tagging.models import Tag, TagMembership

from .syncing import DESIRED, SCOPE, WHY, fill_member_table

NEW_MEMBERS = "tag_new_members"  # the desired members not holding the tag yet


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


def _passed(leaf: Leaf, as_of: date, within):
    """The leaf compiled as for a refresh limited to `within`: one aggregate over the new members'
    rows, hashed, rather than a second correlated read per member."""
    return ExpressionWrapper(leaf_sql(leaf.field, leaf.op, leaf.value, leaf_context(leaf, as_of, within)),
                             output_field=BooleanField())


def prepare_why(*, tag: Tag, tree: Group | Leaf, as_of: date) -> bool:
    """Before the memberships are written: {leaf path: {"actual": value, "passed": bool}} for each
    desired member who does not hold the tag yet, into the temporary table WHY, which the INSERT of
    the new memberships reads (syncing.sync_memberships) — so each why is written once, with its row.
    False when nobody is new (the steady state): no WHY table, nothing computed."""
    memberships = connection.ops.quote_name(TagMembership._meta.db_table)
    newcomers = fill_member_table(NEW_MEMBERS, f"""
        SELECT d.member_id FROM {DESIRED} d
        WHERE NOT EXISTS (SELECT 1 FROM {memberships} tm WHERE tm.tag_id = %s AND tm.member_id = d.member_id)""",
                                  [tag.pk])
    if not newcomers:
        return False
    within = RawSQL(f"SELECT member_id FROM {NEW_MEMBERS}", [])
    leaves = {leaf.path or "条件": JSONObject(actual=_leaf_value(leaf, as_of), passed=_passed(leaf, as_of, within))
              for leaf in _leaves(tree)}
    snapshot = Cast(JSONObject(**leaves), JSONField()) if leaves else Value("{}")
    rows = active_members().filter(pk__in=within).order_by().annotate(snapshot=snapshot).values_list("pk", "snapshot")
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {WHY}")  # a second tag in the same transaction
        cursor.execute(f"CREATE TEMP TABLE {WHY} ON COMMIT DROP AS "
                       f"SELECT s.member_id, s.why::jsonb AS why FROM ({sql}) s(member_id, why)", params)
        cursor.execute(f"ALTER TABLE {WHY} ADD PRIMARY KEY (member_id)")
    return True


def parsed_condition(tag: Tag) -> Group | Leaf:
    return parse(tag.condition)
