"""Birthdays and timestamps as Chinese channels export them (Excel serials, 年月日, slashes)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from .text import is_junk_value, strip_export_quirks

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Excel's day 0 is 1899-12-30 once its fictitious 1900-02-29 is accounted for.
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_MAX_AGE_YEARS = 120
_PLACEHOLDER_BIRTHDAYS = frozenset({dt.date(1900, 1, 1)})  # systems' "no birthday" default

_DATE_PART = r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?"
_TIME_PART = (
    r"(?:[ T]+(?P<H>\d{1,2})[:时](?P<M>\d{1,2})分?(?:[:](?P<S>\d{1,2})(?:\.(?P<f>\d{1,6})\d*)?秒?)?)?"
)
_DATETIME = re.compile(rf"^{_DATE_PART}{_TIME_PART}\s*(?P<tz>Z|[+-]\d{{2}}:?\d{{2}})?$")
_COMPACT_DATE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
_SERIAL = re.compile(r"^\d{1,5}(?:\.\d+)?$")
_LONE_YEAR = re.compile(r"^(?:19|20)\d\d$")  # a year alone; also a serial in 1905, so never read as one
_EPOCH_SECONDS = re.compile(r"^\d{10}(?:\.\d+)?$")
_EPOCH_MILLIS = re.compile(r"^\d{13}$")


def _from_excel_serial(serial: float) -> dt.datetime | None:
    if not 1 <= serial < 2958466:  # Excel's own range: 1900-01-01 .. 9999-12-31
        return None
    # Rounded to the second: serials carry float noise (0.99999998 of a day).
    return EXCEL_EPOCH + dt.timedelta(seconds=round(serial * 86400))


def _match_to_datetime(match: re.Match) -> dt.datetime | None:
    parts = match.groupdict()
    try:
        return dt.datetime(
            int(parts["y"]), int(parts["m"]), int(parts["d"]),
            int(parts.get("H") or 0), int(parts.get("M") or 0), int(parts.get("S") or 0),
            int((parts.get("f") or "0").ljust(6, "0")),
        )
    except ValueError:
        return None  # 1990-02-30, 25:00, 0000-00-00


def _tz_from(text: str | None) -> dt.tzinfo | None:
    if not text:
        return None
    if text == "Z":
        return dt.UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _naive_date_part(raw) -> dt.date | None:
    """The calendar date a birthday cell holds, without plausibility checks."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float) and not (isinstance(raw, int) and 10_000_000 <= raw <= 99_991_231):
        if _LONE_YEAR.match(str(raw)):
            return None
        stamp = _from_excel_serial(float(raw))
        return stamp.date() if stamp else None
    text = strip_export_quirks(raw)
    if is_junk_value(text):
        return None
    if match := _COMPACT_DATE.match(text) or _DATETIME.match(text):
        stamp = _match_to_datetime(match)
        return stamp.date() if stamp else None
    if _SERIAL.match(text) and not _LONE_YEAR.match(text):
        stamp = _from_excel_serial(float(text))
        return stamp.date() if stamp else None
    return None


def parse_birthday(raw, *, today: dt.date | None = None) -> dt.date | None:
    """A plausible birthday, or None for junk, impossible, placeholder or future dates."""
    try:
        day = _naive_date_part(raw)
    except (ValueError, OverflowError, TypeError):
        return None
    if day is None or day.year < 1900 or day in _PLACEHOLDER_BIRTHDAYS:
        return None
    today = today or dt.date.today()
    if day > today:
        return None
    age = today.year - day.year - ((today.month, today.day) < (day.month, day.day))
    return day if age <= _MAX_AGE_YEARS else None


def _aware(stamp: dt.datetime) -> dt.datetime:
    """Naive times from Chinese channels are Beijing time; aware ones are converted."""
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=SHANGHAI)
    return stamp.astimezone(SHANGHAI)


def _parse_datetime(raw) -> dt.datetime | None:
    if isinstance(raw, dt.datetime):
        return _aware(raw)
    if isinstance(raw, dt.date):
        return dt.datetime(raw.year, raw.month, raw.day, tzinfo=SHANGHAI)
    if isinstance(raw, bool) or raw is None:
        return None
    text = strip_export_quirks(raw)
    if is_junk_value(text):
        return None
    # Platform APIs (Tmall, JD) send Unix timestamps in seconds or milliseconds.
    if _EPOCH_SECONDS.match(text) or _EPOCH_MILLIS.match(text):
        seconds = float(text) / (1000 if len(text) == 13 else 1)
        return dt.datetime.fromtimestamp(seconds, SHANGHAI)
    if _SERIAL.match(text):
        stamp = _from_excel_serial(float(text))
        return stamp.replace(tzinfo=SHANGHAI) if stamp else None
    if match := _DATETIME.match(text):
        stamp = _match_to_datetime(match)
        if stamp is None:
            return None
        return _aware(stamp.replace(tzinfo=_tz_from(match.group("tz"))))
    if match := _COMPACT_DATE.match(text):
        stamp = _match_to_datetime(match)
        return stamp.replace(tzinfo=SHANGHAI) if stamp else None
    return None


def parse_datetime_cn(raw) -> dt.datetime | None:
    """An aware Asia/Shanghai datetime from any export format; None (never an error) for junk."""
    try:
        return _parse_datetime(raw)
    except (ValueError, OverflowError, TypeError):
        return None
