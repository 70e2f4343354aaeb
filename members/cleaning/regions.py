"""Province/city standardization against the bundled division table, and address splitting."""

import json
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from .text import is_junk_value, strip_export_quirks, tidy_spaces

OK, STANDARDIZED, UNKNOWN, EMPTY = "ok", "standardized", "unknown", "empty"

_DATA = Path(__file__).with_name("data") / "regions.json"
# Provinces where the city slot repeats the province (Tmall: "上海 上海市 浦东新区").
_CITY_IS_PROVINCE = frozenset({"municipality", "sar"})
# Suffixes people drop or swap ("毕节地区" for 毕节市, "广西自治区"); tried only after an exact miss.
_PROVINCE_SUFFIXES = ("特别行政区", "自治区", "省", "市")
_CITY_SUFFIXES = ("自治州", "地区", "林区", "市", "盟", "州", "县")
# Statistical-table fillers some systems put in the city slot (municipalities, and units
# directly under a province such as 琼海市 or 仙桃市, which then arrive as the district).
_CITY_PLACEHOLDERS = frozenset({
    "市辖区", "辖区", "县", "市", "城区", "郊县",
    "省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖县级行政单位", "直辖县级",
})
_DISTRICT_END = "区县市旗"
_ALIAS_BREAKERS = "区县路街道巷弄"
# A district token never holds these; they mark the street part of an address.
# District names may contain 楼 (鼓楼区, 钟楼区), so it only marks a street, not a district.
_NOT_IN_DISTRICT = re.compile(r"[0-9A-Za-z路街号巷弄村栋室幢单元#,，、()（）\-]")
_SEPARATORS = " ,，、/|"


@dataclass(frozen=True)
class Region:
    province: str
    city: str
    district: str
    status: str  # ok | standardized | unknown | empty


@dataclass
class _Table:
    kinds: dict[str, str] = field(default_factory=dict)  # province → kind
    provinces: dict[str, str] = field(default_factory=dict)  # key → province
    cities: dict[str, dict[str, str]] = field(default_factory=dict)  # province → key → city
    city_owners: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # key → {(province, city)}


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def _derived_aliases(name: str) -> list[str]:
    for suffix in _CITY_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return [name[: -len(suffix)]]
    return []


@cache
def _table() -> _Table:
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    table = _Table()
    extra = data["city_aliases"]
    for entry in data["provinces"]:
        province = entry["name"]
        table.kinds[province] = entry["kind"]
        for key in (province, *entry["aliases"]):
            table.provinces[_key(key)] = province
        keys: dict[str, str] = {}
        names = entry["cities"] + entry.get("other_cities", [])
        # Earlier names win a shared key: full names, then listed aliases, then derived ones,
        # prefecture-level before county-level (嘉义 → 嘉义市, not 嘉义县).
        candidates = [(n, n) for n in names] + [(a, n) for n in names for a in extra.get(n, [])]
        candidates += [(a, n) for n in names for a in _derived_aliases(n)]
        if entry["kind"] in _CITY_IS_PROVINCE:
            candidates += [(a, province) for a in entry["aliases"] if len(a) >= 2 and not a.isascii()]
        for alias, name in candidates:
            keys.setdefault(_key(alias), name)
        table.cities[province] = keys
        for key, name in keys.items():
            table.city_owners.setdefault(key, set()).add((province, name))
    return table


def _variants(key: str, suffixes: tuple[str, ...]) -> list[str]:
    return [key] + [key[: -len(s)] for s in suffixes if key.endswith(s) and len(key) > len(s)]


def _find_province(text: str) -> str | None:
    provinces = _table().provinces
    return next((provinces[k] for k in _variants(_key(text), _PROVINCE_SUFFIXES) if k in provinces), None)


def _find_city(text: str, province: str) -> str | None:
    keys = _table().cities[province]
    return next((keys[k] for k in _variants(_key(text), _CITY_SUFFIXES) if k in keys), None)


def _find_city_anywhere(text: str) -> tuple[str, str] | None:
    owners = _table().city_owners
    for key in _variants(_key(text), _CITY_SUFFIXES):
        if len(owners.get(key, ())) == 1:
            return next(iter(owners[key]))
    return None  # unknown, or ambiguous between provinces


def _clean(value: str | None) -> str:
    text = tidy_spaces(strip_export_quirks(value))
    return "" if is_junk_value(text) else text


def _status(pairs: list[tuple[str, str]], unknown: bool) -> str:
    if unknown:
        return UNKNOWN
    if any(given and given != out for given, out in pairs):
        return STANDARDIZED
    return OK


