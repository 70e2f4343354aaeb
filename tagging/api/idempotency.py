"""Idempotency-Key for putting static tags on and taking them off, kept on the history rows.

There is no generic idempotency table: the key and a fingerprint of the request are stamped into the
`detail` of the TagChange rows the request wrote, in the same transaction (nobody has seen the rows
yet). A retry finds them and gets the same answer without writing; the same key with another body is
a conflict. Keys are scoped to the caller and the tag (as redemption keys are to an account) and
looked up for KEY_DAYS days through the (tag, at) index. The view holds the tag row locked while it
looks up and writes, so two retries at once cannot both run.

Limit: a request that changed nothing (everyone already had the tag) leaves no row, so its retry
runs again — a no-op again unless someone changed those members' tags in between — and reusing its
key for another body is not detected.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection

from tagging.models import Tag, TagChange

KEY_DAYS = 7


class IdempotencyConflict(Exception):
    """The key was used by this caller for another request on this tag (message in Chinese)."""


@dataclass(frozen=True)
class Outcome:
    requested: int
    changed_member_ids: list[int]
    replayed: bool


def fingerprint(request: dict) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


def find_replay(*, tag: Tag, actor, key: str, request: str, now: datetime) -> Outcome | None:
    """The outcome of the earlier request with this key, or None; raises IdempotencyConflict."""
    rows = list(TagChange.objects.filter(tag=tag, actor=actor, at__gte=now - timedelta(days=KEY_DAYS),
                                         detail__idempotency_key=key).values_list("member_id", "detail"))
    if not rows:
        return None
    stamp = rows[0][1]
    if stamp.get("request") != request:
        raise IdempotencyConflict(f"幂等键「{key}」已用于另一个不同的请求（标签「{tag.name}」），请换一个新的键。")
    return Outcome(requested=stamp["requested"], changed_member_ids=sorted(m for m, _ in rows), replayed=True)


def stamp_changes(*, tag: Tag, actor, added: bool, at: datetime, key: str, request: str,
                  requested: int) -> Outcome:
    """Mark the rows this request just wrote (its tag, actor, direction and exact time) with the key."""
    stamp = json.dumps({"idempotency_key": key, "request": request, "requested": requested})
    table = connection.ops.quote_name(TagChange._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET detail = detail || %s::jsonb"
            " WHERE tag_id = %s AND actor_id = %s AND added = %s AND at = %s RETURNING member_id",
            [stamp, tag.pk, actor.pk, added, at],
        )
        changed = sorted(row[0] for row in cursor.fetchall())
    return Outcome(requested=requested, changed_member_ids=changed, replayed=False)
