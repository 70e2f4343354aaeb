"""Pair scoring: how likely two profiles describe the same natural person.

Each field compared contributes evidence (a weight, roughly log-odds): agreement adds,
disagreement subtracts, and a field missing on either side adds nothing. The sum goes
through a logistic curve, so the score is in [0, 1] and symmetric in its arguments.
Reasons are short Chinese phrases a reviewer reads next to the score.

Names are compared on pinyin, so homophones (王伟 / 王薇) and pinyin spellings
(张伟 / Zhang Wei) meet: Chinese names character by character (with fuzzy-pinyin accents),
Latin-script names with Jaro-Winkler, also with given name and surname swapped. A name
many people in the population carry counts for less. Addresses use rapidfuzz's
token_set_ratio, capped when a door / room number differs (neighbours) or one address is
only a part of the other. City, district and postcode count once together (they are
correlated). A different known birthday is strong negative evidence; different known
mobiles moderately negative. A name plus a shared city alone stays below the default
threshold: another agreement (birthday, address, contact) is needed.
"""

import math
from collections.abc import Mapping

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from .features import Features, build_features
from .names import NameParts, fuzzy_syllable

# Evidence weights. Tuned on FEBRL 3 (see docs/benchmarks.md); general rules only.
BIAS = 4.5  # evidence needed for a score of 0.5
NAME_CURVE = ((0.60, -3.0), (0.80, -0.5), (0.90, 2.0), (0.95, 3.0), (1.00, 4.0))
NAME_PARTIAL_MAX = 2.0  # only one part of a name to compare (the other side lacks a surname)
SURNAME_ONLY = -1.0  # same surname, a different given name
COMMON_NAME_FROM = 5  # people sharing a name before agreement on it counts for less
COMMON_NAME_MAX_DISCOUNT = 4.0  # a very common name agreeing is, by itself, no evidence
CJK_NEAR_HOMOPHONE = 3.0  # 张伟 / 臧伟: alike under fuzzy pinyin (zh/z, -ng/-n, l/n)
CJK_ONE_CHARACTER_OFF = -1.5  # 司马相如 / 司徒相如: another surname, but 3 of 4 characters agree
HOMOPHONE_NAME = 3.5  # 王伟 / 王薇: same pinyin, different characters
BIRTHDAY_SAME, BIRTHDAY_NEAR, BIRTHDAY_DIFFERENT = 4.0, 1.0, -3.0
ADDRESS_CURVE = ((0.40, -1.5), (0.60, 0.0), (0.80, 1.5), (0.90, 2.5), (1.00, 3.5))
ADDRESS_NEIGHBOUR_MAX = 0.5  # similar address, but each side has a door/room the other lacks
# field, same, near, different, label. A name plus an area alone stays below the default threshold.
_AREA_FIELDS = (
    ("city", 1.0, 0.5, -0.75, "城市"),
    ("district", 1.0, 0.0, -0.25, "区县"),
    ("postcode", 1.0, 0.25, -0.75, "邮编"),
    ("province", 0.25, 0.0, -0.5, "省份"),
)
GENDER_DIFFERENT = -1.5
MOBILE_SAME, MOBILE_DIFFERENT = 5.0, -1.5
EMAIL_SAME, EMAIL_DIFFERENT = 4.0, -0.5


def _interp(x: float, curve) -> float:
    if x <= curve[0][0]:
        return curve[0][1]
    for (x0, y0), (x1, y1) in zip(curve, curve[1:], strict=False):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return curve[-1][1]


def _jw(a: str, b: str) -> float:
    return JaroWinkler.similarity(a, b) if a and b else 0.0