@lru_cache(maxsize=1 << 12)
def standardize_region(province: str | None, city: str | None = None, district: str | None = None) -> Region:
    """Official full names for a province/city pair; unmatched input is kept as cleaned."""
    p_in, c_in, d_in = _clean(province), _clean(city), _clean(district)
    if not (p_in or c_in or d_in):
        return Region("", "", "", EMPTY)
    p_out = _find_province(p_in) if p_in else None
    c_lookup = "" if c_in in _CITY_PLACEHOLDERS else c_in
    c_out = None if c_lookup == c_in else ""  # a placeholder city says nothing
    if c_lookup and p_out:
        c_out = _find_city(c_lookup, p_out)
        if c_out is None and _table().kinds[p_out] in _CITY_IS_PROVINCE and c_lookup.endswith(("区", "县")):
            c_out, d_in = p_out, d_in or c_lookup  # "浦东新区" typed into a municipality's city slot
    elif c_lookup:
        found = _find_city_anywhere(c_lookup)
        if found:
            inferred, c_out = found
            p_out = None if p_in else inferred
        elif not p_in and (p_out := _find_province(c_lookup)):
            c_out = ""  # a province typed into the city slot
    city_missing = not c_lookup or c_out == ""
    if p_out and city_missing and _table().kinds[p_out] in _CITY_IS_PROVINCE:
        c_out = p_out
    elif p_out and city_missing and d_in and (promoted := _find_city(d_in, p_out)):
        c_out, d_in = promoted, ""  # "海南省 / 省直辖县级行政区划 / 琼海市"
    unknown = (bool(p_in) and not p_out) or (bool(c_lookup) and c_out is None)
    if not (p_out or c_out or unknown):
        unknown = True  # a district alone cannot be placed anywhere
    p_final, c_final = p_out or p_in, c_in if c_out is None else c_out
    pairs = [(p_in, p_final), (c_in, c_final), (_clean(district), d_in)]
    return Region(p_final, c_final, d_in, _status(pairs, unknown))


# ---------------------------------------------------------------- address splitting


@cache
def _prefix_keys() -> tuple[list[tuple[str, str]], dict[str, list[tuple[str, str]]], list[tuple[str, str, str]]]:
    """Keys usable as address prefixes, longest first: one-character abbreviations (沪, 新)
    and pinyin start too many ordinary words to be trusted inside free text."""
    table = _table()

    def usable(key: str) -> bool:
        return len(key) >= 2 and not key.isascii()

    provinces = sorted(((k, p) for k, p in table.provinces.items() if usable(k)), key=lambda kv: -len(kv[0]))
    cities = {
        p: sorted(((k, c) for k, c in keys.items() if usable(k)), key=lambda kv: -len(kv[0]))
        for p, keys in table.cities.items()
    }
    anywhere = sorted(
        ((k, *next(iter(owners))) for k, owners in table.city_owners.items() if usable(k) and len(owners) == 1),
        key=lambda row: -len(row[0]),
    )
    return _by_head(provinces), {p: _by_head(rows) for p, rows in cities.items()}, _by_head(anywhere)


def _by_head(rows: list[tuple]) -> dict[str, list[tuple]]:
    """Rows grouped by their key's first two characters (every usable key has two), longest first.

    Imports split hundreds of thousands of addresses; looking only at keys that can match
    at this position beats scanning the whole table for each one.
    """
    index: dict[str, list[tuple]] = {}
    for row in rows:
        index.setdefault(row[0][:2], []).append(row)
    return index


def _is_whole_word(text: str, pos: int, key: str, canonical: str) -> bool:
    # A short name running on into 区/县/路 is part of another name: "朝阳区" is in Beijing,
    # not 朝阳市 (Liaoning); "中山路" and "南京路" are streets.
    end = pos + len(key)
    return key == canonical or end >= len(text) or text[end] not in _ALIAS_BREAKERS


def _match(text: str, pos: int, index: dict[str, list[tuple]]):
    rows = index.get(text[pos:pos + 2], ())
    return next((row for row in rows if text.startswith(row[0], pos) and _is_whole_word(text, pos, row[0], row[-1])), None)


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _SEPARATORS:
        pos += 1
    return pos


def _after_city(text: str, pos: int, key: str) -> int:
    # "济南市中区" is 济南 + 市中区 (a district name in several cities), not 济南市 + 中区.
    return pos - 1 if key.endswith("市") and text.startswith("中区", pos) else pos


def _district_at(text: str, pos: int) -> str:
    segment = text[pos:].split(" ", 1)[0][:16]
    end = next((i for i, ch in enumerate(segment) if ch in _DISTRICT_END and i >= 1), None)
    if end is None:
        return ""
    token = segment[: end + 1]
    return "" if _NOT_IN_DISTRICT.search(token) else token


@lru_cache(maxsize=1 << 14)
def split_address(address: str) -> tuple[Region, str]:
    """Split "浙江省杭州市西湖区文三路100号" into its region and the street part."""
    text = " ".join(strip_export_quirks(address).split())  # spaces kept: they delimit Tmall's parts
    provinces, cities, anywhere = _prefix_keys()
    start = _skip(text, 0)
    p_hit, c_hit = _match(text, start, provinces), _match(text, start, anywhere)
    if c_hit and (not p_hit or len(c_hit[0]) > len(p_hit[0])):
        key, province, city = c_hit  # "杭州市…" or "海南藏族自治州…": province inferred
        canonical, end = city, _after_city(text, start + len(c_hit[0]), c_hit[0])
    elif p_hit:
        (key, province), city = p_hit, ""
        canonical, end = province, start + len(key)
    else:
        return Region("", "", "", EMPTY), text
    pos = _skip(text, end)
    confirmed = key == canonical or pos > end or pos == len(text)  # full name, or followed by a gap
    used_alias = key != canonical
    if not city:
        if hit := _match(text, pos, cities[province]):
            city, used_alias, confirmed = hit[1], used_alias or hit[0] != hit[1], True
            pos = _skip(text, _after_city(text, pos + len(hit[0]), hit[0]))
        elif _table().kinds[province] in _CITY_IS_PROVINCE:
            city = province
    district = _district_at(text, pos)
    if not (confirmed or district):
        return Region("", "", "", EMPTY), text  # "北京路88号", "南京东路": a street, not a region
    pos = _skip(text, pos + len(district))
    return Region(province, city, district, STANDARDIZED if used_alias else OK), text[pos:].strip()
