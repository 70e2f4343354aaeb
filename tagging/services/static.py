"""Put static tags (手动标签) on members and take them off: one member or many, set-based.

Each write is one statement: INSERT … SELECT … ON CONFLICT DO NOTHING (or DELETE) whose
RETURNING feeds the history insert, so only real changes leave a TagChange row, re-applying
is a no-op, and two applies at once never duplicate a membership (the unique constraint).
Members are read FOR KEY SHARE: an apply waits for a merge holding the person's row (and the
merge for the apply), so a merged-away person never ends up holding a tag.
"""

import json
from collections.abc import Iterable
from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone

from core.bulk_insert import array_param
from members.models import Member, MemberStatus
from tagging.hooks import tags_changed
from tagging.models import Tag, TagChange, TagKind, TagMembership

from .errors import TaggingError

EXPIRY_JOB = "job:expire_static_tags"


def check_may_apply(actor, tag: Tag) -> None:
    """Refuse a tag that is not a usable static tag, or an actor who may not apply it.

    `actor` None is the system (a command, a job). Operators and admins hold
    tagging.apply_static_tags; guides hold tagging.apply_guide_tags, which covers only the
    tags marked 导购可用.
    """
    if tag.kind != TagKind.STATIC:
        raise TaggingError(f"标签「{tag.name}」是{tag.get_kind_display()}，由系统计算，不能手动打上或取下。")
    if not tag.active:
        raise TaggingError(f"标签「{tag.name}」已停用，不能打上或取下。")
    if actor is None or actor.has_perm("tagging.apply_static_tags"):
        return
    if tag.guide_usable and actor.has_perm("tagging.apply_guide_tags"):
        return
    raise TaggingError(f"您没有为会员打上或取下标签「{tag.name}」的权限。")


def _actor_label(actor, label: str) -> str:
    return actor.get_username() if actor is not None else label


def _ids(member_ids: Iterable[int]) -> list[int]:
    return sorted({int(pk) for pk in member_ids})


def _quoted(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@transaction.atomic
def put_on(*, tag: Tag, member_ids: Iterable[int], actor=None, actor_label: str = "system", reason: str = "",
           ends_on: date | None = None, now: datetime | None = None) -> int:
    """Give the static tag to each active member who lacks it; returns how many got it.

    Members who hold it already keep their membership as it is (its date, reason, end date).
    """
    check_may_apply(actor, tag)
    ids = _ids(member_ids)
    if not ids:
        return 0
    now = now or timezone.now()
    actor_id, label = (actor.pk if actor else None), _actor_label(actor, actor_label)
    sql = f"""
        WITH added AS (
            INSERT INTO {_quoted(TagMembership)}
                (member_id, tag_id, value, since, ends_on, origin_member_id, actor_id, reason,
                 rule_version, leaf_values, evidence)
            SELECT m.id, %(tag)s, '', %(now)s, %(ends_on)s, m.id, %(actor)s, %(reason)s, NULL, '{{}}', '{{}}'
            FROM (SELECT id FROM {_quoted(Member)} WHERE id = ANY(%(ids)s::bigint[]) AND status = %(active)s
                  ORDER BY id FOR KEY SHARE) m
            ON CONFLICT (member_id, tag_id, value) DO NOTHING
            RETURNING member_id
        )
        INSERT INTO {_quoted(TagChange)}
            (member_id, tag_id, added, kind, value, rule_version, actor_id, actor_label, reason, detail, at)
        SELECT member_id, %(tag)s, TRUE, %(kind)s, '', NULL, %(actor)s, %(label)s, %(reason)s, %(detail)s, %(now)s
        FROM added
        RETURNING member_id, tag_id
    """
    detail = json.dumps({"ends_on": ends_on.isoformat()} if ends_on else {})
    with connection.cursor() as cursor:
        cursor.execute(sql, {"tag": tag.pk, "now": now, "ends_on": ends_on, "actor": actor_id, "reason": reason,
                             "ids": array_param(ids), "active": MemberStatus.ACTIVE, "kind": TagKind.STATIC,
                             "label": label, "detail": detail})
        return _announce(cursor.fetchall())


def _announce(changed: list[tuple[int, int]]) -> int:
    """Tell higher apps (after commit) which members' tags changed; returns how many changes."""
    tags_changed.send_on_commit(member_ids=[m for m, _ in changed], tag_ids=[t for _, t in changed])
    return len(changed)


def _take_off(*, where: str, params: dict, actor, label: str, reason: str,
              now: datetime) -> int:
    """DELETE the static memberships matching `where` and write one history row for each."""
    sql = f"""
        WITH removed AS (
            DELETE FROM {_quoted(TagMembership)} tm
            USING {_quoted(Tag)} t
            WHERE t.id = tm.tag_id AND t.kind = %(kind)s AND {where}
            RETURNING tm.member_id, tm.tag_id, tm.value
        )
        INSERT INTO {_quoted(TagChange)}
            (member_id, tag_id, added, kind, value, rule_version, actor_id, actor_label, reason, detail, at)
        SELECT member_id, tag_id, FALSE, %(kind)s, value, NULL, %(actor)s, %(label)s, %(reason)s, '{{}}', %(now)s
        FROM removed
        RETURNING member_id, tag_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "kind": TagKind.STATIC, "actor": actor.pk if actor else None,
                             "label": label, "reason": reason, "now": now})
        return _announce(cursor.fetchall())


@transaction.atomic
def take_off(*, tag: Tag, member_ids: Iterable[int], actor=None, actor_label: str = "system", reason: str = "",
             now: datetime | None = None) -> int:
    """Take the static tag off each member who holds it; returns how many lost it."""
    check_may_apply(actor, tag)
    ids = _ids(member_ids)
    if not ids:
        return 0
    return _take_off(where="tm.tag_id = %(tag)s AND tm.member_id = ANY(%(ids)s::bigint[])",
                     params={"tag": tag.pk, "ids": array_param(ids)}, actor=actor,
                     label=_actor_label(actor, actor_label), reason=reason, now=now or timezone.now())


@transaction.atomic
def expire_static_tags(*, today: date | None = None, now: datetime | None = None) -> int:
    """Take off every static tag whose end date has passed (the end date itself still holds it)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    return _take_off(where="tm.ends_on < %(today)s", params={"today": today}, actor=None,
                     label=EXPIRY_JOB, reason="到期自动取下", now=now)
