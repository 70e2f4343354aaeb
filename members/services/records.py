"""The shape every channel's person data takes before resolution, and its cleaning."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from members import cleaning
from members.models import Channel, IdentifierKind, Identity, Member, SourceProfile

from .errors import MembersError

_CHANNELS = frozenset(Channel.values)
_IDENTIFIER_KINDS = frozenset(IdentifierKind.values)
RAW_FIELDS = ("name", "gender", "birthday", "mobile", "email", "province", "city", "district", "address")


def _column(name: str) -> tuple[str, int]:
    """(Chinese label, max_length) of a profile text field: a person's and an account's columns alike."""
    field = SourceProfile._meta.get_field(name)
    return str(field.verbose_name), min(field.max_length, Member._meta.get_field(name).max_length)


# The profile text columns a clean record fills, by field: (label, longest value the column holds).
PROFILE_LIMITS = {name: _column(name) for name in (
    "name", "mobile", "mobile_masked", "email", "province", "city", "district", "address",
)}
EXTERNAL_ID_LIMIT = SourceProfile._meta.get_field("external_id").max_length
_IDENTITY_VALUE_LIMIT = Identity._meta.get_field("value").max_length


def identifier_limit(kind: str) -> int:
    """The longest identifier of `kind` a record may carry.

    It must fit Identity.value, and also "kind:value", which becomes the channel account's
    key when a record has no account of its own (see resolve_record).
    """
    return min(_IDENTITY_VALUE_LIMIT, EXTERNAL_ID_LIMIT - len(kind) - 1)


class ValueTooLong(MembersError):
    """A cleaned value is longer than its column: refused, never cut (a cut identifier links the wrong person)."""


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
        "address": address,
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
    external_id = cleaning.strip_export_quirks(record.external_id)
    _check_lengths(profile, external_id, identifiers)
    return CleanRecord(
        channel=record.channel,
        external_id=external_id,
        profile=profile,
        identifiers=identifiers,
        store_code=cleaning.strip_export_quirks(record.store_code),
        seen_at=record.seen_at or timezone.now(),
        raw=raw_values(record),
        notes=notes,
    )


def _check_lengths(profile: dict, external_id: str, identifiers: list[tuple[str, str]]) -> None:
    """The last gate before the database: a value past its column refuses the record.

    Imports cut or refuse long values while parsing (members/imports/formats/limits.py), so this
    only fires for other callers, or where cleaning lengthened a value (a lower-cased "İ" is two
    characters). Without it PostgreSQL refuses the insert, and bulk updates cut the value silently.
    """
    for name, (label, limit) in PROFILE_LIMITS.items():
        if len(profile[name]) > limit:
            raise ValueTooLong(f"{label}超过 {limit} 个字符")
    if len(external_id) > EXTERNAL_ID_LIMIT:
        raise ValueTooLong(f"渠道账号超过 {EXTERNAL_ID_LIMIT} 个字符")
    for kind, value in identifiers:
        if len(value) > (limit := identifier_limit(kind)):
            raise ValueTooLong(f"标识 {IdentifierKind(kind).label} 超过 {limit} 个字符")
