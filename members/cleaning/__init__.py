"""Pure-Python cleaning of raw channel data: text, phones, dates, genders, regions, identifiers.

No Django and no database: every function maps raw export values to clean ones, so the
same rules apply in imports, admin search and the API.
"""

from .dates import parse_birthday, parse_datetime_cn
from .genders import normalize_gender
from .identifiers import IDENTIFIER_KINDS, is_blocked_value, normalize_identifier
from .phones import PhoneResult, mask_mobile, masked_mobile, normalize_mobile
from .regions import Region, split_address, standardize_region
from .text import clean_name, is_junk_value, normalize_email, strip_export_quirks, to_halfwidth

__all__ = [
    "IDENTIFIER_KINDS",
    "PhoneResult",
    "Region",
    "clean_name",
    "is_blocked_value",
    "is_junk_value",
    "mask_mobile",
    "masked_mobile",
    "normalize_email",
    "normalize_gender",
    "normalize_identifier",
    "normalize_mobile",
    "parse_birthday",
    "parse_datetime_cn",
    "split_address",
    "standardize_region",
    "strip_export_quirks",
    "to_halfwidth",
]
