"""Comparable features of one person's profile (a Member row or a channel account)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from .names import EMPTY_NAME, NameParts, name_parts
from .text import address_tokens, normalize_place, normalize_text

POSTCODE_KEYS = ("postcode", "postal_code", "post_code", "zipcode", "zip_code", "zip", "邮编", "邮政编码")
_POSTCODE = re.compile(r"[^0-9a-z]")
_KNOWN_GENDERS = {"M", "F"}
_NUMBER = re.compile(r"\d+")
_UNIT_ENDINGS = "号弄栋座室楼层单元"


@dataclass(frozen=True, slots=True)
class Features:
    name: NameParts = EMPTY_NAME
    birthday: date | None = None
    gender: str = ""  # "M" / "F" / "" (unknown)
    mobile: str = ""
    email: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    postcode: str = ""
    address_tokens: tuple[str, ...] = ()
    # Derived once here rather than for every pair scored:
    address: str = ""  # the tokens joined by spaces
    door_units: frozenset[str] = frozenset()  # numbers and 座/栋/室 segments: where neighbours differ
    birthday_digits: str = ""  # YYYYMMDD


def _birthday(value) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def postcode_of(attributes) -> str:
    if not isinstance(attributes, Mapping):
        return ""
    for key in POSTCODE_KEYS:
        value = attributes.get(key)
        if value not in (None, ""):
            return _POSTCODE.sub("", normalize_text(value))
    return ""


def door_units(tokens: tuple[str, ...]) -> frozenset[str]:
    """The most specific parts of an address: numbers (门牌号, 弄, 室, street number) and short
    Chinese unit segments (A座, 3栋, 二单元)."""
    units = {n for t in tokens for n in _NUMBER.findall(t)}
    units.update(t for t in tokens if len(t) <= 4 and t[-1] in _UNIT_ENDINGS)
    return frozenset(units)


def build_features(profile: Mapping) -> Features:
    """Features from a mapping with any of: name, birthday, gender, mobile, email, province, city,
    district, address, attributes (a postcode may sit there). Missing keys are simply unknown."""
    gender = str(profile.get("gender") or "").upper()
    tokens = address_tokens(str(profile.get("address") or ""))
    birthday = _birthday(profile.get("birthday"))
    return Features(
        name=name_parts(str(profile.get("name") or "")),
        birthday=birthday,
        gender=gender if gender in _KNOWN_GENDERS else "",
        mobile=normalize_text(profile.get("mobile")).replace(" ", ""),
        email=normalize_text(profile.get("email")),
        province=normalize_place(profile.get("province")),
        city=normalize_place(profile.get("city")),
        district=normalize_place(profile.get("district")),
        postcode=postcode_of(profile.get("attributes")),
        address_tokens=tokens,
        address=" ".join(tokens),
        door_units=door_units(tokens),
        birthday_digits=birthday.strftime("%Y%m%d") if birthday else "",
    )
