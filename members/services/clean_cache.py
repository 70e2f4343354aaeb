"""Clean records by their raw values, so a buyer repeated across an import is cleaned once."""

from __future__ import annotations

from collections.abc import Iterable

from .errors import MembersError
from .records import CleanRecord, IncomingRecord, clean_record


def record_key(record: IncomingRecord) -> tuple:
    """Everything `clean_record` reads, except seen_at (which the copy handed out takes from the record)."""
    return (
        record.channel, record.external_id, record.name, record.gender, record.birthday, record.mobile,
        record.email, record.province, record.city, record.district, record.address, record.store_code,
        record.registered_at, tuple(sorted((record.identifiers or {}).items())),
    )


class CleanCache:
    """Clean records by their raw values, shared by the chunks of one import.

    A buyer's rows repeat the same values across the whole file, so each distinct raw record
    is cleaned once; the import's read-ahead thread fills it (`preclean`) while the database
    works on the previous chunk. Bounded: it starts over when full rather than grow with the file.
    Plain dict operations only, which are atomic under the GIL, so the two threads need no lock.
    """

    def __init__(self, limit: int = 200_000):
        self.limit, self.known = limit, {}

    def get(self, key: tuple) -> CleanRecord | None:
        return self.known.get(key)

    def put(self, key: tuple, clean: CleanRecord) -> None:
        if len(self.known) >= self.limit:
            self.known = {}
        self.known[key] = clean


def preclean(records: Iterable[IncomingRecord], cache: CleanCache) -> None:
    """Clean what `resolve_records` will need into `cache` (no database access; any thread)."""
    for record in records:
        if record.attributes:
            continue  # cleaned with its attributes, never cached
        key = record_key(record)
        if cache.get(key) is None:
            try:
                cache.put(key, clean_record(record))
            except (ValueError, MembersError):
                pass  # resolve_records cleans it again and reports the problem on its row


def clean_cached(record: IncomingRecord, cache: CleanCache) -> CleanRecord:
    """clean_record, once per distinct raw record: a buyer's rows repeat the same values."""
    if record.attributes:
        return clean_record(record)
    key = record_key(record)
    cached = cache.get(key)
    if cached is None:
        cached = clean_record(record)
        cache.put(key, cached)
    return CleanRecord(
        channel=cached.channel, external_id=cached.external_id, profile={**cached.profile, "attributes": {}},
        identifiers=list(cached.identifiers), store_code=cached.store_code,
        seen_at=record.seen_at or cached.seen_at, raw=cached.raw, notes=cached.notes,
    )
