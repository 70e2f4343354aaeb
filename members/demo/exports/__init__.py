"""Realistic channel export files for benchmarks and the demo: Tmall order and item reports,
the JD merchant order export, and our generic POS-order and member templates.

Pure Python (no Django), deterministic (same arguments → byte-identical files: every draw
comes from `random.Random` streams keyed by the seed, nothing reads the clock), streamed
to disk block by block (memory does not grow with the number of rows).

    population = generate_population(1, 400_000, end_date=date(2025, 7, 1),
                                     tmall_buyers=300_000, jd_buyers=100_000, jd_shared=0.3)
    write_tmall_orders("ExportOrderList202507010800.csv", population, 1_000_000)
    write_tmall_items("ExportOrderDetailList202507010800.csv", population, 1_000_000)
    write_jd_orders("jd_order_export_202507010800.csv", population, 300_000)
    write_generic_orders("pos_orders.csv", population, 20_000)
    write_generic_members("wechat_members.csv", population)

The people overlap across channels the way real customers do: one main mobile everywhere
(a few also an older second one, or a masked one on some Tmall/JD rows), so importing all
files merges them. `bad_rate` injects unparseable amounts, bad dates and missing order
numbers; each summary lists the affected spreadsheet rows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from .common import ExportSummary
from .generic import write_generic_members, write_generic_orders
from .jd import iter_jd_orders, write_jd_orders
from .population import Person, Population, generate_population, people_needed
from .tmall import iter_tmall_orders, write_tmall_items, write_tmall_orders, write_tmall_reports

__all__ = [
    "ExportSummary",
    "Person",
    "Population",
    "export_stamp",
    "generate_population",
    "iter_jd_orders",
    "iter_tmall_orders",
    "people_needed",
    "write_demo_exports",
    "write_generic_members",
    "write_generic_orders",
    "write_jd_orders",
    "write_tmall_items",
    "write_tmall_orders",
    "write_tmall_reports",
]


def export_stamp(end_date: date) -> str:
    """The timestamp channels put in export file names, fixed to 08:00 on `end_date`."""
    return f"{end_date:%Y%m%d}0800"


def write_demo_exports(
    directory: Path | str, *, people: int = 300, seed: int = 42, end_date: date, bad_rate: float = 0.0,
) -> list[tuple[str, str, Path]]:
    """A small, consistent set of channel files for `people` people and the two years before
    `end_date`: Tmall order + item reports, a JD export, POS receipts and WeChat members.

    Returns (format_key, kind, path) in the order to import them — members first, then
    orders, the Tmall item report after its orders — with the importer's keys
    (`members.imports.formats`): ("generic", "members"), ("tmall", "orders"),
    ("tmall_items", "orders"), ("jd", "orders"), ("generic", "orders").
    """
    directory = Path(directory)
    population = generate_population(seed, people, end_date=end_date)
    stamp = export_stamp(end_date)
    tmall_rows = 3 * len(population.tmall)
    summaries = [
        write_generic_members(directory / f"wechat_members_{stamp}.csv", population, bad_rate=bad_rate),
        *write_tmall_reports(directory / f"ExportOrderList{stamp}.csv", directory / f"ExportOrderDetailList{stamp}.csv",
                             population, tmall_rows, bad_rate=bad_rate),
        write_jd_orders(directory / f"jd_order_export_{stamp}.csv", population, 3 * len(population.jd),
                        bad_rate=bad_rate),
        write_generic_orders(directory / f"pos_orders_{stamp}.csv", population, 4 * len(population.pos),
                             bad_rate=bad_rate),
    ]
    return [(s.format_key, s.kind, s.path) for s in summaries if s is not None]
