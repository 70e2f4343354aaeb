"""Gender codes from channel exports → "M", "F" or "U"."""

from .text import as_text, strip_export_quirks

MALE, FEMALE, UNKNOWN = "M", "F", "U"

# "1"/"2" follow GB/T 2261.1 (and WeChat's sex field); "0" there means unknown.
_MALE = frozenset({"男", "男性", "男士", "先生", "m", "male", "man", "mr", "mr.", "1"})
_FEMALE = frozenset({"女", "女性", "女士", "小姐", "f", "female", "woman", "ms", "ms.", "mrs", "mrs.", "miss", "2"})


def normalize_gender(raw) -> str:
    """"M", "F" or "U" (unknown, including 0 and anything unrecognized)."""
    text = strip_export_quirks(as_text(raw)).lower()
    if text in _MALE:
        return MALE
    if text in _FEMALE:
        return FEMALE
    return UNKNOWN
