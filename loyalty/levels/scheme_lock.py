"""Who may change a scheme's level rows while its daily review runs.

The review rewrites up to 100,000 level rows per transaction. Locking them row by row first, as
the other writers do (in id order), would write every row twice. Instead, a review chunk holds
the scheme's lock exclusively, and every other writer of the scheme's existing level rows holds it
shared before it locks any of them: `_lock_levels` (real-time upgrades), manual levels, merge and
unmerge. Nothing else writes existing level rows; the admin's row page is read-only. Shared holders
run side by side, kept apart by their row locks.

While a chunk holds the lock, no other writer holds a row lock on the scheme's level rows. So the
chunk's reads stay valid until its UPDATE, and that UPDATE cannot deadlock with a writer over those
rows, in whatever order it visits them.

The cost is waiting: a chunk waits for the shared holders to commit (import chunks, orders, earns
that raised a level). Meanwhile, and for the chunk's own 1–2 seconds, new writers of the scheme's
levels queue behind it, since PostgreSQL queues a shared request behind a waiting exclusive one.
The review runs once a day.

Transaction-level advisory locks: call it inside a transaction, the lock is released at the
transaction's end.
"""

from __future__ import annotations

from django.db import connection

_NAMESPACE = 0x4C56  # first key of the two-key advisory lock: "LV", level schemes; the second is the scheme id


def hold_scheme(scheme_id: int, *, exclusive: bool = False) -> None:
    # Outside a transaction the lock would end with the statement and guard nothing.
    assert connection.in_atomic_block, "hold_scheme needs a transaction"
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [_NAMESPACE, scheme_id])
