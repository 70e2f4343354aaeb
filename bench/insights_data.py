"""The data of the insights benches (metrics, models, segments, dashboards): bench/tags_data.py's
database of that size, built first if missing, migrated to this checkout, with Django set up on it."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

from bench.databases import manage_env, server_url
from bench.tags import setup_django, sql
from bench.tags_data import ensure

ROOT = Path(__file__).resolve().parent.parent


def open_bench_database(members: int, orders_per_member: float = 10.0) -> dict:
    """The build's meta (members, orders, lines, seconds); prints the machine line the figures need."""
    url, meta = ensure(server_url(), members, orders_per_member=orders_per_member)
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"],
                   env=manage_env(url), check=True)
    setup_django(url)
    print(f"machine: {platform.machine()}, {sql('SHOW server_version')[0][0]}; {meta['members']:,} members, "
          f"{meta['orders']:,} orders", flush=True)
    return meta
