"""The nightly refresh of the dashboard aggregates (insights/models/dashboards.py), set-based.

Each aggregate is one SELECT (sql.py) computed whole into a temporary table; then one DELETE removes
the rows in the refresh's scope that the SELECT no longer gives, and one upsert writes only the rows
whose figures differ. Per-day tables are recomputed for every date up to the refresh date (a late
import, refund or merge changes past days; the whole GROUP BY costs about what one pass over the
orders costs — bench/dashboard.py), snapshots for the refresh date alone. A second run for the same
date writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction

from loyalty.models import AccountStatus
from members.conditions.compiler import tune_transaction_for_conditions
from members.conditions.windows import start_of_day
from members.models import MemberStatus
from members.models.choices import PAID_STATUSES

from ..models import (
    LevelSnapshot,
    MemberSnapshot,
    NewMembersDay,
    PointsDay,
    PointsSnapshot,
    SalesDay,
    TierMoveSnapshot,
    TierSnapshot,
)
from . import sql

_LOCK = (0x494E53, 2)  # "INS", 2: the dashboards (1 is the metrics; 1000 + id a value model)
FRESH = "insights_dashboard_fresh"
PLACE = ("channel", "province", "city", "store_id")


@dataclass(frozen=True)
class Aggregate:
    model: type
    keys: tuple[str, ...]  # columns before the place, then the place, then `figures`: the SELECT's order
    figures: tuple[str, ...]
    select: str
    per_day: bool  # True: rows for every day up to the refresh date; False: a snapshot of that date

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.keys, *PLACE, *self.figures)

    @property
    def scope(self) -> str:
        return "t.day <= %(as_of)s" if self.per_day else "t.as_of = %(as_of)s"


AGGREGATES = (
    Aggregate(SalesDay, ("day",), ("orders", "paid", "refunded"), sql.SALES, per_day=True),
    Aggregate(NewMembersDay, ("day",), ("members",), sql.NEW_MEMBERS, per_day=True),
    Aggregate(PointsDay, ("day", "account_type_id"), ("issued", "redeemed", "expired"), sql.POINTS, per_day=True),
    Aggregate(MemberSnapshot, ("as_of",), ("members", "active", "buyers", "repeat_buyers"), sql.MEMBERS,
              per_day=False),
    Aggregate(PointsSnapshot, ("as_of", "account_type_id"), ("accounts", "outstanding"), sql.POINTS_OUTSTANDING,
              per_day=False),
    Aggregate(LevelSnapshot, ("as_of", "level_id"), ("members",), sql.LEVELS, per_day=False),
    Aggregate(TierSnapshot, ("as_of", "model_id", "tier"), ("members", "spend"), sql.TIERS, per_day=False),
    Aggregate(TierMoveSnapshot, ("as_of", "model_id", "from_tier", "to_tier"), ("members",), sql.TIER_MOVES,
              per_day=False),
)


def parameters(as_of: date) -> dict:
    return {"as_of": as_of, "until": start_of_day(as_of + timedelta(days=1)),
            "paid_statuses": [str(s) for s in PAID_STATUSES], "active": str(MemberStatus.ACTIVE),
            "account_active": str(AccountStatus.ACTIVE)}


@transaction.atomic
def refresh_dashboard_aggregates(as_of: date) -> dict:
    """Every aggregate as of the business date; returns the rows written (inserted, updated or
    deleted) per table — no total beside them: the nightly job sums its steps' counts itself."""
    counts = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", _LOCK)
        tune_transaction_for_conditions()
        params = parameters(as_of)
        for aggregate in AGGREGATES:
            counts[aggregate.model._meta.model_name] = written = _sync(cursor, aggregate, params)
            if written:
                # Fresh statistics for the page's plans: on stale ones (a few rows estimated for 200k)
                # PostgreSQL chose a nested loop and a sort spilled to disk — 1.2 s for one chart.
                cursor.execute(f"ANALYZE {aggregate.model._meta.db_table}")
    return counts


def _sync(cursor, aggregate: Aggregate, params: dict) -> int:
    table = aggregate.model._meta.db_table
    cursor.execute(f"DROP TABLE IF EXISTS {FRESH}")
    cursor.execute(f"CREATE TEMP TABLE {FRESH} ON COMMIT DROP AS {aggregate.select}", params)
    cursor.execute(f"ANALYZE {FRESH}")

    # "No store" is NULL: coalesce it to 0 (never an id) so the anti-join can hash.
    same_key = " AND ".join(f"coalesce(f.{c}, 0) = coalesce(t.{c}, 0)" if c == "store_id" else f"f.{c} = t.{c}"
                            for c in (*aggregate.keys, *PLACE))
    cursor.execute(f"DELETE FROM {table} t WHERE {aggregate.scope} "
                   f"AND NOT EXISTS (SELECT 1 FROM {FRESH} f WHERE {same_key})", params)
    deleted = cursor.rowcount

    columns = ", ".join(aggregate.columns)
    figures = aggregate.figures
    cursor.execute(f"""
        INSERT INTO {table} ({columns}) SELECT {columns} FROM {FRESH}
        ON CONFLICT ({", ".join((*aggregate.keys, *PLACE))}) DO UPDATE SET
            {", ".join(f"{c} = EXCLUDED.{c}" for c in figures)}
        WHERE ({", ".join(f"{table}.{c}" for c in figures)}) IS DISTINCT FROM
              ({", ".join(f"EXCLUDED.{c}" for c in figures)})""")
    return deleted + cursor.rowcount
