"""A/B of the first import: the same file, the code of another commit against this work tree.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm python bench/import_ab.py --before HEAD~1 \\
        --file bench/out/ExportOrderList202507010800.csv --rounds 2

On a shared, noisy machine two benchmark runs an hour apart differ by more than most changes
do; only runs side by side compare. Each round imports the file once with each code, in
alternating order, into a fresh copy of that code's migrated template database (a checkpoint
first, so both start alike), and prints wall time and CPU (import process / rest of the
machine, see cpu_time.py). The `--before` code runs from a temporary git worktree.
Databases made: `crm_ab_{before,after}` and their templates (dropped at the end).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.cpu_time import CpuMeter  # noqa: E402
from bench.databases import admin_url, drop, manage_env, recreate, server_url  # noqa: E402


def _manage(root: Path, url: str, *args: str) -> None:
    subprocess.run([sys.executable, str(root / "manage.py"), *args], env=manage_env(url), cwd=root, check=True,
                   capture_output=True)


def _checkpoint(url: str) -> None:
    subprocess.run(["psql", admin_url(url), "-qc", "CHECKPOINT"], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="a git commit, e.g. HEAD~1")
    parser.add_argument("--file", type=Path, required=True, help="a Tmall order report")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    url = server_url()  # DATABASE_URL, or the embedded server

    with tempfile.TemporaryDirectory(prefix="import-ab-") as scratch:
        before_root = Path(scratch) / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(before_root), args.before],
                       check=True)
        try:
            roots = {"before": before_root, "after": ROOT}
            for side, root in roots.items():  # each side's own migrations
                _manage(root, recreate(url, f"crm_ab_{side}_tpl"), "migrate", "--no-input")
            results = {side: [] for side in roots}
            for number in range(args.rounds):
                order = list(roots) if number % 2 == 0 else list(reversed(roots))
                for side in order:
                    db = recreate(url, f"crm_ab_{side}", template=f"crm_ab_{side}_tpl")
                    _checkpoint(url)
                    start = time.perf_counter()
                    with CpuMeter() as meter:
                        _manage(roots[side], db, "import_orders", "--format", "tmall", str(args.file.resolve()))
                    wall = time.perf_counter() - start
                    results[side].append((wall, meter.use.child, meter.use.rest))
                    print(f"round {number + 1} {side:>6}: wall {wall:.1f} s, import CPU {meter.use.child:.1f} s, "
                          f"server and rest {meter.use.rest:.1f} s", flush=True)
            for side, runs in results.items():
                walls, child, rest = zip(*runs, strict=True)
                print(f"{side:>6}: mean wall {statistics.mean(walls):.1f} s, import CPU {statistics.mean(child):.1f} s, "
                      f"server and rest {statistics.mean(rest):.1f} s")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before_root)], check=False)
            for side in ("before", "after"):
                drop(url, f"crm_ab_{side}")
                drop(url, f"crm_ab_{side}_tpl")


if __name__ == "__main__":
    main()
