import threading
from datetime import datetime
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


@pytest.fixture
def person(db):
    """Resolve one channel record; returns the Resolution."""

    def _resolve(channel="tmall", external_id="", seen="2026-01-01", **fields):
        record = IncomingRecord(channel=channel, external_id=external_id, seen_at=at(seen), **fields)
        return resolve_record(record)

    return _resolve


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL); SQLite serializes writers"
)


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


def in_thread(work, errors: list) -> threading.Thread:
    """Start `work` in a thread of its own (its own database connection, closed at the end);
    an exception it raises is appended to `errors` for the test to assert on."""

    def run():
        try:
            work()
        except Exception as error:  # noqa: BLE001 - collected and asserted by the test
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread
