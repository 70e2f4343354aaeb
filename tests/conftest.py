from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

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
