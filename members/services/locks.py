"""Transaction-scoped locks on identifier values.

Two imports that see the same new mobile at the same time must not both create a
person. On PostgreSQL each (kind, value) maps to an advisory lock taken in sorted
order (no deadlocks between resolvers); SQLite already serializes writers.
"""

import hashlib
from collections.abc import Iterable

from django.db import connection


def _lock_id(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def lock_keys(keys: Iterable[str]) -> None:
    if connection.vendor != "postgresql":
        return
    ids = sorted({_lock_id(k) for k in keys})
    with connection.cursor() as cursor:
        for lock_id in ids:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])
