"""Names as comparable keys: pinyin for Chinese, plain letters for Latin script.

A Chinese name is surname first (compound surnames such as 欧阳 or 司马 take two
characters); a Latin-script name is written given-name first and its last token is
taken as the surname. Both scripts end up in the same alphabet, so 张三 and
"Zhang San" / "San Zhang" can be compared.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
    "令狐", "端木", "西门", "南宫", "独孤", "万俟", "呼延", "澹台", "公冶", "轩辕", "闻人", "申屠", "太史",
    "钟离", "宗政", "濮阳", "淳于", "单于", "赫连", "拓跋", "百里", "东郭", "第五",
})

# Surnames whose reading differs from the character's everyday reading.
SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "区": "ou", "朴": "piao", "查": "zha", "盖": "ge",
    "乐": "yue", "覃": "qin", "缪": "miao", "翟": "zhai", "黑": "he", "秘": "bi", "种": "chong", "繁": "po",
    "尉迟": "yuchi", "万俟": "moqi", "长孙": "zhangsun", "单于": "chanyu", "澹台": "tantai", "令狐": "linghu",
}

# Forms of address that stand in for a given name on delivery labels (王女士, 欧阳先生).
TITLES = ("先生", "女士", "小姐", "太太", "夫人", "老师", "阿姨", "师傅", "同学")

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NON_CJK = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff·]")
_LATIN_TOKEN = re.compile(r"[a-z]+")


@lru_cache(maxsize=65536)
def fuzzy_syllable(syllable: str) -> str:
    """Pinyin as southern accents and fuzzy-pinyin IMEs blur it: zh/z, ch/c, sh/s, -ng/-n, l/n."""
    for hard, soft in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if syllable.startswith(hard):
            syllable = soft + syllable[2:]
            break
    if syllable.startswith("l"):
        syllable = "n" + syllable[1:]
    return syllable[:-1] if syllable.endswith("ng") else syllable


@lru_cache(maxsize=65536)
def _fuzzy_syllables(syllables: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(fuzzy_syllable(s) for s in syllables)


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))


@lru_cache(maxsize=65536)
def to_pinyin(text: str) -> str:
    """Lowercase pinyin of the CJK characters (letters of anything else), no spaces or tones."""
    syllables = lazy_pinyin(text or "", style=Style.NORMAL, errors="default")
    return "".join(_LATIN_TOKEN.findall("".join(syllables).lower()))


def _fold_latin(text: str) -> str:
    # "José Müller" → "jose muller"
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@dataclass(frozen=True)
class NameParts:
    display: str  # the cleaned name as written (CJK kept, Latin lowercased)
    key: str  # all letters, e.g. "ouyangnana", "mitchellgreen"
    surname: str  # pinyin / letters of the surname; "" when unknown
    given: str  # pinyin / letters of the given name(s); "" when unknown
    tokens: tuple[str, ...]  # name tokens in written order
    cjk: bool
    syllables: tuple[str, ...] = ()  # one pinyin syllable per Chinese character (CJK names only)

    @property
    def fuzzy_syllables(self) -> tuple[str, ...]:
        return _fuzzy_syllables(self.syllables)


EMPTY_NAME = NameParts("", "", "", "", (), False)


def split_chinese(name: str) -> tuple[str, str]:
    """(surname, given) in characters; handles compound surnames; 王女士 → ("王", "")."""
    for title in TITLES:
        rest = name[: -len(title)]
        if name.endswith(title) and (len(rest) == 1 or rest in COMPOUND_SURNAMES):
            return rest, ""
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def _surname_pinyin(surname: str) -> str:
    return SURNAME_READINGS.get(surname) or "".join(_syllables(surname))


def _syllables(surname: str) -> tuple[str, ...]:
    if len(surname) == 2 and surname not in SURNAME_READINGS:
        return tuple(SURNAME_READINGS.get(ch) or to_pinyin(ch) for ch in surname)
    return (SURNAME_READINGS.get(surname) or to_pinyin(surname),) if surname else ()


@lru_cache(maxsize=65536)
def name_parts(name: str) -> NameParts:
    name = unicodedata.normalize("NFKC", name or "").strip()
    if not name:
        return EMPTY_NAME
    if has_cjk(name):
        cjk = _NON_CJK.sub("", name)
        if "·" in cjk:  # transliterated names (阿卜杜拉·买买提): given·family
            parts = [p for p in cjk.split("·") if p]
            tokens = tuple(to_pinyin(p) for p in parts)
            given, surname = ("".join(tokens[:-1]), tokens[-1]) if len(tokens) > 1 else (tokens[0], "")
            syllables = tuple(to_pinyin(ch) for ch in cjk.replace("·", ""))
            return NameParts(cjk, "".join(tokens), surname, given, tokens, True, syllables)
        surname, given = split_chinese(cjk)
        surname_py, given_py = _surname_pinyin(surname), to_pinyin(given)
        tokens = tuple(t for t in (surname_py, given_py) if t)
        syllables = (*_syllables(surname), *(to_pinyin(ch) for ch in given))
        return NameParts(cjk, surname_py + given_py, surname_py, given_py, tokens, True, syllables)
    tokens = tuple(_LATIN_TOKEN.findall(_fold_latin(name)))
    if not tokens:
        return EMPTY_NAME
    surname, given = (tokens[-1], "".join(tokens[:-1])) if len(tokens) > 1 else ("", tokens[0])
    return NameParts(" ".join(tokens), "".join(tokens), surname, given, tokens, False)
