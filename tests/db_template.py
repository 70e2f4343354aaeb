"""Test databases copied from one migrated template instead of migrating each from scratch.

Migrating an empty database takes ~20 s; copying a migrated one takes well under a second. The
template is named after a hash of the project's code (migrations, models, the post-migrate role
sync — any .py in the apps) and Django's version, so a change to any of them builds a new one and
a stale template is never copied. It is built once per server, under an advisory lock, so
pytest-xdist workers starting together wait for one build instead of racing. Each worker then
gets its own copy (test_crm_gw0, …), dropped at the end of the session like Django's own.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import django
from django.conf import settings
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("core", "config", "members", "loyalty", "tagging", "insights", "workspace", "campaigns")
BUILD_LOCK = 0x7E57_DB  # pg_advisory_lock key, taken in the server's "postgres" database


def code_hash() -> str:
    digest = hashlib.sha256(django.get_version().encode())
    for directory in CODE_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def set_up_test_database() -> str:
    """Copy (building first if needed) the migrated template into this worker's test database and
    point the default connection at it, as Django's create_test_db would. Returns the old name."""
    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    prefix, _, worker = creation._get_test_db_name().partition("_gw")
    test_name = f"{prefix}_p{_session_pid()}" + (f"_gw{worker}" if worker else "")
    template = f"{prefix}_tpl_{code_hash()}"
    with _maintenance() as admin:
        admin.execute("SELECT pg_advisory_lock(%s)", [BUILD_LOCK])
        try:
            _drop_left_by_dead_sessions(admin, prefix)
            if not _exists(admin, template):
                _build(admin, template)
            admin.execute(f'DROP DATABASE IF EXISTS "{test_name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{test_name}" TEMPLATE "{template}"')
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s)", [BUILD_LOCK])
    _point_at(test_name)
    # What TransactionTestCase(serialized_rollback=True) restores after its flush.
    connection._test_serialized_contents = creation.serialize_db_to_string()
    return old_name


def _session_pid() -> int:
    """The pytest session's process: the xdist controller for a worker (its parent), else this one.
    Test databases carry it, so two test runs at once in one checkout never share a database."""
    return os.getppid() if os.environ.get("PYTEST_XDIST_WORKER") else os.getpid()


def _drop_left_by_dead_sessions(admin, prefix: str) -> None:
    """Drop test databases whose session was killed before its teardown. Only on a server over a
    Unix socket (the embedded one, on this machine): elsewhere a pid may be another machine's."""
    import psutil

    if not str(connection.settings_dict.get("HOST") or "").startswith("/"):
        return
    rows = admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{prefix}\\_p%"]).fetchall()
    for (name,) in rows:
        pid = name[len(prefix) + 2:].partition("_")[0]
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def tear_down_test_database(old_name: str) -> None:
    test_name = connection.settings_dict["NAME"]
    connection.close()
    _point_at(old_name)
    with _maintenance() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{test_name}" WITH (FORCE)')


def _build(admin, template: str) -> None:
    """Migrate a fresh database and rename it to `template` only once complete: a build that dies
    half-way leaves a *_partial database that the next build drops, never a broken template."""
    partial = f"{template}_partial"
    admin.execute(f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{partial}"')
    saved = connection.settings_dict["NAME"]
    _point_at(partial)
    try:
        call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
        call_command("createcachetable")
    finally:
        connection.close()
        _point_at(saved)
    for (stale,) in admin.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
        [f"{template.rsplit('_tpl_', 1)[0]}_tpl_%", partial],
    ).fetchall():
        admin.execute(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
    admin.execute(f'ALTER DATABASE "{partial}" RENAME TO "{template}"')


def _point_at(name: str) -> None:
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name


def _exists(admin, name: str) -> bool:
    return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _maintenance():
    """An autocommit connection to the server's "postgres" database (CREATE/DROP DATABASE)."""
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    params.pop("server_side_binding", None)
    params["dbname"] = "postgres"
    return psycopg.connect(autocommit=True, **params)
