"""Server settings for bulk writes, applied for one bench run and reset afterwards.

Bulk writes (an import, the level review) change rows spread over whole tables and their
indexes. After each checkpoint the first change of a page writes the whole page to the WAL, so
with the default budget (`max_wal_size` 1 GB, a checkpoint every 5 minutes) most of what such a
job writes could be page images. A WAL budget larger than the job and compressed page images
would cut that; the benches measure whether it matters (docs/benchmarks.md: on this machine it
did not, measurably). All are reloadable (no restart); setting them needs a superuser.
"""

from __future__ import annotations

from contextlib import contextmanager

import psycopg

BULK_SETTINGS = {"max_wal_size": "16GB", "checkpoint_timeout": "30min", "wal_compression": "lz4"}


@contextmanager
def server_settings(admin_url: str, settings: dict[str, str] | None):
    """Apply `settings` (None: leave the server as it is) with ALTER SYSTEM for the block."""
    if not settings:
        yield
        return
    with psycopg.connect(admin_url, autocommit=True) as conn:
        try:
            for name, value in settings.items():
                conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
            conn.execute("SELECT pg_reload_conf()")
            yield
        finally:
            for name in settings:
                conn.execute(f"ALTER SYSTEM RESET {name}")
            conn.execute("SELECT pg_reload_conf()")


def describe(url: str) -> str:
    """The values in force on the server at `url`, for a bench's output."""
    with psycopg.connect(url) as conn:
        return ", ".join(f"{name} = {conn.execute(f'SHOW {name}').fetchone()[0]}" for name in BULK_SETTINGS)
