import threading
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import close_old_connections, connection

from members.services import IncomingRecord, resolve_record

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, time: str = "12:00") -> datetime:
    """An aware Asia/Shanghai datetime from 'YYYY-MM-DD' and 'HH:MM'."""
    return datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI)


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker, django_db_modify_db_settings):
    """pytest-django's, but the test database is a copy of a migrated template (tests/db_template.py)."""
    from tests.db_template import set_up_test_database, tear_down_test_database

    with django_db_blocker.unblock():
        old_name = set_up_test_database()
    yield
    with django_db_blocker.unblock():
        tear_down_test_database(old_name)


@pytest.fixture
def person(db):
    """Resolve one channel record; returns the Resolution."""

    def _resolve(channel="tmall", external_id="", seen="2026-01-01", **fields):
        record = IncomingRecord(channel=channel, external_id=external_id, seen_at=at(seen), **fields)
        return resolve_record(record)

    return _resolve


def login(client, username, *, group=None, perms=(), staff=True):
    """Sign a user in with a role group and/or explicit permissions ("app_label.codename")."""
    user = get_user_model().objects.create_user(username=username, password="x", is_staff=staff)
    if group:
        user.groups.add(Group.objects.get(name=group))
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    client.force_login(user)
    return user


# How long a concurrency test waits for its threads, and its threads for each other at a barrier.
# Generous for a busy 2-core CI machine; a thread still running after it is stuck, not slow.
THREAD_TIMEOUT = 60
BARRIER_TIMEOUT = 30


def in_thread(work, errors: list, *, name: str | None = None) -> threading.Thread:
    """Start `work` in a thread of its own (its own database connection, closed at the end);
    an exception it raises is appended to `errors` for the test to assert on.

    Finish with `join_all`, which fails the test if the thread never ends. The thread is a
    daemon, so a stuck one cannot keep the test run from exiting."""

    def run():
        try:
            thread.backend_pid = _backend_pid()
            work()
        except Exception as error:  # noqa: BLE001 - collected and asserted by the test
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=run, name=name or getattr(work, "__name__", None), daemon=True)
    thread.backend_pid = None
    thread.start()
    return thread


def start_together(parties: int, timeout: float = BARRIER_TIMEOUT) -> threading.Barrier:
    """A barrier for `parties` threads that gives up after `timeout` seconds: if one thread never
    arrives, the others raise BrokenBarrierError (collected by in_thread) instead of waiting for ever."""
    return threading.Barrier(parties, timeout=timeout)


def join_all(threads, timeout: float = THREAD_TIMEOUT) -> None:
    """Wait for every thread, `timeout` seconds in all; fail the test naming each one still running.

    A stuck thread's PostgreSQL session is ended first: its locks would otherwise block the
    test's own clean-up (TRUNCATE) and turn one failure into a hung run."""
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [thread for thread in threads if thread.is_alive()]
    if stuck:
        _end_sessions(thread.backend_pid for thread in stuck)
        names = ", ".join(thread.name for thread in stuck)
        pytest.fail(f"{len(stuck)} of {len(threads)} threads did not finish within {timeout:g} s: {names}")


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _end_sessions(pids) -> None:
    pids = [pid for pid in pids if pid is not None]
    if pids:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [pids])


def pytest_configure(config):
    """ArviZ (under pymc-marketing) writes a once-a-day stamp on import through one fixed temporary
    file: two test workers importing it at once on a fresh machine race for that file and one fails
    to collect. The controller writes today's stamp first, so the workers only read it."""
    if hasattr(config, "workerinput"):  # an xdist worker: the controller has written it
        return
    try:
        from platformdirs import user_cache_dir  # arviz's own dependency: absent, there is no arviz either
    except ImportError:
        return
    stamp = Path(user_cache_dir("arviz", "arviz")) / "daily_warning"
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(date.today().isoformat())
