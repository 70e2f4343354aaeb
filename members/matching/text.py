"""Normalization of free-text location fields for comparison and blocking."""

import re
import unicodedata
from functools import lru_cache

# Common English street-type abbreviations, so "12 Kent St" meets "12 kent street".
_LATIN_ABBREVIATIONS = {
    "st": "street", "str": "street", "rd": "road", "ave": "avenue", "av": "avenue", "dr": "drive",
    "cres": "crescent", "cr": "crescent", "pl": "place", "ct": "court", "crt": "court", "ln": "lane",
    "hwy": "highway", "pde": "parade", "tce": "terrace", "cct": "circuit", "cl": "close", "sq": "square",
    "blvd": "boulevard", "mt": "mount", "nth": "north", "sth": "south", "apt": "apartment", "bldg": "building",
}
# A Chinese address segment ends with one of these (路, 号, 室, ...).
_CJK_SEGMENT = re.compile(r"[^路街道巷弄里号楼栋幢座层室村组镇乡区县市省]*[路街道巷弄里号楼栋幢座层室村组镇乡区县市省]|.+$")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_SEPARATORS = re.compile(r"[\s,，、;；:：/\\|()（）\[\]【】\-—_#.'\"`]+")
_CJK_SYNONYMS = (("号楼", "栋"), ("幢", "栋"), ("号院", "院"))
_CN_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")


def normalize_text(value) -> str:
    """NFKC, lowercase, trimmed; '' for empty/None."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    return " ".join(text.split())


def normalize_place(value) -> str:
    """A city / district / province name for equality: without spaces, punctuation and a 市/区/省 suffix."""
    text = _SEPARATORS.sub("", normalize_text(value))
    if _CJK.search(text) and len(text) > 2 and text[-1] in "市区省":  # not 县: 乌鲁木齐县 ≠ 乌鲁木齐市
        text = text[:-1]
    return text


def _cjk_tokens(chunk: str) -> list[str]:
    chunk = chunk.translate(_CN_DIGITS)  # 三号楼 and 3号楼 compare equal (consistently on both sides)
    for variant, canonical in _CJK_SYNONYMS:
        chunk = chunk.replace(variant, canonical)
    return [m.group(0) for m in _CJK_SEGMENT.finditer(chunk) if m.group(0)]


@lru_cache(maxsize=65536)
def address_tokens(value: str) -> tuple[str, ...]:
    """Tokens of an address: words for Latin script, segments (…路 / …号 / …室) for Chinese."""
    text = normalize_text(value)
    tokens: list[str] = []
    for chunk in _SEPARATORS.split(text):
        if not chunk:
            continue
        if _CJK.search(chunk):
            tokens.extend(_cjk_tokens(chunk))
        else:
            tokens.append(_LATIN_ABBREVIATIONS.get(chunk, chunk))
    return tuple(tokens)
