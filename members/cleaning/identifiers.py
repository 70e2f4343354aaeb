"""Identifier values as stored for matching, and the values that must never link two people."""

import re

from .phones import OK, normalize_mobile
from .text import is_junk_value, normalize_email, strip_export_quirks, to_halfwidth

IDENTIFIER_KINDS = (
    "mobile", "email", "wechat_unionid", "wechat_openid", "tmall_ouid", "tmall_omid",
    "tmall_nick", "jd_account", "pos_card", "mall_user", "external_id",
)
# Platform-issued tokens are case-sensitive: two openids differing in case are two people.
_CASE_SENSITIVE = frozenset({"wechat_unionid", "wechat_openid", "tmall_ouid", "tmall_omid", "external_id"})
# Account names on these platforms are case-insensitive, so "Tom_Lee" and "tom_lee" are one account.
_CASE_INSENSITIVE = frozenset({"tmall_nick", "jd_account", "mall_user"})
# Shared placeholders typed at the till or filled in by platforms; linking on them would
# merge every customer who shares the placeholder into one person.
_BLOCKED = frozenset({"-1", "null", "anonymous", "test", "guest", "unknown", "匿名", "测试", "游客", "default"})
_MIN_LENGTH = 3
_CARD_SEPARATORS = re.compile(r"[\s\-]")


def _kind(kind) -> str:
    kind = getattr(kind, "value", kind)  # accepts Django's IdentifierKind members too
    if kind not in IDENTIFIER_KINDS:
        raise ValueError(f"unknown identifier kind {kind!r}")
    return kind


def _card_number(text: str) -> str:
    # Dropping dashes can expose another quirk ("-'001"), so repeat until nothing changes.
    while (compact := strip_export_quirks(_CARD_SEPARATORS.sub("", text)).upper()) != text:
        text = compact
    return text


def _normalized(kind: str, raw) -> str:
    """The value as compared, before any blocking."""
    if kind == "mobile":
        return normalize_mobile(raw).e164
    if kind == "email":
        return normalize_email(raw)
    text = strip_export_quirks(raw)
    if kind == "pos_card":
        return _card_number(text)
    if kind in _CASE_INSENSITIVE:
        return to_halfwidth(text).lower()
    return text


def is_blocked_value(kind: str, value) -> bool:
    """True for values that are placeholders, tests or masks rather than a person's identifier."""
    kind = _kind(kind)
    if kind == "mobile":
        return normalize_mobile(value).status != OK  # masked, test numbers, junk
    text = _normalized(kind, value)
    if not text or "*" in text or is_junk_value(text) or text.lower() in _BLOCKED:
        return True
    if len(set(text.lower())) == 1:  # 0000, aaaa, 1111111
        return True
    return kind != "email" and len(text) < _MIN_LENGTH


def normalize_identifier(kind: str, raw) -> str:
    """The value to store and match on; "" when the value must never link two people."""
    kind = _kind(kind)
    value = _normalized(kind, raw)
    if not value or is_blocked_value(kind, value):
        return ""
    return value
