"""Transaction-scoped locks on identifier values and order numbers.

Two imports that see the same new mobile at the same time must not both create a
person. Each key hashes to one of a fixed number of advisory-lock buckets; a transaction
takes all the buckets it needs in ascending order, so two lockers never wait on each other
in a cycle. A fixed bucket space keeps a bulk chunk of 20k rows to at most `BUCKETS`
entries in PostgreSQL's shared lock table (one lock per key would overflow it).
"""

import hashlib
from collections.abc import Iterable

from django.db import connection

from .bulk_insert import array_param

BUCKETS = 1024
_NAMESPACE = 0x4D454D  # "MEM": the first key of the two-int advisory lock, keeps clear of other users


def bucket_of(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") % BUCKETS


def lock_keys(keys: Iterable[str]) -> None:
    buckets = sorted({bucket_of(k) for k in keys})
    if not buckets:
        return
    with connection.cursor() as cursor:
        # One round trip; the ORDER BY makes the acquisition order ascending.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, b) FROM unnest(%s::int[]) AS b ORDER BY b",
            [_NAMESPACE, array_param(buckets)],
        )
