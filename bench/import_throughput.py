"""Import throughput on PostgreSQL: our importer against `psql \\copy` and django-import-export.

    python bench/import_throughput.py                      # 1,000,000 Tmall rows + 300,000 JD rows
    python bench/import_throughput.py --tmall-rows 50000 --jd-rows 15000 --buyers 15000   # quick look

Everything runs in one go on the same machine, so the ratios are comparable even when
the absolute times are noisy:
1. baseline: `psql \\copy` of the Tmall file into a bare, unindexed all-text table;
2. `manage.py import_orders --format tmall` into an empty, freshly migrated database;
3. `manage.py import_orders --format jd` (30 % of its buyers are Tmall buyers);
4. the Tmall file again (must change nothing);
5. django-import-export's default import path (ModelResource.import_data) on the first
   --die-rows Tmall rows, into a fresh copy of the migrated empty database (crm_bench_die), so
   that every row is an insert, as in our first import;
6. our import of the same first --die-rows rows into another fresh copy (crm_bench_same),
   timed like step 5 inside the process (Django's start-up left out of both); steps 5 and 6
   are repeated --die-rounds times in alternating order and the median ratio reported.
The bench's own checks (the re-import changed nothing; django-import-export inserted every row
into an empty database and updated none; our import of the same rows made as many orders) are
printed as they are made, and a failed one makes the bench exit with status 1.
Peak memory is the largest RSS of an import process (getrusage of the child). Each step also
prints the CPU seconds it used (the child, and the rest of the machine: the database server) and
the shortest wall time that CPU allows on this machine's cores (bench/cpu_time.py).
`--bulk-settings` runs everything (the baseline too) with the bulk-write server settings of
bench/server_settings.py — a larger WAL budget between checkpoints and compressed full-page
images — set with ALTER SYSTEM for the run and reset afterwards (needs a superuser; no restart).
Needs DATABASE_URL pointing at a PostgreSQL server where it may create the databases
`crm_bench`, `crm_bench_template`, `crm_bench_die` and `crm_bench_same` (dropped and recreated;
all but `crm_bench` are dropped at the end; the URL's own database is never touched).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.checks import BenchChecks  # noqa: E402
from bench.cpu_time import CpuMeter, CpuUse  # noqa: E402
from bench.databases import admin_url, drop, manage_env, recreate, seal, server_url  # noqa: E402
from bench.server_settings import BULK_SETTINGS, describe, server_settings  # noqa: E402

BENCH_DB = "crm_bench"
TEMPLATE_DB = "crm_bench_template"  # migrated, empty: each step that needs an empty database copies it
DIE_DB = "crm_bench_die"
SAME_ROWS_DB = "crm_bench_same"


def _psql(url: str, sql: str, *extra: str) -> str:
    result = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql, *extra], check=True,
                            capture_output=True, text=True)
    return result.stdout


def run_child(args: list[str], url: str) -> tuple[float, int, str, CpuUse]:
    """Run a manage.py command; returns (seconds, peak RSS in MB of that child, stdout, CPU used)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    with CpuMeter() as meter:
        result = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=manage_env(url),
                                capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"failed: manage.py {' '.join(args)}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the max over all children so far; report it only when it grew.
    return seconds, max(peak, before) // 1024, result.stdout, meter.use


def baseline_copy(url: str, path: Path) -> tuple[float, int, CpuUse]:
    with open(path, encoding="gb18030", newline="") as handle:
        headers = next(csv.reader(handle))
    columns = ", ".join(f'c{i} text' for i in range(len(headers)))
    _psql(url, f"DROP TABLE IF EXISTS bench_raw; CREATE TABLE bench_raw ({columns})")
    start = time.perf_counter()
    with CpuMeter() as meter:
        _psql(url, "select 1", "-c",
              f"\\copy bench_raw FROM '{path}' WITH (FORMAT csv, HEADER true, ENCODING 'GB18030')")
    seconds = time.perf_counter() - start
    rows = int(_psql(url, "SELECT count(*) FROM bench_raw").strip())
    _psql(url, "DROP TABLE bench_raw")
    return seconds, rows, meter.use


