"""Loyalty ledger benchmark on PostgreSQL: earn / redeem throughput against pgbench, the expiry job
against a bare UPDATE, and verify_ledger's scan rate.

    python bench/loyalty_ledger.py                                      # 100k accounts, 5,000,000 lots
    python bench/loyalty_ledger.py --accounts 10000 --lots 200000 --seconds 5 --rounds 1   # quick look

Everything runs in one go on the same machine, so the ratios are comparable even when the
absolute figures are noisy:
1. baseline: `pgbench -N` (simple update) with 4 clients for --seconds on its own database
   (`pgbench -i -s 1`: 100,000 pgbench accounts);
2. the `earn` service called in-process from 4 worker processes (one connection each) on
   random accounts out of --accounts, for --seconds; then `redeem` likewise; steps 1–2 are
   repeated --rounds times (the machine may be shared) and the median ratio is the figure;
3. the expiry data set, loaded set-based with generate_series: --lots lots (and their earn
   entries) over the same accounts, 30 % of them due; copied twice from a template database so
   both timings start from identical data: (a) a bare `UPDATE … SET remaining = 0` of the due
   lots, (b) `expire_lots` (entries, lot updates and balances, chunked with row locks);
4. `verify_ledger` over that data after the job (it must find nothing): rows scanned per second.
The bench's own checks — no earn or redeem call failed, `verify_ledger` found nothing after
earn/redeem and after the expiry job, the job expired every due lot and left none due — are
printed as they are made; a failed one makes the bench exit with status 1.
Needs DATABASE_URL pointing at a PostgreSQL server where it may create the databases
`crm_loyalty_bench`, `crm_loyalty_bench_a`, `crm_loyalty_bench_b` and `crm_loyalty_pgbench`
(dropped and recreated; the URL's own database is never touched). `--keep` keeps them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.checks import BenchChecks  # noqa: E402
from bench.databases import admin_url, drop, manage_env, recreate, server_url  # noqa: E402

BENCH_DB, COPY_A, COPY_B, PGBENCH_DB = "crm_loyalty_bench", "crm_loyalty_bench_a", "crm_loyalty_bench_b", "crm_loyalty_pgbench"
WORKERS = 4
AS_OF = "2027-01-01 00:00:00+08"  # the expiry job runs as of this instant
OPENING_BALANCE = 1_000_000


def psql(url: str, sql: str) -> str:
    result = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"psql failed: {result.stderr.strip()}\n{sql[:400]}")
    return result.stdout.strip()


def vacuum(url: str) -> None:
    psql(url, "VACUUM ANALYZE")  # outside the load's transaction
    psql(url, "CHECKPOINT")


def env_for(url: str) -> dict:
    return manage_env(url, DJANGO_DEBUG="0", DJANGO_LOG_LEVEL="WARNING")


# ---------------------------------------------------------------- baseline


def pgbench(url: str, seconds: int) -> float:
    bench_url = recreate(url, PGBENCH_DB)
    parts = urlsplit(bench_url)
    conn = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    subprocess.run(["pgbench", *conn, "-i", "-s", "1", "-q", PGBENCH_DB], check=True, capture_output=True)
    result = subprocess.run(["pgbench", *conn, "-N", "-c", str(WORKERS), "-j", str(WORKERS), "-T", str(seconds),
                             PGBENCH_DB], check=True, capture_output=True, text=True)
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", result.stdout)
    if not match:
        raise SystemExit(f"could not read pgbench output:\n{result.stdout}")
    return float(match.group(1))


# ---------------------------------------------------------------- data


def load_accounts(url: str, accounts: int) -> None:
    """Members, consumer roles and one account each, set-based; every account opens with a big lot."""
    psql(url, f"""
        INSERT INTO loyalty_pointsaccounttype (code, name, description, expiry_policy, expiry_days, clearing_keep_years,
            pending_days, allow_negative, active, created_at, updated_at)
        VALUES ('bench', '基准积分', '', 'days_after_earn', 365, 1, 0, false, true, now(), now());
        INSERT INTO loyalty_pointsaccounttype_role_types (pointsaccounttype_id, roletype_id)
        SELECT t.id, r.id FROM loyalty_pointsaccounttype t, loyalty_roletype r WHERE t.code = 'bench' AND r.code = 'consumer';
        INSERT INTO members_member (code, name, gender, mobile, mobile_masked, email, province, city, district, address,
            registered_channel, status, attributes, created_at, updated_at)
        SELECT 'B' || lpad(i::text, 9, '0'), '', 'U', '', '', '', '', '', '', '', '', 'active', '{{}}', now(), now()
        FROM generate_series(1, {accounts}) AS i;
        INSERT INTO loyalty_memberrole (member_id, role_type_id, status, started_on, created_at, updated_at)
        SELECT m.id, r.id, 'active', '2026-01-01', now(), now() FROM members_member m, loyalty_roletype r
        WHERE r.code = 'consumer' ORDER BY m.id;
        INSERT INTO loyalty_pointsaccount (member_id, member_role_id, account_type_id, status, available, pending,
            lifetime_earned, opened_at, updated_at)
        SELECT mr.member_id, mr.id, t.id, 'active', {OPENING_BALANCE}, 0, {OPENING_BALANCE}, now(), now()
        FROM loyalty_memberrole mr, loyalty_pointsaccounttype t WHERE t.code = 'bench' ORDER BY mr.member_id;
        INSERT INTO loyalty_ledgerentry (id, account_id, kind, amount, pending_delta, lifetime_delta, unrecovered,
            idempotency_key, reason, actor_label, occurred_at, created_at)
        SELECT a.id, a.id, 'adjust', {OPENING_BALANCE}, 0, {OPENING_BALANCE}, 0, 'opening', '期初', 'bench', now(), now()
        FROM loyalty_pointsaccount a;
        SELECT setval(pg_get_serial_sequence('loyalty_ledgerentry', 'id'), (SELECT max(id) FROM loyalty_ledgerentry));
        INSERT INTO loyalty_pointslot (account_id, entry_id, earn_entry_id, amount, remaining, expired_amount, state,
            earned_at, expires_at)
        SELECT a.id, a.id, a.id, {OPENING_BALANCE}, {OPENING_BALANCE}, 0, 'available', now(), NULL
        FROM loyalty_pointsaccount a;
    """)
    vacuum(url)


def load_expiry_data(url: str, lots: int) -> dict:
    """Replace the ledger by `lots` earn entries and lots spread evenly over the accounts; 30 % of each
    account's lots are due (lot k of an account is due when k mod 10 < 3)."""
    psql(url, f"""
        TRUNCATE loyalty_lotallocation, loyalty_pointslot, loyalty_ledgerentry, loyalty_jobrun;
        CREATE TEMP TABLE acc AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM loyalty_pointsaccount;
        CREATE INDEX ON acc (n);
        ANALYZE acc;
        INSERT INTO loyalty_ledgerentry (id, account_id, kind, amount, pending_delta, lifetime_delta, unrecovered,
            idempotency_key, reason, actor_label, occurred_at, created_at)
        SELECT i, acc.id, 'earn', 100, 0, 100, 0, 'bench:' || i, '基准', 'bench',
               timestamptz '2026-01-01 12:00+08' + (i % 300) * interval '1 day', now()
        FROM generate_series(1, {lots}) AS i JOIN acc ON acc.n = i % (SELECT count(*) FROM acc);
        SELECT setval(pg_get_serial_sequence('loyalty_ledgerentry', 'id'), {lots});
        INSERT INTO loyalty_pointslot (id, account_id, entry_id, earn_entry_id, amount, remaining, expired_amount, state,
            earned_at, expires_at)
        SELECT e.id, e.account_id, e.id, e.id, 100, 100, 0, 'available', e.occurred_at,
               CASE WHEN (e.id / (SELECT count(*) FROM loyalty_pointsaccount)) % 10 < 3 THEN timestamptz '{AS_OF}' - (e.id % 30 + 1) * interval '1 day'
                    ELSE timestamptz '{AS_OF}' + (e.id % 300 + 1) * interval '1 day' END
        FROM loyalty_ledgerentry e;
        SELECT setval(pg_get_serial_sequence('loyalty_pointslot', 'id'), {lots});
        UPDATE loyalty_pointsaccount a SET available = coalesce(s.total, 0), pending = 0,
            lifetime_earned = coalesce(s.total, 0)
        FROM loyalty_pointsaccount x
        LEFT JOIN (SELECT account_id, sum(amount) AS total FROM loyalty_ledgerentry GROUP BY account_id) s
            ON s.account_id = x.id
        WHERE a.id = x.id;
    """)
    vacuum(url)
    due = due_lots(url)
    size = psql(url, "SELECT pg_size_pretty(pg_database_size(current_database()))")
    return {"lots": lots, "due": due, "database_size": size}


