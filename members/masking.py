"""Masking of personal data inside free text shown to staff who may not see it.

One function, `mask_text`, for every reason, note, error message, snapshot value and export
cell that staff typed or a file brought in: mainland mobiles in any format the phone cleaning
accepts (+86 / 0086 / 86 prefixes, spaces, dashes, dots, brackets, full-width digits), other
E.164 numbers and e-mail addresses. Over-masking an 11-digit id that looks like a mobile is
the safe side of the trade. Who may see the full text: holders of `members.reveal_phone`.

This module imports no admin or API code, so every layer can use it.
"""

import re

from core.widths import to_halfwidth

REVEAL_PERMISSION = "members.reveal_phone"

# Characters people put between a number's digits: what the phone cleaning strips
# (members/cleaning/phones.py) and the look-alikes typed in free text (dashes, underscores, commas,
# asterisks). Invisible marks become spaces in the copy matched against (see _matching_copy).
_SEP = r"[\s\-().·/_,*]{0,8}"
_CN_MOBILE = rf"(?:\(?(?:\+|00)?{_SEP}86{_SEP}\)?{_SEP})?(?P<mobile>1{_SEP}[3-9](?:{_SEP}\d){{9}})"
_FOREIGN = rf"\+(?P<foreign>[1-9](?:{_SEP}\d){{7,14}})"
_EMAIL = r"(?P<local>[A-Za-z0-9._%+\-]+)@(?P<domain>[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})"
# Matched against the half-width copy of the text (same length: full-width forms map 1:1),
# so spans found there are replaced in the original. E-mail first: "13912345678@qq.com" is one e-mail.
_PII = re.compile(rf"(?:{_EMAIL})|(?<![\d+])(?:{_CN_MOBILE}|{_FOREIGN})(?!\d)")

_JSON_PHONE_KEYS = frozenset({"mobile", "联系手机", "联系电话", "手机号"})


def _masked(match: re.Match) -> str:
    if match.group("local"):
        local = match.group("local")
        return f"{local[0] if len(local) > 2 else ''}***@{match.group('domain')}"
    if match.group("mobile"):
        digits = re.sub(r"\D", "", match.group("mobile"))
        return f"{digits[:3]}****{digits[-4:]}"
    digits = re.sub(r"\D", "", match.group("foreign"))
    return f"+{digits[:2]}****{digits[-2:]}"


# One character for one: spans found in the copy are replaced in the original text.
_LOOKALIKES = str.maketrans({
    "\u200b": " ", "\u200c": " ", "\u200d": " ", "\u2060": " ", "\ufeff": " ", "\xad": " ",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u3001": ",", "\u3002": ".",
})


def _matching_copy(text: str) -> str:
    return to_halfwidth(text).translate(_LOOKALIKES)


def _replace_contacts(text: str, replacement) -> str:
    """`text` with each phone or e-mail found in its matching copy replaced by replacement(match);
    the spans are the same in both, so the rest of the original text is kept as it was."""
    parts, end = [], 0
    for match in _PII.finditer(_matching_copy(text)):
        parts += [text[end:match.start()], replacement(match)]
        end = match.end()
    if not parts:
        return text
    parts.append(text[end:])
    return "".join(parts)


def mask_text(text):
    """The text with every phone number and e-mail address in it masked ("139****5678", "z***@qq.com").

    Non-strings (None, numbers) come back unchanged.
    """
    if not isinstance(text, str) or not text:
        return text
    return _replace_contacts(text, _masked)


def without_contacts(text: str) -> str:
    """The text with every phone number and e-mail address in it taken out (for names, which
    must not carry them: a name is shown to everyone who sees the member)."""
    return _replace_contacts(text, lambda match: "")


def mask_data(data):
    """A copy of JSON-like data (snapshots, raw channel values) with every string in it masked;
    a value under a phone key is masked whole, even when it is not recognisable as a number."""
    if isinstance(data, dict):
        return {
            key: ("****" if key in _JSON_PHONE_KEYS and value and mask_text(str(value)) == str(value)
                  else mask_data(value))
            for key, value in data.items()
        }
    if isinstance(data, list | tuple):
        return [mask_data(value) for value in data]
    return mask_text(data)


def may_reveal(user) -> bool:
    return bool(user is not None and user.has_perm(REVEAL_PERMISSION))


def shown_text(text, user):
    """Free text as `user` may see it: in full with reveal permission, masked otherwise (also
    when there is no user, e.g. a serializer given no request)."""
    return text if may_reveal(user) else mask_text(text)
