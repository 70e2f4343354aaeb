"""The fast path of the two hot operations: one round trip each (loyalty/services/fast_sql.py).

earn: the process keeps the active account types in memory and passes, per type, the lot's
availability and expiry computed in Python by the same policy functions as the ORM path; the
function checks that the type's settings still match (a signature) and otherwise answers 'stale'
(the cache is reloaded once). redeem: the function locks, checks that nothing needs catching up and
draws nearest expiry first. Anything else answers 'fallback' and the ORM services take over inside
a transaction, so the rules for the unusual cases live in one place.
"""

from __future__ import annotations

import threading
from datetime import datetime

from django.db import connection
from django.utils import timezone

from loyalty.calendar import local_date
from loyalty.models import EntryKind, LedgerEntry, PointsAccountType
from loyalty.policies import available_at_for, expires_at_for

from .fast_sql import TYPE_SIGNATURE

TYPE_FIELDS = ("name", "active", "expiry_policy", "expiry_days", "clearing_month", "clearing_day",
               "clearing_keep_years", "fixed_expiry_date", "pending_days", "allow_negative")

_types: dict[int, tuple[str, PointsAccountType]] = {}
_arrays: dict[tuple, tuple[str, str, str, str]] = {}
_lock = threading.Lock()


def _active_types(refresh: bool) -> dict[int, tuple[str, PointsAccountType]]:
    global _types
    with _lock:
        if refresh or not _types:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT t.id, {TYPE_SIGNATURE}, {', '.join('t.' + f for f in TYPE_FIELDS)} "
                               "FROM loyalty_pointsaccounttype t WHERE t.active")
                _types = {row[0]: (row[1], PointsAccountType(pk=row[0], **dict(zip(TYPE_FIELDS, row[2:], strict=True))))
                          for row in cursor.fetchall()}
            _arrays.clear()
        return _types


def _literal(values) -> str:
    return "{" + ",".join("NULL" if v is None else f'"{v}"' for v in values) + "}"


def _type_arrays(occurred_at: datetime, pending_days, refresh: bool) -> tuple[str, str, str, str]:
    """Per active type: id, settings signature, available_at and expires_at of a lot earned at
    `occurred_at` — as array literals. They depend only on the Asia/Shanghai day of the earn (every
    policy is day-based), so they are cached per day."""
    types = _active_types(refresh)
    key = (local_date(occurred_at), pending_days)
    cached = _arrays.get(key)
    if cached is None:
        ids, signatures, available, expires = [], [], [], []
        for type_id, (signature, account_type) in types.items():
            days = account_type.pending_days if pending_days is None else pending_days
            ids.append(type_id)
            signatures.append(signature)
            available.append(_iso(available_at_for(occurred_at, days)))
            expires.append(_iso(expires_at_for(account_type, occurred_at)))
        cached = (_literal(ids), _literal(signatures), _literal(available), _literal(expires))
        with _lock:
            if len(_arrays) > 1000:
                _arrays.clear()
            _arrays[key] = cached
    return cached


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def earn(*, account_id: int, points: int, occurred_at: datetime, key: str, order_id, rule_id, pending_days,
         reason: str, actor_id, actor_label: str, now: datetime) -> LedgerEntry | None:
    """The written entry, or None: the ORM path decides (debt, merged, replay, unknown or inactive type)."""
    reason, actor_label = reason[:255], actor_label[:64]
    for refresh in (False, True):
        ids, signatures, available, expires = _type_arrays(occurred_at, pending_days, refresh)
        created = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT status, entry_id, is_pending FROM loyalty_fast_earn(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
                "%s::bigint[], %s::text[], %s::timestamptz[], %s::timestamptz[])",
                [account_id, points, occurred_at, key, order_id, rule_id, reason, actor_id, actor_label, created, now,
                 ids, signatures, available, expires],
            )
            status, entry_id, is_pending = cursor.fetchone()
        if status == "written":
            return LedgerEntry(
                pk=entry_id, account_id=account_id, kind=EntryKind.EARN, amount=0 if is_pending else points,
                pending_delta=points if is_pending else 0, lifetime_delta=points, order_id=order_id, rule_id=rule_id,
                idempotency_key=key, reason=reason, actor_id=actor_id, actor_label=actor_label,
                occurred_at=occurred_at, created_at=created,
            )
        if status != "stale":
            return None
    return None


def redeem(*, account_id: int, points: int, key: str, reason: str, actor_id, actor_label: str,
           now: datetime) -> LedgerEntry | None:
    """The written entry, or None: the ORM path decides (replay, catch-up due, not enough, merged)."""
    reason, actor_label, created = reason[:255], actor_label[:64], timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, entry_id FROM loyalty_fast_redeem(%s, %s, %s, %s, %s, %s, %s, %s)",
                       [account_id, points, key, reason, actor_id, actor_label, now, created])
        status, entry_id = cursor.fetchone()
    if status != "written":
        return None
    return LedgerEntry(
        pk=entry_id, account_id=account_id, kind=EntryKind.REDEEM, amount=-points, pending_delta=0, lifetime_delta=0,
        idempotency_key=key, reason=reason, actor_id=actor_id, actor_label=actor_label, occurred_at=now,
        created_at=created,
    )
