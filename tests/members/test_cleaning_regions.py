"""Province/city standardization and address splitting against the bundled division table."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import members.cleaning
from members.cleaning import Region, split_address, standardize_region

TABLE = json.loads((Path(members.cleaning.__file__).parent / "data" / "regions.json").read_text(encoding="utf-8"))
PROVINCES = {entry["name"]: entry for entry in TABLE["provinces"]}

# ---------------------------------------------------------------- the table


def test_the_table_holds_all_34_provincial_level_divisions():
    assert len(PROVINCES) == 34


def test_every_province_lists_its_cities():
    assert all(entry["cities"] for entry in PROVINCES.values())


@pytest.mark.parametrize(
    ("province", "count"),
    [("广东省", 21), ("江苏省", 13), ("浙江省", 11), ("四川省", 21), ("河南省", 17), ("山东省", 16), ("新疆维吾尔自治区", 14)],
)
def test_provinces_have_their_official_number_of_prefecture_level_divisions(province, count):
    assert len(PROVINCES[province]["cities"]) == count


def test_no_city_name_is_listed_twice():
    names = [c for entry in PROVINCES.values() for c in entry["cities"] + entry.get("other_cities", [])
             if entry["kind"] not in ("municipality", "sar")]
    assert len(names) == len(set(names))


# ---------------------------------------------------------------- standardize_region: provinces


@pytest.mark.parametrize("raw", ["上海", "沪", "申", " 上 海 ", "shanghai", '="上海"'])
def test_a_municipality_alias_becomes_its_full_name_with_the_city_equal_to_it(raw):
    assert standardize_region(raw) == Region("上海市", "上海市", "", "standardized")


def test_a_full_municipality_name_is_ok():
    assert standardize_region("上海市") == Region("上海市", "上海市", "", "ok")


@pytest.mark.parametrize(
    ("raw", "full"),
    [("广东", "广东省"), ("粤", "广东省"), ("内蒙古", "内蒙古自治区"), ("蒙", "内蒙古自治区"), ("广西", "广西壮族自治区"),
     ("桂", "广西壮族自治区"), ("广西自治区", "广西壮族自治区"), ("新疆", "新疆维吾尔自治区"), ("宁夏", "宁夏回族自治区"),
     ("西藏", "西藏自治区"), ("台湾", "台湾省"), ("京", "北京市"), ("渝", "重庆市")],
)
def test_a_province_alias_becomes_its_official_full_name(raw, full):
    region = standardize_region(raw)
    assert (region.province, region.status) == (full, "standardized")


@pytest.mark.parametrize("raw", ["香港", "澳门"])
def test_a_special_administrative_region_is_its_own_city(raw):
    region = standardize_region(raw)
    assert region.province == region.city and region.province.endswith("特别行政区")


# ---------------------------------------------------------------- standardize_region: cities


def test_full_official_names_are_ok():
    assert standardize_region("浙江省", "杭州市", "西湖区") == Region("浙江省", "杭州市", "西湖区", "ok")


def test_a_short_city_name_becomes_its_full_name():
    assert standardize_region("浙江", "杭州") == Region("浙江省", "杭州市", "", "standardized")


def test_the_province_is_inferred_from_the_city():
    assert standardize_region(None, "杭州") == Region("浙江省", "杭州市", "", "standardized")


def test_inferring_the_province_from_a_full_city_name_is_ok():
    assert standardize_region("", "深圳市") == Region("广东省", "深圳市", "", "ok")


@pytest.mark.parametrize(
    ("city", "full"),
    [("延边", "延边朝鲜族自治州"), ("恩施州", "恩施土家族苗族自治州"), ("凉山", "凉山彝族自治州"),
     ("西双版纳", "西双版纳傣族自治州"), ("巴州", "巴音郭楞蒙古自治州"), ("大兴安岭", "大兴安岭地区"), ("锡林郭勒", "锡林郭勒盟")],
)
def test_autonomous_prefectures_leagues_and_prefectures_are_found_by_short_name(city, full):
    assert standardize_region(None, city).city == full


def test_a_former_suffix_still_finds_the_city():
    # given 毕节 as it was named before becoming a city  # then the current name is used
    assert standardize_region("贵州", "毕节地区").city == "毕节市"


def test_a_former_city_name_finds_the_renamed_city():
    assert standardize_region("湖北", "襄樊").city == "襄阳市"


def test_a_city_sharing_its_provinces_short_name_is_found_within_that_province():
    assert standardize_region("吉林", "吉林") == Region("吉林省", "吉林市", "", "standardized")


def test_hainans_prefecture_in_qinghai_is_found_by_its_unambiguous_alias():
    assert standardize_region(None, "海南州").province == "青海省"


def test_a_province_administered_county_level_city_is_found():
    assert standardize_region("海南", "琼海") == Region("海南省", "琼海市", "", "standardized")


def test_a_district_typed_into_a_municipalitys_city_slot_moves_to_the_district():
    assert standardize_region("上海", "浦东新区") == Region("上海市", "上海市", "浦东新区", "standardized")


def test_a_statistical_placeholder_city_of_a_municipality_becomes_the_municipality():
    assert standardize_region("北京", "市辖区") == Region("北京市", "北京市", "", "standardized")


def test_a_province_administered_city_given_as_the_district_under_a_placeholder_becomes_the_city():
    # given the layout of statistical tables for units directly under a province
    region = standardize_region("海南省", "省直辖县级行政区划", "琼海市")
    # then the unit is the city
    assert region == Region("海南省", "琼海市", "", "standardized")


def test_an_unknown_city_is_not_replaced_by_a_city_found_in_the_district():
    assert standardize_region("浙江", "乌托邦", "杭州") == Region("浙江省", "乌托邦", "杭州", "unknown")


def test_a_municipality_abbreviation_typed_into_the_city_slot_gives_the_municipality():
    assert standardize_region(None, "沪") == Region("上海市", "上海市", "", "standardized")


def test_a_province_typed_into_the_city_slot_moves_to_the_province():
    assert standardize_region(None, "广东") == Region("广东省", "", "", "standardized")


def test_the_district_is_kept_as_given_after_clean_up():
    assert standardize_region("浙江省", "杭州市", " 西湖 区 ").district == "西湖区"


# ---------------------------------------------------------------- standardize_region: unknown and empty


def test_an_unknown_province_is_kept_as_cleaned_input():
    assert standardize_region(" 火星 ", "杭州") == Region("火星", "杭州市", "", "unknown")


def test_an_unknown_city_is_kept_as_cleaned_input():
    assert standardize_region("浙江", "乌托邦") == Region("浙江省", "乌托邦", "", "unknown")


def test_a_city_of_another_province_is_not_silently_moved():
    assert standardize_region("浙江", "广州") == Region("浙江省", "广州", "", "unknown")


def test_a_district_alone_cannot_be_placed():
    assert standardize_region(None, None, "浦东新区") == Region("", "", "浦东新区", "unknown")


@pytest.mark.parametrize(("province", "city"), [(None, None), ("", ""), ("  ", None), ("null", "未知"), ("-", "--")])
def test_missing_or_placeholder_input_is_empty(province, city):
    assert standardize_region(province, city) == Region("", "", "", "empty")


@given(st.sampled_from(sorted(PROVINCES)))
def test_every_official_province_name_is_ok(province):
    assert standardize_region(province).status == "ok"


@given(st.sampled_from(sorted({(p, c) for p, e in PROVINCES.items() for c in e["cities"]})))
def test_every_official_city_is_ok_under_its_province(pair):
    assert standardize_region(*pair) == Region(pair[0], pair[1], "", "ok")


# Region-like words mixed with noise: random text alone almost never hits the table.
region_words = st.one_of(
    st.sampled_from(["", "上海", "沪", "浦东新区", "杭州", "浙江", "吉林", "海南", "琼海市", "省直辖县级行政区划",
                     "市辖区", "广东", "朝阳区", "null", "延边", "海南州", "香港", "县", "北京市", "杭州市", "西湖区"]),
    st.text(max_size=6),
)


@given(region_words, region_words, region_words)
def test_standardizing_a_standardized_region_changes_nothing(province, city, district):
    once = standardize_region(province, city, district)
    again = standardize_region(once.province, once.city, once.district)
    assert (again.province, again.city, again.district) == (once.province, once.city, once.district)


# ---------------------------------------------------------------- split_address


@pytest.mark.parametrize(
    ("address", "region", "street"),
    [
        ("浙江省杭州市西湖区文三路100号", Region("浙江省", "杭州市", "西湖区", "ok"), "文三路100号"),
        ("上海 上海市 浦东新区 张江路1号", Region("上海市", "上海市", "浦东新区", "standardized"), "张江路1号"),
        ("广东深圳南山区科技园", Region("广东省", "深圳市", "南山区", "standardized"), "科技园"),
        ("北京 北京市 朝阳区 xx路", Region("北京市", "北京市", "朝阳区", "standardized"), "xx路"),
        ("北京市朝阳区建国路88号", Region("北京市", "北京市", "朝阳区", "ok"), "建国路88号"),
        ("广西壮族自治区 南宁市 青秀区 民族大道", Region("广西壮族自治区", "南宁市", "青秀区", "ok"), "民族大道"),
        ("内蒙古呼和浩特市赛罕区大学西街", Region("内蒙古自治区", "呼和浩特市", "赛罕区", "standardized"), "大学西街"),
        ("江苏省苏州市昆山市玉山镇", Region("江苏省", "苏州市", "昆山市", "ok"), "玉山镇"),
        ("内蒙古自治区 锡林郭勒盟 锡林浩特市 额尔敦路", Region("内蒙古自治区", "锡林郭勒盟", "锡林浩特市", "ok"), "额尔敦路"),
    ],
)
def test_a_leading_region_is_split_from_the_street(address, region, street):
    assert split_address(address) == (region, street)


def test_the_province_is_inferred_when_the_address_starts_with_a_city():
    assert split_address("杭州市西湖区文三路") == (Region("浙江省", "杭州市", "西湖区", "ok"), "文三路")


def test_a_city_alias_followed_by_a_space_starts_an_address():
    assert split_address("杭州 文三路")[0].city == "杭州市"


def test_a_district_follows_the_province_when_the_city_is_missing():
    assert split_address("浙江省义乌市稠城街道") == (Region("浙江省", "", "义乌市", "ok"), "稠城街道")


def test_a_city_street_without_a_district_keeps_the_street_whole():
    assert split_address("广州市天河路385号") == (Region("广东省", "广州市", "", "ok"), "天河路385号")


def test_a_street_starting_with_市_is_not_taken_for_a_district():
    assert split_address("杭州市市民中心") == (Region("浙江省", "杭州市", "", "ok"), "市民中心")


def test_the_市中区_district_is_not_cut_after_the_city():
    assert split_address("山东济南市中区经十路")[0].district == "市中区"


def test_an_autonomous_prefecture_named_like_a_province_is_matched_by_its_full_name():
    assert split_address("海南藏族自治州共和县")[0] == Region("青海省", "海南藏族自治州", "共和县", "ok")


@pytest.mark.parametrize("address", ["中山路100号", "南京东路100号", "北京路88号", "河南路1号", "朝阳区建国路"])
def test_streets_named_after_places_are_not_taken_for_regions(address):
    assert split_address(address) == (Region("", "", "", "empty"), address)


@pytest.mark.parametrize("address", ["", None, "   ", "文三路100号"])
def test_an_address_without_a_region_is_returned_whole(address):
    region, street = split_address(address)
    assert region.status == "empty" and street == (address or "").strip()


@given(st.text(max_size=30))
def test_splitting_never_loses_street_text_or_raises(address):
    region, street = split_address(address)
    if region.status == "empty":
        assert street == " ".join(members.cleaning.strip_export_quirks(address).split())


def test_split_address_keeps_districts_whose_name_contains_lou():
    # given districts named after drum/bell towers (鼓楼区, 钟楼区)
    region, street = split_address("江苏省 南京市 鼓楼区 中山路370号")
    # then the district is recognised and the street is what remains
    assert (region.district, street) == ("鼓楼区", "中山路370号")
    assert split_address("江苏省常州市钟楼区延陵西路")[0].district == "钟楼区"
