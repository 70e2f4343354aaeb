"""Mobile numbers: E.164 for matching, a masked form for display, and test-number blocking."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import phonenumbers

from .text import is_junk_value, strip_export_quirks

OK, MASKED, INVALID, EMPTY = "ok", "masked", "invalid", "empty"

_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SEPARATORS = re.compile(r"[\s\-().·/]")
_EXCEL_FLOAT = re.compile(r"^\d+\.0+$")  # 13812345678.0
_EXCEL_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")  # 1.3812345678E+10
# Platforms hide the middle of a number with *, x or X; after stripping +86 it is 11 chars.
_MASK_CHARS = re.compile(r"[xX*]")
_MASKED_CN = re.compile(r"^(?:\+?86|0086)?(1[\d*]{10})$")


@dataclass(frozen=True)
class PhoneResult:
    e164: str  # "" unless status is "ok"
    masked: str  # display form; "" for invalid/empty
    status: str  # ok | masked | invalid | empty


def _is_test_number(digits: str) -> bool:
    """Numbers people type to get past a required field (11111111111, 13800000000)."""
    return len(set(digits[1:])) == 1 or digits[3:] == "0" * 8


def _mask_cn(digits: str) -> str:
    return f"{digits[:3]}****{digits[-4:]}"


def _mask_foreign(number: phonenumbers.PhoneNumber) -> str:
    national = str(number.national_number)
    keep_head, keep_tail = (2, 4) if len(national) > 6 else (1, 2)
    stars = "*" * max(len(national) - keep_head - keep_tail, 1)
    return f"+{number.country_code}{national[:keep_head]}{stars}{national[-keep_tail:]}"


def _undo_excel_number(text: str) -> str:
    """Excel stores long numbers as floats: "13812345678.0" or "1.3812345678E+10"."""
    if _EXCEL_FLOAT.match(text):
        return text.split(".")[0]
    if _EXCEL_SCIENTIFIC.match(text):
        try:
            value = Decimal(text)
        except InvalidOperation:
            return text
        if value == value.to_integral_value():
            return str(int(value))
    return text


def _masked_result(compact: str) -> PhoneResult | None:
    if not _MASK_CHARS.search(compact):
        return None
    match = _MASKED_CN.match(_MASK_CHARS.sub("*", compact))
    # Enough digits must survive to be worth showing ("1**********" is no phone at all).
    if match and "*" in match.group(1) and sum(ch.isdigit() for ch in match.group(1)) >= 5:
        return PhoneResult("", match.group(1), MASKED)
    return None


def _foreign(number_text: str) -> PhoneResult:
    try:
        number = phonenumbers.parse(number_text, None)
    except phonenumbers.NumberParseException:
        return PhoneResult("", "", INVALID)
    if number.country_code == 86 or not phonenumbers.is_valid_number(number):
        return PhoneResult("", "", INVALID)  # +86 is only accepted as a CN mobile
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return PhoneResult(e164, _mask_foreign(number), OK)


def normalize_mobile(raw: str | None) -> PhoneResult:
    """Parse a phone as exported by any channel; CN mobiles become +86XXXXXXXXXXX."""
    if isinstance(raw, str):
        return _normalize_mobile_text(raw)  # imports see each buyer's number many times
    return _normalize_mobile(raw)


@lru_cache(maxsize=1 << 16)
def _normalize_mobile_text(raw: str) -> PhoneResult:
    return _normalize_mobile(raw)


def _normalize_mobile(raw) -> PhoneResult:
    text = strip_export_quirks(raw)
    # Placeholders mean "no number"; long all-zero strings are typed fakes, hence invalid.
    if is_junk_value(text) and not (text.isdigit() and len(text) >= 7):
        return PhoneResult("", "", EMPTY)
    compact = _SEPARATORS.sub("", _undo_excel_number(text))
    masked = _masked_result(compact)
    if masked:
        return masked
    if compact.startswith("+") or (compact.startswith("00") and not compact.startswith("0086")):
        digits = compact.lstrip("+")
        if digits.startswith("00"):
            digits = digits[2:]  # 00 is the international dialling prefix, same as +
        if not digits.isdigit():
            return PhoneResult("", "", INVALID)
        if not digits.startswith("86"):
            return _foreign("+" + digits)
        compact = digits
    if not compact.isdigit():
        return PhoneResult("", "", INVALID)
    for prefix in ("0086", "86"):
        if len(compact) == len(prefix) + 11 and compact.startswith(prefix):
            compact = compact[len(prefix):]
            break
    if not _CN_MOBILE.match(compact) or _is_test_number(compact):
        return PhoneResult("", "", INVALID)
    return PhoneResult("+86" + compact, _mask_cn(compact), OK)


def mask_mobile(e164_or_raw: str) -> str:
    """The display form of a phone ("138****5678"); "" when it is not a phone."""
    return normalize_mobile(e164_or_raw).masked


def masked_mobile(value: str) -> str:
    """A phone as staff without reveal permission see it ("138****5678"); never the full number."""
    if not value:
        return ""
    return mask_mobile(value) or "****"