def _timed_in_child(url: str, code: str, what: str) -> dict:
    """Run `code` (which prints one JSON object last) in a Django child process on `url`."""
    code = f"import json, django\ndjango.setup()\n{code}"
    result = subprocess.run([sys.executable, "-c", code], env=manage_env(url), capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"{what} failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def import_export_rate(url: str, path: Path, rows: int) -> dict:
    """django-import-export's default path on the first `rows` rows (no identity resolution at all):
    seconds of `import_data`, rows read, inserted (new) and updated."""
    return _timed_in_child(url, f"""
from bench.import_export_baseline import import_with_django_import_export
print(json.dumps(import_with_django_import_export({str(path)!r}, {rows})))
""", "django-import-export run")


def our_import_in_process(url: str, path: Path) -> float:
    """Seconds of `import_orders --format tmall` called in-process (Django's start-up left out, as
    for django-import-export)."""
    return _timed_in_child(url, f"""
import io, time
from django.core.management import call_command
start = time.perf_counter()
call_command("import_orders", "--format", "tmall", {str(path)!r}, stdout=io.StringIO())
print(json.dumps({{"seconds": time.perf_counter() - start}}))
""", "our import of the same rows")["seconds"]


def first_rows_file(path: Path, rows: int, directory: Path) -> Path:
    """A copy of the header and the first `rows` records of the CSV at `path`, byte for byte."""
    with open(path, encoding="gb18030", newline="") as handle:
        reader = csv.reader(handle)
        for _ in range(rows + 1):
            if next(reader, None) is None:
                break
        lines = reader.line_num  # physical lines of header + rows (a quoted field may span lines)
    target = directory / f"{path.stem}_first{rows}{path.suffix}"
    with open(path, "rb") as source, open(target, "wb") as out:
        for _ in range(lines):
            out.write(source.readline())
    return target


def order_count(url: str) -> int:
    return int(_psql(url, "SELECT count(*) FROM members_order").strip())


def django_import_export_round(checks: BenchChecks, url: str, tmall: Path, rows: int) -> tuple[float, int]:
    """django-import-export on the first `rows` rows into a fresh copy of the empty database:
    (seconds, orders it made); checks that it inserted every row."""
    die_db = recreate(url, DIE_DB, template=TEMPLATE_DB)
    before = order_count(die_db)
    die = import_export_rate(die_db, tmall, rows)
    print(f"django-import-export, empty database: {die['rows']:,} rows in {die['seconds']:.1f} s "
          f"({die['rows'] / die['seconds']:,.0f} rows/s); new {die['new']:,}, updated {die['update']:,}", flush=True)
    after = order_count(die_db)
    check_baseline_inserted(checks, rows, before, die, after)
    return die["seconds"], after


def our_same_rows_round(url: str, same_file: Path) -> tuple[float, int]:
    """Our import of the same rows into a fresh copy of the empty database: (seconds, orders)."""
    same_db = recreate(url, SAME_ROWS_DB, template=TEMPLATE_DB)
    seconds = our_import_in_process(same_db, same_file)
    orders = order_count(same_db)
    print(f"ours on the same rows, empty database: {orders:,} orders in {seconds:.1f} s ({orders / seconds:,.0f} rows/s)",
          flush=True)
    return seconds, orders


def check_reimport_unchanged(checks: BenchChecks, before: dict, after: dict) -> bool:
    """Step 4: a second import of the same file must change no order and no member."""
    return checks.expect(after == before, "re-import of the same file changed nothing",
                         f"before {before}, after {after}")


def check_baseline_inserted(checks: BenchChecks, rows: int, orders_before: int, result: dict,
                            orders_after: int) -> bool:
    """Step 5: the baseline must do the work of a first import — insert every row into an empty
    database — not update orders that are already there."""
    return checks.expect(
        orders_before == 0 and result["rows"] == rows and result["new"] == rows and result["update"] == 0
        and orders_after == rows,
        f"django-import-export inserted all {rows:,} rows into an empty database",
        f"orders before {orders_before:,}, rows read {result['rows']:,}, new {result['new']:,}, "
        f"updated {result['update']:,}, orders after {orders_after:,}")


def check_same_orders(checks: BenchChecks, ours: int, theirs: int) -> bool:
    """Step 6: both sides of the same-rows comparison made the same orders."""
    return checks.expect(ours == theirs, "our import of the same rows made as many orders as django-import-export",
                         f"ours {ours:,}, django-import-export {theirs:,}")


def counts(url: str) -> dict:
    sql = ("SELECT json_build_object('orders', (SELECT count(*) FROM members_order), "
           "'members', (SELECT count(*) FROM members_member WHERE status = 'active'), "
           "'merged', (SELECT count(*) FROM members_member WHERE status = 'merged'), "
           "'order_updated_max', (SELECT max(updated_at) FROM members_order))")
    return json.loads(_psql(url, sql))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tmall-rows", type=int, default=1_000_000)
    parser.add_argument("--buyers", type=int, default=300_000)
    parser.add_argument("--jd-rows", type=int, default=300_000)
    parser.add_argument("--jd-shared", type=float, default=0.30)
    parser.add_argument("--die-rows", type=int, default=20_000, help="rows for django-import-export")
    parser.add_argument("--die-rounds", type=int, default=1,
                        help="rounds of django-import-export and ours on the same --die-rows rows, in alternating "
                             "order (the median ratio is reported)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--reuse", action="store_true", help="use the files already in --out")
    parser.add_argument("--bulk-settings", action="store_true",
                        help=f"run with the bulk-load server settings {BULK_SETTINGS} (reset afterwards)")
    args = parser.parse_args()
    url = server_url()  # DATABASE_URL, or the embedded server

    if not args.reuse:
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate_exports.py"), "--out", str(args.out),
                        "--tmall-rows", str(args.tmall_rows), "--tmall-buyers", str(args.buyers),
                        "--jd-rows", str(args.jd_rows), "--jd-shared", str(args.jd_shared), "--seed", str(args.seed),
                        "--no-tmall-items"], check=True)
    tmall = max(args.out.glob("ExportOrderList*.csv"))
    jd = max(args.out.glob("jd_order_export_*.csv"))
    print(f"files: {tmall} ({tmall.stat().st_size / 1e6:.0f} MB), {jd} ({jd.stat().st_size / 1e6:.0f} MB)")

    with server_settings(admin_url(url), BULK_SETTINGS if args.bulk_settings else None):
        return run_all(args, url, tmall, jd)


