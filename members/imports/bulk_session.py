"""How an import's session runs bulk work: statistics, commits and the garbage collector."""

import gc
from contextlib import contextmanager

from django.db import connection

# The tables an import grows. PostgreSQL plans each lookup from statistics that autovacuum
# refreshes only now and then; after a large import they describe a table a tenth of its size,
# and the planner picks plans that were right for that one (measured: a re-import of a
# 1,000,000-row report took 67 s against 23 s after ANALYZE).
GROWING_TABLES = ("members_order", "members_orderline", "members_member", "members_sourceprofile",
                  "members_identity")


def refresh_statistics() -> None:
    """ANALYZE those of the tables an import grows that changed by a fifth since their last ANALYZE.

    Called at doubling chunk counts and at the end, so the statistics stay within a small
    factor of the truth while a table grows from empty; a re-import changes nothing, so it
    analyzes nothing.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) "
            "AND n_mod_since_analyze > 1000 + 0.2 * n_live_tup", [list(GROWING_TABLES)])
        stale = [name for (name,) in cursor.fetchall()]
        if stale:
            cursor.execute(f"ANALYZE {', '.join(stale)}")


def commit_without_flush_wait() -> None:
    """Let PostgreSQL acknowledge this chunk's commit before its WAL reaches the disk.

    A chunk commits together with the batch's resume point, so the worst a server crash can
    do is forget the last fraction of a second of chunks — and the resume point with them:
    resuming imports those rows again. Nothing is half-applied, and the import stops waiting
    for a disk flush per chunk.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO off")


@contextmanager
def collector_paused():
    """Parsing and writing allocate millions of short-lived objects; Python's cyclic collector
    would walk the whole heap again and again (a quarter of the run time at 50k rows, growing
    with the file). Reference counting frees them anyway; the caller collects fully now and then."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield gc.collect
    finally:
        if enabled:
            gc.enable()
