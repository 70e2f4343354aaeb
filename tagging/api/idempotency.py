"""Idempotency-Key for putting static tags on and taking them off (TagApiRequest).

The first request with a key stores its fingerprint and outcome in the same transaction as its
writes; a retry finds it and gets the same answer without writing; the same key with another body
(another tag, members, reason or direction) is a conflict. Keys belong to the caller, as redemption
keys belong to an account. The view holds the tag row locked while it looks up and writes, so two
retries at once run one after the other; the unique (caller, key) constraint catches the same key
sent for two tags at once.
"""

import hashlib
import json
from dataclasses import dataclass

from tagging.models import Tag, TagApiRequest, TagChange


class IdempotencyConflict(Exception):
    """The key was used by this caller for another request (message in Chinese)."""


@dataclass(frozen=True)
class Outcome:
    requested: int
    changed_member_ids: list[int]
    replayed: bool


def fingerprint(request: dict) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


def conflict(key: str) -> IdempotencyConflict:
    return IdempotencyConflict(f"幂等键「{key}」已用于另一个不同的请求，请换一个新的键。")


def find_replay(*, tag: Tag, actor, key: str, request: str) -> Outcome | None:
    """The outcome of the earlier request with this key, or None; raises IdempotencyConflict."""
    earlier = TagApiRequest.objects.filter(actor=actor, key=key).first()
    if earlier is None:
        return None
    if earlier.fingerprint != request or earlier.tag_id != tag.pk:
        raise conflict(key)
    return Outcome(requested=earlier.requested, changed_member_ids=earlier.changed_member_ids, replayed=True)


def record(*, tag: Tag, actor, added: bool, at, key: str, request: str, requested: int) -> Outcome:
    """Store this request's outcome: the members whose history rows it just wrote (its tag, actor,
    direction and exact time)."""
    changed = sorted(TagChange.objects.filter(tag=tag, actor=actor, added=added, at=at)
                     .values_list("member_id", flat=True))
    TagApiRequest.objects.create(actor=actor, key=key, tag=tag, added=added, fingerprint=request,
                                 requested=requested, changed_member_ids=changed)
    return Outcome(requested=requested, changed_member_ids=changed, replayed=False)