def run_all(args, url: str, tmall: Path, jd: Path) -> int:
    checks = BenchChecks()
    template = recreate(url, TEMPLATE_DB)
    run_child(["migrate", "--no-input", "-v", "0"], template)
    seal(url, TEMPLATE_DB)
    db = recreate(url, BENCH_DB, template=TEMPLATE_DB)
    print(f"server settings: {describe(db)}")
    copy_s, copy_rows, copy_cpu = baseline_copy(db, tmall)
    print(f"baseline psql \\copy: {copy_rows:,} rows in {copy_s:.1f} s ({copy_rows / copy_s:,.0f} rows/s); "
          f"{copy_cpu.describe()}")

    first_s, first_mb, first_out, first_cpu = run_child(["import_orders", "--format", "tmall", str(tmall)], db)
    after_first = counts(db)
    print(f"import tmall (empty db): {first_s:.1f} s, peak RSS {first_mb} MB; {after_first}; {first_cpu.describe()}")
    jd_s, jd_mb, jd_out, jd_cpu = run_child(["import_orders", "--format", "jd", str(jd)], db)
    after_jd = counts(db)
    print(f"import jd: {jd_s:.1f} s, peak RSS {jd_mb} MB; {after_jd}; {jd_cpu.describe()}")
    again_s, again_mb, again_out, again_cpu = run_child(["import_orders", "--format", "tmall", str(tmall)], db)
    after_again = counts(db)
    print(f"re-import tmall: {again_s:.1f} s, peak RSS {again_mb} MB; {again_cpu.describe()}")
    check_reimport_unchanged(checks, after_jd, after_again)

    die_runs, same_runs = [], []
    with tempfile.TemporaryDirectory(prefix="import-bench-") as scratch:
        same_file = first_rows_file(tmall, args.die_rows, Path(scratch))
        for number in range(1, args.die_rounds + 1):
            # Alternate which side goes first: the load of a shared machine drifts within a round too.
            sides = ("die", "ours") if number % 2 else ("ours", "die")
            for side in sides:
                if side == "die":
                    die_runs.append(django_import_export_round(checks, url, tmall, args.die_rows))
                else:
                    same_runs.append(our_same_rows_round(url, same_file))
            die_s, die_orders = die_runs[-1]
            same_s, same_orders = same_runs[-1]
            print(f"round {number}: django-import-export {args.die_rows / die_s:,.0f} rows/s, ours on the same rows "
                  f"{same_orders / same_s:,.0f} rows/s: {die_s / same_s:.1f}x", flush=True)
            check_same_orders(checks, same_orders, die_orders)
    for database in (DIE_DB, SAME_ROWS_DB, TEMPLATE_DB):
        drop(url, database)
    same_ratios = [die_s / same_s for (die_s, _), (same_s, _) in zip(die_runs, same_runs, strict=True)]
    die_s, die_rows = statistics.median(s for s, _ in die_runs), args.die_rows

    ours_rate = copy_rows / first_s
    print()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{_psql(db, 'SHOW server_version').strip()}")
    print(f"first import / \\copy   = {first_s / copy_s:.1f}x   (target <= 10x)")
    print(f"  its CPU alone allows no less than {first_cpu.floor() / copy_s:.1f}x on {os.cpu_count()} cores "
          f"(CPU {first_cpu.total:.1f} s / {os.cpu_count()} against {copy_s:.1f} s of \\copy)")
    print(f"re-import / \\copy      = {again_s / copy_s:.1f}x   (target <= 5x)")
    print(f"peak memory            = {max(first_mb, jd_mb, again_mb)} MB (target <= 1536 MB)")
    print(f"ours / import-export   = {ours_rate / (die_rows / die_s):.1f}x rows/s   (target >= 20x; our first import "
          f"of {copy_rows:,} rows against django-import-export's {die_rows:,}, both into an empty database)")
    print(f"  its CPU alone allows no more than {copy_rows / first_cpu.floor() / (die_rows / die_s):.1f}x")
    print(f"  on the same {die_rows:,} rows = {statistics.median(same_ratios):.1f}x rows/s, median of "
          f"{len(same_ratios)} round(s): {', '.join(f'{r:.1f}x' for r in same_ratios)} (both timed in-process)")
    print(f"jd import              = {jd_s:.1f} s for {jd.name}")
    for label, out in (("tmall", first_out), ("jd", jd_out), ("tmall again", again_out)):
        print(f"\n--- summary: {label}\n{out.strip()}")
    print()
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
