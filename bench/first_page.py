"""Time from `make run` in a fresh clone to the first page served, for one or more commits.

    python bench/first_page.py                    # HEAD
    python bench/first_page.py 49c41f8 HEAD       # before and after, in the same run (this machine is noisy)

Each commit is cloned into a scratch folder; `make run` there installs the venv (from the pip
cache, so the network is not what is measured), migrates, loads the demo and starts runserver;
the bench polls the login page until it answers and then stops the whole process group. The
clone's own database (the embedded server, or SQLite before it) is new, as on a fresh machine.
Run it with no DATABASE_URL set, no server on port 8000 and nothing else busy.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
URL = "http://127.0.0.1:8000/accounts/login/"
TIMEOUT = 1200


def first_page_seconds(commit: str, scratch: Path) -> float:
    checkout = scratch / commit
    subprocess.run(["git", "clone", "-q", str(ROOT), str(checkout)], check=True)
    subprocess.run(["git", "-C", str(checkout), "checkout", "-q", commit], check=True)
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    log = (scratch / f"{commit}.log").open("w")
    started = time.monotonic()
    process = subprocess.Popen(["make", "run"], cwd=checkout, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        while time.monotonic() - started < TIMEOUT:
            if process.poll() is not None:
                raise SystemExit(f"{commit}: make run exited with {process.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(URL, timeout=5) as response:
                    if response.status == 200:
                        return time.monotonic() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        raise SystemExit(f"{commit}: no page within {TIMEOUT} s; see {log.name}")
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commits", nargs="*", default=["HEAD"])
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="first-page-") as scratch:
        results = {commit: first_page_seconds(commit, Path(scratch)) for commit in args.commits}
    baseline = results[args.commits[0]]
    for commit, seconds in results.items():
        print(f"{commit}: first page after {seconds:.1f} s ({seconds / baseline:.2f}× {args.commits[0]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
