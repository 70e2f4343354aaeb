"""Text clean-up shared by every field: export quirks, names, emails, placeholder values."""

import re
import unicodedata

from core.widths import to_halfwidth
from members.masking import without_contacts

# Invisible characters that sneak in from Excel, WeChat copy-paste and UTF-8-with-BOM files.
# They are never meaningful in CRM fields and silently break equality, so they go everywhere.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_NBSP = {0x00A0: 0x20, 0x202F: 0x20}
_EXCEL_FORMULA = re.compile(r'^="(.*)"$', re.DOTALL)  # ="0123" keeps leading zeros in Excel
_WHITESPACE = re.compile(r"\s+")
# Anything strip_export_quirks would change: full-width forms, invisible or odd spaces, padding.
_NEEDS_WORK = re.compile("[\uff01-\uff5e\u3000\u200b\u200c\u200d\u2060\ufeff\u00ad\u00a0\u202f]|^\\s|\\s$")

JUNK_VALUES = frozenset({
    "", "0", "-1", "null", "none", "nil", "undefined", "anonymous", "n/a", "na", "-", "--",
    "无", "空", "未知", "匿名", "nan", "#n/a",
})
_ALL_ZEROS = re.compile(r"^0+(?:\.0+)?$")

# Placeholder names typed by staff or filled in by platforms when the buyer gave none.
_JUNK_NAMES = frozenset({"test", "测试", "unknown", "guest", "游客", "无名", "不详"})

_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'+/=?^_`{|}~-]+)*"  # local part; no "*" (masked)
    r"@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$"
)


def as_text(value: object) -> str:
    """Any cell value as text; Excel hands integers over as floats (13812345678.0)."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float):
        if value != value:  # NaN from pandas means "no value"
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    return value if isinstance(value, str) else str(value)


def strip_export_quirks(s: str | None) -> str:
    """Undo what spreadsheets and exports do to a value; "" when nothing is left.

    Quirk layers (="…", a leading apostrophe, padding) are peeled until none remain,
    so the result is stable when applied twice.
    """
    if type(s) is str and not _NEEDS_WORK.search(s) and not s.startswith(("'", "=")):
        return s  # the common case in large imports: nothing to undo
    text = to_halfwidth(as_text(s)).translate(_INVISIBLE).translate(_NBSP)
    while True:
        before = text
        text = text.strip()
        match = _EXCEL_FORMULA.match(text)
        if match:
            text = match.group(1)
        if text.startswith("'"):  # Excel's "store as text" prefix
            text = text[1:]
        if text == before:
            return text


def is_junk_value(s) -> bool:
    """Placeholders that mean "no value": null, 无, -, 0000, …"""
    text = strip_export_quirks(s).lower()
    return text in JUNK_VALUES or bool(_ALL_ZEROS.match(text))


def _is_cjk(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"))


def tidy_spaces(s: str) -> str:
    """Whitespace runs → one space; none at all in CJK-only text.

    "张 三" or "浦东 新区" is padding for alignment: Chinese names never contain spaces.
    "·" joins transliterated minority names (买买提·艾力) and keeps a name CJK-only.
    """
    text = _WHITESPACE.sub(" ", s).strip()
    letters = text.replace(" ", "").replace("·", "").replace("•", "")
    if letters and all(_is_cjk(ch) for ch in letters):
        text = text.replace(" ", "")
    return text


_EMPTY_BRACKETS = re.compile(r"[(\[（【]\s*[)\]）】]")


def clean_name(s) -> str:
    """A person's name tidied for display and comparison; "" for placeholders.

    A phone number or e-mail typed into the name cell ("王丽13912345678") is taken out: names are
    shown to staff who may not see contact details, and the number belongs in its own column.
    """
    text = tidy_spaces(_EMPTY_BRACKETS.sub("", without_contacts(strip_export_quirks(s))))
    if not text or is_junk_value(text) or text.lower() in _JUNK_NAMES:
        return ""
    if not any(unicodedata.category(ch).startswith("L") for ch in text):
        return ""  # only digits/punctuation: an id or a typo, not a name
    return text


def normalize_email(s) -> str:
    """Lower-cased email, or "" when it does not look like one."""
    text = strip_export_quirks(s).lower()
    if text.startswith("mailto:"):
        text = text[len("mailto:"):]
    return text if _EMAIL.match(text) else ""
