"""Make a computed tag's memberships equal a desired set, set-based, writing only the differences.

Dynamic and variable tags both come down to "these (member, value) pairs should hold the tag now".
The desired rows land in a temporary table; then one statement each removes what no longer holds,
adds what is new (both with their TagChange rows) and refreshes the evidence of what stays. A
second run over unchanged data writes nothing.

Concurrency: a transaction-scoped advisory lock per tag, so two recomputes of one tag (the nightly
job and "recompute now") run one after the other; the unique constraint on (member, tag, value) is
the last line. Members gaining the tag are read FOR KEY SHARE and must still be active: a merge
holding the absorbed person's row makes the add wait, and a merged-away person is then skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection

from core.bulk_insert import array_param
from members.models import Member, MemberStatus
from tagging.models import Tag, TagChange, TagKind, TagMembership

_TAG_LOCK_NAMESPACE = 0x544147  # "TAG": the first key of the two-int advisory lock

DESIRED = "tag_desired"
SCOPE = "tag_scope"
WHY = "tag_why"  # (member_id, why jsonb) of a dynamic tag's new members: dynamic.prepare_why


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@dataclass(frozen=True)
class SyncOutcome:
    added: list[int]    # member ids that gained the tag (or a new value of it)
    removed: list[int]  # member ids that lost it (or an old value)


def lock_tag(tag: Tag) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_TAG_LOCK_NAMESPACE, tag.pk])


def fill_member_table(table: str, select_sql: str, params) -> int:
    """(Re)fill the temporary table `table` (member_id, its key; dropped at commit) with the distinct
    ids `select_sql` yields, analysed for the planner; the number of ids."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} (member_id bigint PRIMARY KEY) ON COMMIT DROP")
        cursor.execute(f"TRUNCATE {table}")
        cursor.execute(f"INSERT INTO {table} SELECT DISTINCT ids.member_id FROM ({select_sql}) ids(member_id)",
                       params)
        filled = cursor.rowcount
        if filled:
            cursor.execute(f"ANALYZE {table}")
    return filled


def load_scope(member_ids: list[int] | None) -> bool:
    """Put the members a partial refresh looks at into a temporary table; False for "everyone"."""
    if member_ids is None:
        return False
    fill_member_table(SCOPE, "SELECT unnest(%s::bigint[])", [array_param(member_ids)])
    return True


def load_desired(select_sql: str, params) -> None:
    """`select_sql` yields (member_id, value, evidence jsonb); it may use positional or named params."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {DESIRED} "
                       "(member_id bigint NOT NULL, value text NOT NULL, evidence jsonb NOT NULL) ON COMMIT DROP")
        cursor.execute(f"TRUNCATE {DESIRED}")
        cursor.execute(f"INSERT INTO {DESIRED} (member_id, value, evidence) {select_sql}", params)
        cursor.execute(f"ANALYZE {DESIRED}")


def sync_memberships(*, tag: Tag, scoped: bool, as_of: date, now: datetime, actor_label: str,
                     reason_on: str, reason_off: str, with_why: bool = False) -> SyncOutcome:
    """Apply the difference between the tag's memberships (within the scope) and the desired table.

    A dynamic tag with `keep_days` keeps a member for that many days after the condition stopped
    holding: the first such day is stored in `unmet_since`, cleared when the condition holds again.
    `with_why`: the new memberships take their leaf values from the WHY table.
    """
    why = (f"COALESCE((SELECT w.why FROM {WHY} w WHERE w.member_id = d.member_id), '{{}}')"
           if with_why else "'{}'")
    in_scope = f"AND tm.member_id IN (SELECT member_id FROM {SCOPE})" if scoped else ""
    not_desired = (f"NOT EXISTS (SELECT 1 FROM {DESIRED} d "
                   "WHERE d.member_id = tm.member_id AND d.value = tm.value)")
    keep_days = tag.keep_days if tag.kind == TagKind.DYNAMIC else 0
    rule_version = tag.rule_version if tag.kind == TagKind.DYNAMIC else None
    params = {"tag": tag.pk, "kind": tag.kind, "version": rule_version, "label": actor_label, "now": now,
              "as_of": as_of, "last_kept": as_of - timedelta(days=keep_days), "keep": keep_days,
              "active": MemberStatus.ACTIVE, "on": reason_on, "off": reason_off}
    history = f"""
        INSERT INTO {_table(TagChange)}
            (member_id, tag_id, added, kind, value, rule_version, actor_id, actor_label, reason, detail, at)
        SELECT member_id, %(tag)s, {{added}}, %(kind)s, value, %(version)s, NULL, %(label)s, {{reason}}, '{{{{}}}}', %(now)s
        FROM changed
        RETURNING member_id
    """
    remove = f"""
        WITH changed AS (
            DELETE FROM {_table(TagMembership)} tm
            WHERE tm.tag_id = %(tag)s {in_scope} AND {not_desired}
              AND (%(keep)s = 0 OR tm.unmet_since <= %(last_kept)s
                   OR NOT EXISTS (SELECT 1 FROM {_table(Member)} m WHERE m.id = tm.member_id AND m.status = %(active)s))
            RETURNING tm.member_id, tm.value
        )
        {history.format(added="FALSE", reason="%(off)s")}
    """
    add = f"""
        WITH candidates AS (
            SELECT m.id FROM {_table(Member)} m
            WHERE m.status = %(active)s AND m.id IN (
                SELECT d.member_id FROM {DESIRED} d
                WHERE NOT EXISTS (SELECT 1 FROM {_table(TagMembership)} tm
                                  WHERE tm.tag_id = %(tag)s AND tm.member_id = d.member_id AND tm.value = d.value))
            ORDER BY m.id FOR KEY SHARE
        ), changed AS (
            INSERT INTO {_table(TagMembership)}
                (member_id, tag_id, value, since, ends_on, origin_member_id, actor_id, reason,
                 rule_version, leaf_values, evidence, unmet_since)
            SELECT d.member_id, %(tag)s, d.value, %(now)s, NULL, d.member_id, NULL, %(on)s,
                   %(version)s, {why}, d.evidence, NULL
            FROM {DESIRED} d JOIN candidates c ON c.id = d.member_id
            ON CONFLICT (member_id, tag_id, value) DO NOTHING
            RETURNING member_id, value
        )
        {history.format(added="TRUE", reason="%(on)s")}
    """
    with connection.cursor() as cursor:
        cursor.execute(remove, params)
        removed = [row[0] for row in cursor.fetchall()]
        if keep_days:
            # Newly unmet: start the keep period. Met again: forget it.
            cursor.execute(f"""
                UPDATE {_table(TagMembership)} tm SET unmet_since = %(as_of)s
                WHERE tm.tag_id = %(tag)s {in_scope} AND tm.unmet_since IS NULL AND {not_desired}""", params)
        cursor.execute(f"""
            UPDATE {_table(TagMembership)} tm SET unmet_since = NULL
            WHERE tm.tag_id = %(tag)s {in_scope} AND tm.unmet_since IS NOT NULL AND NOT ({not_desired})""", params)
        cursor.execute(add, params)
        added = [row[0] for row in cursor.fetchall()]
        if tag.kind == TagKind.VARIABLE:
            # Same value, newer evidence (the amounts moved): refresh the why, no history row.
            cursor.execute(f"""
                UPDATE {_table(TagMembership)} tm SET evidence = d.evidence
                FROM {DESIRED} d
                WHERE tm.tag_id = %(tag)s AND d.member_id = tm.member_id AND d.value = tm.value
                  AND tm.evidence IS DISTINCT FROM d.evidence""", params)
    return SyncOutcome(added=added, removed=removed)
