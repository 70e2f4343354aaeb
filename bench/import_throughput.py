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
   20,000 Tmall rows, into a scratch table of the same database.
Peak memory is the largest RSS of an import process (getrusage of the child). Each step also
prints the CPU seconds it used (the child, and the rest of the machine: the database server) and
the shortest wall time that CPU allows on this machine's cores (bench/cpu_time.py).
`--bulk-settings` runs everything (the baseline too) with the bulk-write server settings of
bench/server_settings.py — a larger WAL budget between checkpoints and compressed full-page
images — set with ALTER SYSTEM for the run and reset afterwards (needs a superuser; no restart).
Needs DATABASE_URL pointing at a PostgreSQL server where it may create the database
`crm_bench` (dropped and recreated; the URL's own database is never touched).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.cpu_time import CpuMeter, CpuUse  # noqa: E402
from bench.databases import admin_url, manage_env, recreate  # noqa: E402
from bench.server_settings import BULK_SETTINGS, describe, server_settings  # noqa: E402

BENCH_DB = "crm_bench"


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


def import_export_rate(url: str, path: Path, rows: int) -> tuple[float, int]:
    """django-import-export's default path on the first `rows` rows (no identity resolution at all)."""
    code = f"""
import django, time, tablib, csv, itertools
django.setup()
from bench.import_export_baseline import import_with_django_import_export
print(import_with_django_import_export({str(path)!r}, {rows}))
"""
    result = subprocess.run([sys.executable, "-c", code], env=manage_env(url), capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit("django-import-export run failed")
    seconds, imported = json.loads(result.stdout.strip().splitlines()[-1])
    return seconds, imported


def counts(url: str) -> dict:
    sql = ("SELECT json_build_object('orders', (SELECT count(*) FROM members_order), "
           "'members', (SELECT count(*) FROM members_member WHERE status = 'active'), "
           "'merged', (SELECT count(*) FROM members_member WHERE status = 'merged'), "
           "'order_updated_max', (SELECT max(updated_at) FROM members_order))")
    return json.loads(_psql(url, sql))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tmall-rows", type=int, default=1_000_000)
    parser.add_argument("--buyers", type=int, default=300_000)
    parser.add_argument("--jd-rows", type=int, default=300_000)
    parser.add_argument("--jd-shared", type=float, default=0.30)
    parser.add_argument("--die-rows", type=int, default=20_000, help="rows for django-import-export")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--reuse", action="store_true", help="use the files already in --out")
    parser.add_argument("--bulk-settings", action="store_true",
                        help=f"run with the bulk-load server settings {BULK_SETTINGS} (reset afterwards)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL server (the bench creates its own database crm_bench)")

    if not args.reuse:
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate_exports.py"), "--out", str(args.out),
                        "--tmall-rows", str(args.tmall_rows), "--tmall-buyers", str(args.buyers),
                        "--jd-rows", str(args.jd_rows), "--jd-shared", str(args.jd_shared), "--seed", str(args.seed),
                        "--no-tmall-items"], check=True)
    tmall = max(args.out.glob("ExportOrderList*.csv"))
    jd = max(args.out.glob("jd_order_export_*.csv"))
    print(f"files: {tmall} ({tmall.stat().st_size / 1e6:.0f} MB), {jd} ({jd.stat().st_size / 1e6:.0f} MB)")

    with server_settings(admin_url(url), BULK_SETTINGS if args.bulk_settings else None):
        run_all(args, url, tmall, jd)


def run_all(args, url: str, tmall: Path, jd: Path) -> None:
    db = recreate(url, BENCH_DB)
    print(f"server settings: {describe(db)}")
    run_child(["migrate", "--no-input", "-v", "0"], db)
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
    unchanged = after_again == after_jd
    print(f"re-import tmall: {again_s:.1f} s, peak RSS {again_mb} MB; database unchanged: {unchanged}; "
          f"{again_cpu.describe()}")
    die_s, die_rows = import_export_rate(db, tmall, args.die_rows)
    print(f"django-import-export: {die_rows:,} rows in {die_s:.1f} s ({die_rows / die_s:,.0f} rows/s)")

    ours_rate = copy_rows / first_s
    print()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{_psql(db, 'SHOW server_version').strip()}")
    print(f"first import / \\copy   = {first_s / copy_s:.1f}x   (target <= 10x)")
    print(f"  its CPU alone allows no less than {first_cpu.floor() / copy_s:.1f}x on {os.cpu_count()} cores "
          f"(CPU {first_cpu.total:.1f} s / {os.cpu_count()} against {copy_s:.1f} s of \\copy)")
    print(f"re-import / \\copy      = {again_s / copy_s:.1f}x   (target <= 5x)")
    print(f"peak memory            = {max(first_mb, jd_mb, again_mb)} MB (target <= 1536 MB)")
    print(f"ours / import-export   = {ours_rate / (die_rows / die_s):.0f}x rows/s   (target >= 20x)")
    print(f"  its CPU alone allows no more than {copy_rows / first_cpu.floor() / (die_rows / die_s):.0f}x")
    print(f"jd import              = {jd_s:.1f} s for {args.jd_rows:,} rows")
    for label, out in (("tmall", first_out), ("jd", jd_out), ("tmall again", again_out)):
        print(f"\n--- summary: {label}\n{out.strip()}")


if __name__ == "__main__":
    main()
