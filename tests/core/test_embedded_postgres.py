"""The development database: a private PostgreSQL shared by every process of the checkout and
stopped when the last one exits (core/embedded_postgres.py). Each test runs its own server on a
data directory under tmp_path, in child processes, exactly as manage.py and pytest start it."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from core.embedded_postgres import _Handles, _running

ROOT = Path(__file__).resolve().parents[2]
HOLDER = """
import sys
from pathlib import Path
from core.embedded_postgres import shared_server
server = shared_server(Path(sys.argv[1]))
print(server.url(), flush=True)
sys.stdin.readline()  # hold the server until told to exit
"""


@pytest.fixture
def data_dir():
    # Under var/, not pytest's tmp_path: pytest makes its base folder private (0700) at each session
    # and the server runs as a user of its own when the tests run as root.
    (ROOT / "var").mkdir(exist_ok=True)
    parent = Path(tempfile.mkdtemp(prefix="test-postgres-", dir=ROOT / "var"))
    path = parent / "postgres"
    yield path
    if _running(path):  # a failed test must not leave a server behind
        subprocess.run([sys.executable, "-m", "core.embedded_postgres", "stop", str(path)], cwd=ROOT, check=False)
    shutil.rmtree(parent, ignore_errors=True)


def hold(data_dir: Path) -> tuple[subprocess.Popen, str]:
    """A process that starts or reuses the server and holds it; returns it and the server's URL."""
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(data_dir)], cwd=ROOT, text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    url = process.stdout.readline().strip()
    assert url, "the holder exited before the server was ready"
    return process, url


def release(process: subprocess.Popen) -> None:
    process.stdin.write("\n")
    process.stdin.flush()
    assert process.wait(timeout=60) == 0


def test_the_server_starts_on_first_use_is_shared_and_stops_with_the_last_user(data_dir):
    # given a first process that initialises and starts the server, and a second that joins it
    first, url = hold(data_dir)
    second, second_url = hold(data_dir)
    assert second_url == url
    with psycopg.connect(url) as connection:
        assert connection.execute("SHOW server_version").fetchone()[0].startswith("18")
        connection.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # the fuzzy search needs it

    # when the first one exits, the server keeps serving the second
    release(first)
    assert _running(data_dir)
    with psycopg.connect(url) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)

    # when the last one exits, the server stops
    release(second)
    assert not _running(data_dir)


def test_a_killed_user_does_not_keep_the_server_running_for_ever(data_dir):
    # given two users, one of which is killed and never unregisters
    killed, _ = hold(data_dir)
    survivor, _ = hold(data_dir)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)

    # when the survivor exits normally
    release(survivor)

    # then the server stops: the dead entry was pruned, not counted
    assert not _running(data_dir)


def test_the_data_survives_a_restart(data_dir):
    # given a table written by one session of the server
    process, url = hold(data_dir)
    with psycopg.connect(url) as connection:
        connection.execute("CREATE TABLE kept (value text)")
        connection.execute("INSERT INTO kept VALUES ('会员')")
    release(process)

    # when the server is started again later
    process, url = hold(data_dir)
    try:
        with psycopg.connect(url) as connection:
            # then the data is there
            assert connection.execute("SELECT value FROM kept").fetchone() == ("会员",)
    finally:
        release(process)


def test_handles_forget_dead_processes_and_reused_pids(tmp_path):
    # given a handles file naming this process, a process that is gone, and this pid with another start time
    path = tmp_path / "handles.json"
    handles = _Handles(path)
    handles.add(os.getpid())
    entries = json.loads(path.read_text())
    entries["999999999"] = time.time()
    path.write_text(json.dumps(entries))

    # when this process unregisters
    remaining = handles.remove(os.getpid())

    # then nobody is left using the server
    assert remaining == 0

    # and a pid whose start time differs (reused by another program) is not a user either
    path.write_text(json.dumps({str(os.getpid()): 1.0}))
    assert handles.remove(12345678) == 0


@pytest.mark.parametrize("settings_module", ["config.settings.local", "config.settings.test"])
def test_with_database_url_set_no_server_is_started(tmp_path, settings_module):
    # given DATABASE_URL naming a server, and a data directory where the embedded one would be made
    data_dir = tmp_path / "postgres"
    env = {**os.environ, "DATABASE_URL": "postgres://crm@db.example.com:5432/crm",
           "EMBEDDED_POSTGRES_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": settings_module}

    # when Django starts with the development or test settings
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "print(settings.DATABASES['default']['HOST'])"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )

    # then it uses that server and no embedded one was initialised
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "db.example.com"
    assert not data_dir.exists()
