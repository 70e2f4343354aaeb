"""The shape every channel's person data takes before resolution, and its cleaning."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from members import cleaning
from members.models import Channel, IdentifierKind

_CHANNELS = frozenset(Channel.values)
_IDENTIFIER_KINDS = frozenset(IdentifierKind.values)
RAW_FIELDS = ("name", "gender", "birthday", "mobile", "email", "province", "city", "district", "address")


@dataclass
class IncomingRecord:
    """What one channel account says about a person, raw as it arrived."""

    channel: str
    external_id: str = ""
    name: str = ""
    gender: str = ""
    birthday: Any = None
    mobile: str = ""
    email: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    address: str = ""
    store_code: str = ""
    registered_at: datetime | None = None
    seen_at: datetime | None = None
    identifiers: dict[str, str] = field(default_factory=dict)
    attributes: dict = field(default_factory=dict)


@dataclass
class CleanRecord:
    channel: str
    external_id: str
    profile: dict
    identifiers: list[tuple[str, str]]
    store_code: str
    seen_at: datetime
    raw: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def raw_values(record: IncomingRecord) -> dict:
    """What the channel sent, before cleaning: kept on the source profile, and compared by
    imports to skip accounts whose data has not changed since the last import."""
    raw = {f: str(getattr(record, f)) for f in RAW_FIELDS if getattr(record, f) not in (None, "")}
    if record.store_code:
        raw["store_code"] = str(record.store_code)
    identifiers = {k: str(v) for k, v in (record.identifiers or {}).items() if v not in (None, "")}
    if identifiers:
        raw["identifiers"] = identifiers
    if record.attributes:
        raw["attributes"] = {k: str(v) for k, v in record.attributes.items()}
    return raw


def clean_record(record: IncomingRecord) -> CleanRecord:
    if record.channel not in _CHANNELS:
        raise ValueError(f"unknown channel {record.channel!r}")
    notes: list[str] = []
    phone = cleaning.normalize_mobile(record.mobile)
    if phone.status == "invalid":
        notes.append(f"手机号无效: {record.mobile}")
    email = cleaning.normalize_email(record.email)
    if record.email and not email:
        notes.append(f"邮箱无效: {record.email}")
    birthday = record.birthday if isinstance(record.birthday, date) else cleaning.parse_birthday(record.birthday)
    region = cleaning.standardize_region(record.province, record.city, record.district)
    address = cleaning.strip_export_quirks(record.address)
    if address and region.status == "empty":
        region, street = cleaning.split_address(address)
        address = street or address
    profile = {
        "name": cleaning.clean_name(record.name),
        "gender": cleaning.normalize_gender(record.gender),
        "birthday": birthday,
        "mobile": phone.e164,
        "mobile_masked": phone.masked,
        "email": email,
        "province": region.province,
        "city": region.city,
        "district": region.district,
        "address": address[:255],
        "registered_at": record.registered_at,
        "attributes": dict(record.attributes or {}),
    }
    raw_ids = {IdentifierKind.MOBILE.value: record.mobile, IdentifierKind.EMAIL.value: record.email}
    raw_ids.update(record.identifiers or {})
    identifiers = []
    for kind, raw in raw_ids.items():
        if kind not in _IDENTIFIER_KINDS:
            raise ValueError(f"unknown identifier kind {kind!r}")
        value = cleaning.normalize_identifier(kind, raw)
        if value and (kind, value) not in identifiers:
            identifiers.append((kind, value))
    return CleanRecord(
        channel=record.channel,
        external_id=cleaning.strip_export_quirks(record.external_id),
        profile=profile,
        identifiers=identifiers,
        store_code=cleaning.strip_export_quirks(record.store_code),
        seen_at=record.seen_at or timezone.now(),
        raw=raw_values(record),
        notes=notes,
    )
