"""Write benchmark-sized channel export files and say how long that took.

    python bench/generate_exports.py --out bench/out --tmall-rows 1000000 --tmall-buyers 300000 \
        --jd-rows 300000 --jd-shared 0.3 --seed 1

Writes the Tmall order report (ExportOrderList*.csv) and item report (ExportOrderDetailList*.csv),
the JD merchant export and, when asked, POS receipts and WeChat members in the generic templates
(`members.demo.exports`; pure Python, no Django or database). The same arguments always give
byte-identical files: the end date defaults to a fixed day, not today.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_END = "2025-07-01"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out", help="directory for the files")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--end-date", type=date.fromisoformat, default=date.fromisoformat(DEFAULT_END),
                        help=f"orders fall in the --days before this day (default {DEFAULT_END})")
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--tmall-rows", type=int, default=1_000_000, help="orders in the Tmall order report")
    parser.add_argument("--tmall-buyers", type=int, default=300_000)
    parser.add_argument("--no-tmall-items", action="store_true", help="skip the Tmall item report")
    parser.add_argument("--jd-rows", type=int, default=300_000, help="rows (one per SKU) in the JD export")
    parser.add_argument("--jd-buyers", type=int, default=None, help="default: a third of --jd-rows")
    parser.add_argument("--jd-shared", type=float, default=0.30, help="share of JD buyers who also buy on Tmall")
    parser.add_argument("--pos-rows", type=int, default=0, help="rows of POS receipts (generic order file)")
    parser.add_argument("--pos-members", type=int, default=None, help="default: a quarter of --pos-rows")
    parser.add_argument("--wechat-members", type=int, default=0, help="rows of the WeChat member file")
    parser.add_argument("--drop-pii", action="store_true", help="Tmall report without the PII columns")
    parser.add_argument("--bad-rate", type=float, default=0.0, help="share of orders/members with a broken value")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="forked processes per file (the bytes do not depend on it; default: up to 2)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from members.demo.exports import (
        export_stamp,
        generate_population,
        people_needed,
        write_generic_members,
        write_generic_orders,
        write_jd_orders,
        write_tmall_reports,
    )
    from members.demo.exports.common import ExportSummary

    started = time.perf_counter()
    jd_buyers = args.jd_rows // 3 if args.jd_buyers is None else args.jd_buyers
    pos_members = args.pos_rows // 4 if args.pos_members is None else args.pos_members
    n_people = max(people_needed(args.tmall_buyers, jd_buyers, args.jd_shared), pos_members, args.wechat_members)
    population = generate_population(
        args.seed, n_people, end_date=args.end_date, start_date=args.end_date.fromordinal(
            args.end_date.toordinal() - args.days),
        tmall_buyers=args.tmall_buyers, jd_buyers=jd_buyers, jd_shared=args.jd_shared, pos_members=pos_members,
        wechat_members=args.wechat_members,
    )
    population_seconds = time.perf_counter() - started
    print(f"population       {n_people:,} people ({len(population.tmall):,} Tmall, {len(population.jd):,} JD, "
          f"{population.overlap('tmall', 'jd'):,} on both, {pos_members:,} POS, {args.wechat_members:,} WeChat) "
          f"in {population_seconds:.1f}s", flush=True)

    out: Path = args.out
    stamp = export_stamp(args.end_date)
    summaries: list[ExportSummary] = []

    def report(*written: ExportSummary | None) -> None:
        for summary in written:
            if summary is not None:
                summaries.append(summary)
                print(summary.line(), flush=True)

    if args.tmall_rows:
        items = None if args.no_tmall_items else out / f"ExportOrderDetailList{stamp}.csv"
        report(*write_tmall_reports(out / f"ExportOrderList{stamp}.csv", items, population, args.tmall_rows,
                                    drop_pii=args.drop_pii, bad_rate=args.bad_rate, jobs=args.jobs))
    if args.jd_rows:
        report(write_jd_orders(out / f"jd_order_export_{stamp}.csv", population, args.jd_rows,
                               bad_rate=args.bad_rate, jobs=args.jobs))
    if args.pos_rows:
        report(write_generic_orders(out / f"pos_orders_{stamp}.csv", population, args.pos_rows,
                                    bad_rate=args.bad_rate, jobs=args.jobs))
    if args.wechat_members:
        report(write_generic_members(out / f"wechat_members_{stamp}.csv", population, bad_rate=args.bad_rate))

    total = time.perf_counter() - started
    size = sum(s.bytes for s in summaries)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"total            {len(summaries)} files, {size / 1_000_000:,.1f} MB in {total:.1f}s "
          f"(peak memory {peak:,.0f} MiB, largest worker {workers:,.0f} MiB, jobs={args.jobs})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
