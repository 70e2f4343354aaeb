"""Who may change a scheme's level rows while its daily review runs.

The review rewrites up to 100,000 level rows per transaction. Locking them row by row first, as
the other writers do (in id order), would write every row twice. Instead, a review chunk holds
the scheme's lock exclusively, and every other writer of the scheme's existing level rows holds it
shared before it locks any of them (`_lock_levels`, manual levels, merge, unmerge). Shared holders
run side by side, kept apart by their row locks. The review waits for them to commit, and they
wait for its chunk. While a chunk holds the lock, no other transaction holds a row lock on the
scheme's levels. So the chunk reads committed rows, and its UPDATE cannot deadlock, in whatever
order it visits the rows.

Transaction-level advisory locks, PostgreSQL only: elsewhere (SQLite, one writer at a time) this
is a no-op, and the review's Python path row-locks as before. Call inside a transaction; the lock
is released at its end.
"""

from __future__ import annotations

from django.db import connection

_NAMESPACE = 0x4C56  # first key of the two-key advisory lock: "LV", level schemes; the second is the scheme id


def hold_scheme(scheme_id: int, *, exclusive: bool = False) -> None:
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [_NAMESPACE, scheme_id])