def _common_syllables(x: tuple[str, ...], y: tuple[str, ...]) -> int:
    """Longest common subsequence of two short syllable lists."""
    previous = [0] * (len(y) + 1)
    for sx in x:
        current = [0]
        for j, sy in enumerate(y):
            current.append(previous[j] + 1 if sx == sy else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def _chinese_name_evidence(a: NameParts, b: NameParts) -> tuple[float, list[str]]:
    """Chinese names compared character by character on pinyin. Typing errors in Chinese are
    homophones (handled before: same pinyin) or near-homophones; a character with another
    sound is another name, however alike the romanized strings look (李阳 / 刘洋, 张鑫 / 张彬)."""
    x, y = a.fuzzy_syllables, b.fuzzy_syllables
    if x == y:
        return CJK_NEAR_HOMOPHONE, ["姓名读音相近"]
    sim = _common_syllables(x, y) / max(len(x), len(y))
    if fuzzy_syllable(a.surname) == fuzzy_syllable(b.surname):
        return SURNAME_ONLY, [f"姓相同，名不同 ({sim:.2f})"]
    return (CJK_ONE_CHARACTER_OFF if sim >= 0.75 else NAME_CURVE[0][1]), [f"姓名不同 ({sim:.2f})"]


def _lone_part(x: NameParts, y: NameParts) -> float:
    """Similarity when x has only one part: a Chinese surname alone (陈 / 王女士) meets y's surname;
    a single Latin word (role unknown) meets whichever of y's words is closest."""
    if x.cjk and y.cjk and x.surname and y.surname:
        return _jw(x.surname, y.surname)
    part = x.given or x.surname
    return max((_jw(part, t) for t in (y.tokens or (y.key,))), default=0.0)


def _name_evidence(a: NameParts, b: NameParts) -> tuple[float, list[str]]:
    if not a.key or not b.key:
        return 0.0, []
    if a.display == b.display:
        return _interp(1.0, NAME_CURVE), ["姓名相同"]
    if a.key == b.key:
        return (HOMOPHONE_NAME if a.cjk and b.cjk else _interp(1.0, NAME_CURVE)), ["姓名拼音相同"]
    if len(a.tokens) > 1 and sorted(a.tokens) == sorted(b.tokens):
        return _interp(1.0, NAME_CURVE) - 0.5, ["姓名顺序颠倒"]
    if a.syllables and b.syllables and a.given and b.given:
        return _chinese_name_evidence(a, b)
    if a.surname and b.surname and a.given and b.given:
        direct = max(_jw(a.key, b.key), (_jw(a.surname, b.surname) + _jw(a.given, b.given)) / 2)
        swapped = (_jw(a.surname, b.given) + _jw(a.given, b.surname)) / 2
        if swapped > direct + 0.05 and _interp(swapped, NAME_CURVE) - 0.5 >= SURNAME_ONLY:
            weight = _interp(swapped, NAME_CURVE) - 0.5
            return weight, [f"姓名顺序颠倒，相似度 {swapped:.2f}"]
        weight = _interp(direct, NAME_CURVE)
        if weight < SURNAME_ONLY:
            # One part the same, the other different: a relative, a nickname, an English name or
            # (Latin-script data) a married name. Birthday and address decide; the name alone is
            # only mildly against.
            if a.surname == b.surname:
                return SURNAME_ONLY, [f"姓相同，名不同 ({direct:.2f})"]
            if a.given == b.given:
                return SURNAME_ONLY, [f"名相同，姓不同 ({direct:.2f})"]
            if a.surname == b.given or a.given == b.surname:
                return SURNAME_ONLY, [f"姓名顺序颠倒且部分相同 ({swapped:.2f})"]
        label = "姓名拼音相似度" if a.cjk or b.cjk else "姓名相似度"
        return weight, [f"{label} {direct:.2f}" if weight > 0 else f"姓名不同 ({direct:.2f})"]
    # One side has a single part (surname missing, or 王女士): compare what there is.
    sim = max(_lone_part(a, b) if not (a.surname and a.given) else 0.0,
              _lone_part(b, a) if not (b.surname and b.given) else 0.0)
    weight = min(_interp(sim, NAME_CURVE), NAME_PARTIAL_MAX)
    return weight, [f"姓名部分相同 {sim:.2f}" if weight > 0 else f"姓名不同 ({sim:.2f})"]


def _digits_near(x: str, y: str) -> bool:
    """One digit different, or two adjacent digits transposed (same length)."""
    if len(x) != len(y):
        return False
    diff = [i for i, (p, q) in enumerate(zip(x, y, strict=True)) if p != q]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and x[diff[0]] == y[diff[1]] and x[diff[1]] == y[diff[0]]


def _birthday_near(a: Features, b: Features) -> bool:
    x, y = a.birthday, b.birthday
    if x.year == y.year and x.month == y.day and x.day == y.month:  # day/month swapped
        return True
    return _digits_near(a.birthday_digits, b.birthday_digits)


def _address_similarity(a: Features, b: Features) -> float:
    """token_set_ratio, except that one address being a part of the other ("张江路" within
    "张江路88弄3栋1201室") counts only as much of the longer one as it covers."""
    ratio = fuzz.token_set_ratio(a.address, b.address) / 100
    set_a, set_b = set(a.address_tokens), set(b.address_tokens)
    if set_a != set_b and (set_a <= set_b or set_b <= set_a):
        shorter, longer = sorted((a.address, b.address), key=len)
        ratio = min(ratio, 0.6 + 0.4 * len(shorter) / len(longer))
    return ratio


def _evidence(a: Features, b: Features, name_count: int) -> tuple[float, list[str]]:
    total, reasons = _name_evidence(a.name, b.name)
    reasons = list(reasons)
    if total > 0 and name_count > COMMON_NAME_FROM:
        # A name many people carry says less: 王伟 twice is weaker evidence than 欧阳娜娜 twice.
        total -= min(COMMON_NAME_MAX_DISCOUNT, math.log(name_count / COMMON_NAME_FROM), total)
        reasons.append(f"常见姓名(共 {name_count} 人)")

    def add(weight: float, reason: str = "") -> None:
        nonlocal total
        total += weight
        if reason:
            reasons.append(reason)

    if a.mobile and b.mobile:
        add(*((MOBILE_SAME, "手机号相同") if a.mobile == b.mobile else (MOBILE_DIFFERENT, "手机号不同")))
    if a.email and b.email:
        add(*((EMAIL_SAME, "邮箱相同") if a.email == b.email else (EMAIL_DIFFERENT, "邮箱不同")))
    if a.birthday and b.birthday:
        if a.birthday == b.birthday:
            add(BIRTHDAY_SAME, "生日相同")
        elif _birthday_near(a, b):
            add(BIRTHDAY_NEAR, "生日相近(疑似录入错误)")
        else:
            add(BIRTHDAY_DIFFERENT, "生日不同")
    if a.gender and b.gender and a.gender != b.gender:
        add(GENDER_DIFFERENT, "性别不同")
    if a.address_tokens and b.address_tokens:
        ratio = _address_similarity(a, b)
        weight = _interp(ratio, ADDRESS_CURVE)
        units_a, units_b = a.door_units, b.door_units
        if weight > ADDRESS_NEIGHBOUR_MAX and units_a - units_b and units_b - units_a:
            add(ADDRESS_NEIGHBOUR_MAX, f"地址相似度 {ratio:.2f}，门牌号不同")  # same street, another door
        else:
            add(weight, f"地址相似度 {ratio:.2f}")
    # Area: city, district and postcode all say "lives around here" — the best agreement counts
    # once (they are correlated), each disagreement counts.
    area, area_reasons = 0.0, []
    for field, same, near, different, label in _AREA_FIELDS:
        x, y = getattr(a, field), getattr(b, field)
        if not (x and y):
            continue
        if x == y:
            area = max(area, same)
            area_reasons.append(f"{label}相同")
        elif near and (_digits_near(x, y) if field == "postcode" else _jw(x, y) >= 0.9):
            area = max(area, near)
            area_reasons.append(f"{label}相近")
        elif different:
            add(different, f"{label}不同")
    add(area)
    reasons.extend(area_reasons)
    return total, reasons


def _as_features(value) -> Features:
    return value if isinstance(value, Features) else build_features(value)


def score_pair(a: Features | Mapping, b: Features | Mapping, *, name_count: int = 1) -> tuple[float, list[str]]:
    """(score in [0, 1], reasons in Chinese) for two profiles (Features or profile mappings).

    name_count: how many people in the population carry the (more common of the two) names;
    a common name agreeing is weaker evidence. Pass the same value whichever order a, b come in.
    """
    evidence, reasons = _evidence(_as_features(a), _as_features(b), name_count)
    score = 1.0 / (1.0 + math.exp(-(evidence - BIAS)))
    return round(score, 4), reasons
