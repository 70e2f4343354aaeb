"""Level review throughput on PostgreSQL: our daily review against a bare SQL aggregate.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm python bench/levels_review.py
    DATABASE_URL=... python bench/levels_review.py --members 100000     # a quick look

Creates its own database `crm_levels_bench` (dropped and recreated; the URL's database is never
touched), migrates it and loads, set-based with generate_series: N members each holding the
consumer role, a 成长值 account and two earn entries in the last year, and a level in the default
consumer scheme (ranked by growth earned in a 12-month window) with `--due` of them due for review
on 2027-01-01 — as the previous day's job left it: its sweep for role holders without a level
started a day ago, and 1 % of the roles changed since. That database is the template of
`--rounds` rounds (default 3); each round runs on a fresh copy of it (`CREATE DATABASE …
TEMPLATE`), so every review sees the same rows:
1. baseline — the bare SQL aggregate of the same metric over the same due rows (warm, then timed);
2. `review_levels(on=2027-01-01)`: aggregate, decide, `UPDATE … FROM`, history rows;
3. the review again (must find nothing due);
4. the impact preview of new thresholds over all N members (read only).
The bench's own checks — each review reviewed every due row, the same review again found nothing
due, every round had the same outcome — are printed as they are made; a failed one makes the
bench exit with status 1. The machine is shared and noisy, so each round's ratio is taken against its own baseline and the
median of the rounds is the figure to quote. `--bulk-settings`: the rounds run with the server
settings of bench/server_settings.py (reset afterwards).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.checks import BenchChecks  # noqa: E402
from bench.databases import admin_url, manage_env, recreate, server_url, url_for  # noqa: E402
from bench.server_settings import BULK_SETTINGS, describe, server_settings  # noqa: E402

BENCH_DB = "crm_levels_bench"
ROUND_DB = "crm_levels_bench_round"
REVIEW_ON = date(2027, 1, 1)


def use_database(name: str) -> None:
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


_FILL = {"character varying": "''", "text": "''", "integer": "0", "bigint": "0", "smallint": "0", "numeric": "0",
         "boolean": "false", "jsonb": "'{}'::jsonb", "timestamp with time zone": "now()", "date": "current_date",
         "double precision": "0"}


def insert_select(cursor, table: str, values: dict[str, str], source: str) -> None:
    """INSERT INTO table (…) SELECT … FROM source, filling NOT NULL columns not given with a neutral value."""
    cursor.execute("SELECT column_name, data_type, is_nullable, column_default, is_identity "
                   "FROM information_schema.columns WHERE table_name = %s", [table])
    columns = dict(values)
    for name, data_type, nullable, default, identity in cursor.fetchall():
        if name not in columns and nullable == "NO" and default is None and identity != "YES":
            columns[name] = _FILL[data_type]
    names = ", ".join(f'"{n}"' for n in columns)
    cursor.execute(f'INSERT INTO "{table}" ({names}) SELECT {", ".join(columns.values())} FROM {source}')


def load(members: int, due_share: float) -> dict:
    from django.db import connection

    from loyalty.models import LevelScheme, PointsAccountType, RoleType

    scheme = LevelScheme.objects.get(code="consumer")
    consumer, growth = RoleType.objects.get(code="consumer"), PointsAccountType.objects.get(code="growth")
    levels = dict(scheme.levels.values_list("rank", "pk"))
    due_every = round(1 / due_share)
    with connection.cursor() as cursor:
        insert_select(cursor, "members_member", {
            "code": "'B' || g", "name": "'会员' || g", "gender": "'U'", "status": "'active'",
            "registered_at": "timestamptz '2024-01-01 08:00+08' + (g % 700) * interval '1 day'",
        }, f"generate_series(1, {members}) g")
        # Roles opened over the last years; 1 % changed (re-opened, say) in the last hours.
        opened = "timestamptz '2024-01-01 08:00+08' + (m.id % 700) * interval '1 day'"
        insert_select(cursor, "loyalty_memberrole", {
            "member_id": "m.id", "role_type_id": str(consumer.pk), "status": "'active'", "started_on": "'2024-01-01'",
            "created_at": opened, "updated_at": f"CASE WHEN m.id % 100 = 0 THEN now() - interval '2 hours' ELSE {opened} END",
        }, "members_member m")
        insert_select(cursor, "loyalty_pointsaccount", {
            "member_id": "r.member_id", "member_role_id": "r.id", "account_type_id": str(growth.pk),
            "status": "'active'",
        }, "loyalty_memberrole r")
        # Two earns per account in 2026; hash-spread amounts put members on every rung.
        insert_select(cursor, "loyalty_ledgerentry", {
            "account_id": "a.id", "kind": "'earn'", "amount": "x.pts", "lifetime_delta": "x.pts",
            "occurred_at": "timestamptz '2026-01-05 10:00+08' + (a.id % 350) * interval '1 day' + x.n * interval '1 hour'",
            "idempotency_key": "'bench-' || a.id || '-' || x.n",
        }, "loyalty_pointsaccount a, LATERAL (SELECT n, (abs(hashint4((a.id * 7 + n)::int)) % 12000) AS pts "
           "FROM generate_series(1, 2) n) x")
        cursor.execute("UPDATE loyalty_pointsaccount a SET available = s.t, lifetime_earned = s.t FROM "
                       "(SELECT account_id, sum(amount) t FROM loyalty_ledgerentry GROUP BY account_id) s "
                       "WHERE s.account_id = a.id")
        rank_case = " ".join(f"WHEN {rank} THEN {pk}" for rank, pk in levels.items())
        insert_select(cursor, "loyalty_memberlevel", {
            "member_id": "r.member_id", "member_role_id": "r.id", "scheme_id": str(scheme.pk),
            "level_id": f"CASE (abs(hashint4(r.id::int)) % {len(levels)}) {rank_case} END",
            "reached_at": "timestamptz '2026-01-01 00:00+08'",
            "next_review_on": f"CASE WHEN r.id % {due_every} = 0 THEN date '{REVIEW_ON}' ELSE date '2027-12-31' END",
        }, "loyalty_memberrole r")
        # As yesterday's daily job left it: its sweep for roles without a level started a day ago.
        cursor.execute("UPDATE loyalty_levelscheme SET levels_assigned_at = now() - interval '1 day' WHERE id = %s",
                       [scheme.pk])
        # As autovacuum would have left a live database: statistics, hint bits, visibility map.
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT count(*) FROM loyalty_memberlevel WHERE next_review_on <= %s", [REVIEW_ON])
        due = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM loyalty_ledgerentry")
        entries = cursor.fetchone()[0]
    return {"scheme": scheme, "growth": growth, "due": due, "entries": entries, "members": members}


def loaded() -> dict:
    """What `load` returns, read back from a database it filled earlier (--reuse)."""
    from loyalty.models import LedgerEntry, LevelScheme, MemberLevel, PointsAccountType
    from members.models import Member

    scheme = LevelScheme.objects.get(code="consumer")
    return {"scheme": scheme, "growth": PointsAccountType.objects.get(code="growth"),
            "due": MemberLevel.objects.filter(scheme=scheme, next_review_on__lte=REVIEW_ON).count(),
            "entries": LedgerEntry.objects.count(), "members": Member.objects.count()}


def baseline_aggregate(scheme, growth) -> tuple[float, int]:
    from django.db import connection

    from loyalty.calendar import start_of_day
    from loyalty.levels.metrics import window_start

    as_of = start_of_day(REVIEW_ON)
    since = window_start(scheme, as_of)
    sql = """
        SELECT ml.id, coalesce(sum(e.lifetime_delta), 0)
        FROM loyalty_memberlevel ml
        JOIN loyalty_pointsaccount a ON a.member_role_id = ml.member_role_id AND a.account_type_id = %s
        LEFT JOIN loyalty_ledgerentry e ON e.account_id = a.id AND e.kind IN ('earn', 'clawback', 'adjust')
             AND e.occurred_at >= %s AND e.occurred_at < %s
        WHERE ml.scheme_id = %s AND ml.next_review_on <= %s
        GROUP BY ml.id"""
    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(sql, [growth.pk, since, as_of, scheme.pk, REVIEW_ON])
        rows = len(cursor.fetchall())
        return time.perf_counter() - start, rows


def run_round(data: dict) -> dict:
    """Baseline, review, review again and preview on the current database (a fresh copy)."""
    from decimal import Decimal

    from loyalty.levels.preview import preview_impact
    from loyalty.levels.review import review_levels

    baseline_aggregate(data["scheme"], data["growth"])  # warm the cache for both contestants
    base_s, base_rows = baseline_aggregate(data["scheme"], data["growth"])
    start = time.perf_counter()
    result = review_levels(on=REVIEW_ON, scheme=data["scheme"])
    review_s = time.perf_counter() - start
    start = time.perf_counter()
    again = review_levels(on=REVIEW_ON, scheme=data["scheme"])
    again_s = time.perf_counter() - start
    levels = list(data["scheme"].levels.order_by("rank"))
    proposed = {lv.pk: (lv.upgrade_threshold * Decimal("1.1"), lv.retain_threshold * Decimal("1.1")) for lv in levels}
    impact = preview_impact(data["scheme"], proposed)
    print(f"  baseline SQL aggregate over the due rows: {base_rows:,} rows in {base_s:.2f} s")
    print(f"  review_levels: {result.reviewed:,} reviewed in {review_s:.2f} s; {result.as_counts()}")
    print(f"  review again: {again.reviewed:,} reviewed in {again_s:.2f} s (must be 0)")
    print(f"  impact preview over {impact.total:,} members: {impact.seconds:.1f} s "
          f"(up {impact.up:,}, down {impact.down:,}, stay {impact.stay:,})")
    print(f"  review / bare aggregate = {review_s / base_s:.2f}x")
    return {"base": base_s, "review": review_s, "again": again_s, "preview": impact.seconds,
            "ratio": review_s / base_s, "outcome": result.as_counts(), "again_reviewed": again.reviewed}


def check_rounds(checks: BenchChecks, due: int, rounds: list[dict]) -> bool:
    """Every round starts from the same copy, so it must review every due row, find nothing due when
    run again, and end with the first round's outcome."""
    ok = True
    for number, r in enumerate(rounds, 1):
        ok &= checks.expect(r["outcome"]["reviewed"] == due, f"round {number}: the review reviewed every due row",
                            f"due {due:,}, reviewed {r['outcome']['reviewed']:,}")
        ok &= checks.expect(r["again_reviewed"] == 0, f"round {number}: the review again found nothing due",
                            f"reviewed {r['again_reviewed']:,}")
        ok &= checks.expect(r["outcome"] == rounds[0]["outcome"], f"round {number}: the same outcome as round 1",
                            f"{r['outcome']} against {rounds[0]['outcome']}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--due", type=float, default=0.20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bulk-settings", action="store_true",
                        help=f"run the rounds with the bulk-write server settings {BULK_SETTINGS}")
    parser.add_argument("--reuse", action="store_true",
                        help=f"keep the data loaded by an earlier run into {BENCH_DB} (--members/--due are then ignored)")
    args = parser.parse_args()
    url = server_url()  # DATABASE_URL, or the embedded server
    db = url_for(url, BENCH_DB) if args.reuse else recreate(url, BENCH_DB)
    env = manage_env(db)
    if not args.reuse:
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"],
                       env=env, check=True)
    os.environ.update(DATABASE_URL=db, DJANGO_SETTINGS_MODULE="config.settings.local")
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from statistics import median

    from django.db import connection

    started = time.perf_counter()
    data = loaded() if args.reuse else load(args.members, args.due)
    print(f"{'reused' if args.reuse else 'loaded'} {data['members']:,} members, {data['entries']:,} ledger entries, "
          f"{data['due']:,} due in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    rounds = []
    with server_settings(admin_url(url), BULK_SETTINGS if args.bulk_settings else None):
        for number in range(1, args.rounds + 1):
            use_database("postgres")  # no session may stay on the template while it is copied
            recreate(url, ROUND_DB, template=BENCH_DB, strategy="FILE_COPY")
            use_database(ROUND_DB)
            print(f"round {number} (a fresh copy of the loaded data; {describe(url_for(url, ROUND_DB))}):")
            rounds.append(run_round(data))
    use_database("postgres")
    recreate(url, ROUND_DB)  # leave an empty database, not a second copy of the data

    def mid(key: str) -> float:
        return median(r[key] for r in rounds)

    print()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL {version}")
    print(f"median of {len(rounds)} rounds: baseline {mid('base'):.2f} s, review {mid('review'):.2f} s, "
          f"again {mid('again'):.2f} s, preview {mid('preview'):.1f} s")
    ratios = ", ".join(f"{r['ratio']:.2f}x" for r in rounds)
    print(f"review / bare aggregate per round: {ratios}")
    print(f"review / bare aggregate, median = {mid('ratio'):.2f}x   (target <= 3x)")
    checks = BenchChecks()
    check_rounds(checks, data["due"], rounds)
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