# ---------------------------------------------------------------- workers


def run_workers(url: str, op: str, seconds: int, accounts: tuple[int, int], round_number: int = 1) -> dict:
    start_at = time.time() + 6  # every worker imports Django first, then they start together
    procs = [
        subprocess.Popen([sys.executable, __file__, "worker", "--op", op, "--seconds", str(seconds),
                          "--index", str(round_number * 100 + i),
                          "--start-at", str(start_at), "--low", str(accounts[0]), "--high", str(accounts[1])],
                         env=env_for(url), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(WORKERS)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"worker failed:\n{err}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    ops = sum(r["ops"] for r in results)
    elapsed = max(r["seconds"] for r in results)
    return {"ops": ops, "seconds": round(elapsed, 2), "tps": ops / elapsed, "errors": sum(r["errors"] for r in results)}


def worker(args) -> None:
    import random

    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from loyalty.models import PointsAccount
    from loyalty.services import earn, redeem

    connection.ensure_connection()
    rng = random.Random(args.index)
    time.sleep(max(0.0, args.start_at - time.time()))
    ops = errors = 0
    started = time.perf_counter()
    deadline = started + args.seconds
    while time.perf_counter() < deadline:
        account = PointsAccount(pk=rng.randint(args.low, args.high))
        key = f"bench:{args.op}:{args.index}:{ops}"
        try:
            if args.op == "earn":
                earn(account=account, points=rng.randint(1, 200), occurred_at=timezone.now(), idempotency_key=key)
            else:
                redeem(account=account, points=rng.randint(1, 20), idempotency_key=key)
            ops += 1
        except Exception:  # noqa: BLE001 - counted; a benchmark must not hide failures
            errors += 1
    print(json.dumps({"ops": ops, "errors": errors, "seconds": time.perf_counter() - started}))


def expire_job(url: str) -> dict:
    code = (
        "import time, json, django; django.setup()\n"
        "from datetime import datetime\n"
        "from loyalty.services import expire_lots\n"
        f"as_of = datetime.fromisoformat('{AS_OF.replace(' ', 'T')}:00')\n"
        "t = time.perf_counter(); counts = expire_lots(as_of=as_of); s = time.perf_counter() - t\n"
        "print(json.dumps({'seconds': s, **counts}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env_for(url), cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def bare_update(url: str) -> float:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        with conn.transaction():
            conn.execute(f"UPDATE loyalty_pointslot SET remaining = 0 WHERE remaining > 0 AND expires_at <= '{AS_OF}'")
        return time.perf_counter() - started


def verify(url: str) -> dict:
    code = (
        "import json, django; django.setup()\n"
        "from loyalty.services import verify_ledger\n"
        "r = verify_ledger(limit=5)\n"
        "print(json.dumps({'ok': r.ok, 'mismatches': r.mismatch_count, 'accounts': r.accounts, 'entries': r.entries,"
        " 'lots': r.lots, 'rows': r.rows, 'seconds': r.seconds, 'first': [str(m) for m in r.mismatches]}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env_for(url), cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def due_lots(url: str) -> int:
    return int(psql(url, f"SELECT count(*) FROM loyalty_pointslot WHERE remaining > 0 AND expires_at <= '{AS_OF}'"))


# ---------------------------------------------------------------- checks


def check_no_errors(checks: BenchChecks, label: str, result: dict) -> bool:
    """A worker run's calls must all succeed: a failing call would flatter the throughput."""
    return checks.expect(result["errors"] == 0, f"{label}: every call succeeded",
                         f"{result['ops']:,} calls, {result['errors']:,} errors")


def check_ledger_verified(checks: BenchChecks, label: str, result: dict) -> bool:
    """verify_ledger's answer must be clean: a mismatch means a service wrote a wrong ledger."""
    return checks.expect(result["ok"] and result["mismatches"] == 0, f"verify_ledger {label}: no mismatch",
                         f"{result['mismatches']:,} mismatches; first: {result.get('first', [])}")


def check_expiry_complete(checks: BenchChecks, due_before: int, job: dict, due_after: int) -> bool:
    """The expiry job must expire every due lot once and leave none due."""
    expired = job.get("lots", 0)
    return checks.expect(expired == due_before and due_after == 0, "expire_lots expired every due lot",
                         f"due before {due_before:,}, expired {expired:,}, due after {due_after:,}")


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--lots", type=int, default=5_000_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="pgbench / earn / redeem rounds (medians reported)")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    w = sub.add_parser("worker")
    for name in ("--op",):
        w.add_argument(name)
    for name in ("--seconds", "--index", "--low", "--high"):
        w.add_argument(name, type=int)
    w.add_argument("--start-at", type=float)
    args = parser.parse_args()
    if args.command == "worker":
        worker(args)
        return 0

    url = server_url()  # DATABASE_URL, or the embedded server
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{psql(admin_url(url), 'SHOW server_version')} (shared_buffers "
          f"{psql(admin_url(url), 'SHOW shared_buffers')})", flush=True)
    report: dict = {"accounts": args.accounts, "seconds": args.seconds, "workers": WORKERS}
    checks = BenchChecks()

    bench = recreate(url, BENCH_DB)
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"], env=env_for(bench),
                   check=True)
    load_accounts(bench, args.accounts)
    low, high = (int(x) for x in psql(bench, "SELECT min(id), max(id) FROM loyalty_pointsaccount").split("|"))
    # The machine may be shared: each round measures the baseline right before our two operations,
    # and the ratios are taken per round (the medians are the headline figures).
    rounds = []
    for number in range(1, args.rounds + 1):
        baseline = pgbench(url, args.seconds)
        print(f"round {number}: pgbench -N, {WORKERS} clients, {args.seconds} s: {baseline:,.0f} TPS", flush=True)
        row = {"pgbench_tps": baseline}
        for op in ("earn", "redeem"):
            result = run_workers(bench, op, args.seconds, (low, high), round_number=number)
            result["ratio"] = result["tps"] / baseline
            row[op] = result
            print(f"round {number}: {op}: {result['ops']:,} in {result['seconds']} s = {result['tps']:,.0f} TPS "
                  f"({result['ratio']:.0%} of pgbench), errors {result['errors']}", flush=True)
            check_no_errors(checks, f"round {number} {op}", result)
        rounds.append(row)
    report["rounds"] = rounds
    for op in ("earn", "redeem"):
        report[f"{op}_median_ratio"] = statistics.median(r[op]["ratio"] for r in rounds)
        print(f"{op}: median {report[f'{op}_median_ratio']:.0%} of pgbench over {len(rounds)} rounds", flush=True)
    report["after_earn_redeem"] = verify(bench)
    print(f"verify_ledger after earn/redeem: ok={report['after_earn_redeem']['ok']}", flush=True)
    check_ledger_verified(checks, "after earn/redeem", report["after_earn_redeem"])

    started = time.perf_counter()
    report["expiry_data"] = load_expiry_data(bench, args.lots)
    report["expiry_data"]["load_seconds"] = round(time.perf_counter() - started, 1)
    print(f"expiry data: {report['expiry_data']}", flush=True)
    a, b = recreate(url, COPY_A, template=BENCH_DB), recreate(url, COPY_B, template=BENCH_DB)
    report["bare_update_seconds"] = bare_update(a)
    print(f"bare UPDATE of the due lots: {report['bare_update_seconds']:.1f} s", flush=True)
    report["expire_job"] = expire_job(b)
    report["expire_ratio"] = report["expire_job"]["seconds"] / report["bare_update_seconds"]
    print(f"expire_lots: {report['expire_job']} → {report['expire_ratio']:.2f}× the bare UPDATE", flush=True)
    check_expiry_complete(checks, report["expiry_data"]["due"], report["expire_job"], due_lots(b))
    report["verify"] = verify(b)
    rate = report["verify"]["rows"] / report["verify"]["seconds"]
    report["verify"]["rows_per_second"] = rate
    print(f"verify_ledger: {report['verify']['rows']:,} rows in {report['verify']['seconds']:.1f} s = {rate:,.0f} rows/s,"
          f" ok={report['verify']['ok']}", flush=True)
    check_ledger_verified(checks, "after expire_lots", report["verify"])
    print(json.dumps(report, ensure_ascii=False, default=str))
    if not args.keep:
        for database in (COPY_A, COPY_B, BENCH_DB, PGBENCH_DB):
            drop(url, database)
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
