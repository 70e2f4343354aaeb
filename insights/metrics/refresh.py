"""Write member metrics: for everyone (the nightly run) or for given members (after their orders,
points or levels changed, or a merge).

Set-based, in one transaction: the figures go into a temporary table (one SELECT, figures.py), then
one statement deletes the rows of people who are no longer active members (merged away, erased),
and one upsert writes only the rows whose figures differ — so a second run for the same date writes
nothing, and a new day rewrites only the members whose windows moved.

The nightly run and a members' refresh take one advisory lock: a refresh committed while the
nightly SELECT ran could otherwise be overwritten by the older figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction

from members.conditions.compiler import tune_transaction_for_conditions
from members.conditions.windows import shanghai_today

from ..models import MemberMetrics
from .figures import COLUMNS, metrics_select

_LOCK = (0x494E53, 1)  # "INS", 1: member metrics
FRESH = "insights_metrics_fresh"


@dataclass(frozen=True)
class MetricsWritten:
    as_of: date
    members: int  # active members the run looked at
    inserted: int
    updated: int
    deleted: int

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.deleted

    def as_counts(self) -> dict:
        return {"members": self.members, "inserted": self.inserted, "updated": self.updated, "deleted": self.deleted}


def refresh_all_metrics(as_of: date | None = None) -> MetricsWritten:
    return _refresh(as_of or shanghai_today(), member_ids=None)


def refresh_member_metrics(member_ids, as_of: date | None = None) -> MetricsWritten:
    """The rows of these members (any status: a merged-away member's row is removed)."""
    ids = sorted({int(pk) for pk in member_ids if pk})
    if not ids:
        return MetricsWritten(as_of or shanghai_today(), 0, 0, 0, 0)
    return _refresh(as_of or shanghai_today(), member_ids=ids)


@transaction.atomic
def _refresh(as_of: date, *, member_ids: list[int] | None) -> MetricsWritten:
    table = MemberMetrics._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", _LOCK)
        tune_transaction_for_conditions()
        select, params = metrics_select(as_of, members="%(ids)s::bigint[]" if member_ids is not None else None)
        cursor.execute(f"DROP TABLE IF EXISTS {FRESH}")
        cursor.execute(f"CREATE TEMP TABLE {FRESH} ON COMMIT DROP AS {select}", {**params, "ids": member_ids})
        members = cursor.rowcount
        cursor.execute(f"ANALYZE {FRESH}")

        scope = "" if member_ids is None else "m.member_id = ANY(%(ids)s::bigint[]) AND"
        cursor.execute(f"DELETE FROM {table} m WHERE {scope} NOT EXISTS "
                       f"(SELECT 1 FROM {FRESH} f WHERE f.member_id = m.member_id)", {"ids": member_ids})
        deleted = cursor.rowcount

        values = [c for c in COLUMNS if c != "member_id"]
        compared = [c for c in values if c != "as_of"]  # a new date alone is no change worth a write
        cursor.execute(f"""
            WITH written AS (INSERT INTO {table} ({", ".join(COLUMNS)}, refreshed_at)
            SELECT {", ".join(COLUMNS)}, now() FROM {FRESH}
            ON CONFLICT (member_id) DO UPDATE SET
                {", ".join(f"{c} = EXCLUDED.{c}" for c in values)}, refreshed_at = now()
            WHERE ({", ".join(f"{table}.{c}" for c in compared)})
                  IS DISTINCT FROM ({", ".join(f"EXCLUDED.{c}" for c in compared)})
            RETURNING (xmax = 0) AS inserted)
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written""")
        inserted, updated = cursor.fetchone()
        if member_ids is None and inserted + updated + deleted:
            cursor.execute(f"ANALYZE {table}")  # segment counts plan on these statistics
    return MetricsWritten(as_of, members, inserted, updated, deleted)
