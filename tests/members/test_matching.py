"""Pure matching functions: features, pinyin names, blocking keys, pair scoring."""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from members.matching import (
    DEFAULT_MIN_SCORE,
    address_tokens,
    blocking_keys,
    build_features,
    name_parts,
    normalize_place,
    score_pair,
    split_chinese,
    to_pinyin,
)

ZHANG = {
    "name": "张伟", "birthday": date(1990, 5, 12), "gender": "M", "province": "上海市", "city": "上海市",
    "district": "浦东新区", "address": "张江路88弄3号楼1201室",
}


# --- names ------------------------------------------------------------------------------------------------

def test_chinese_name_becomes_lowercase_pinyin_without_spaces():
    assert to_pinyin("张伟") == "zhangwei"
    assert name_parts("张伟").key == "zhangwei"


def test_latin_name_keeps_only_lowercase_letters():
    parts = name_parts("  Mitchell  O'Green ")
    assert parts.key == "mitchellogreen"
    assert parts.tokens == ("mitchell", "o", "green")


def test_chinese_surname_is_the_first_character():
    parts = name_parts("王小明")
    assert (parts.surname, parts.given) == ("wang", "xiaoming")


def test_compound_surnames_take_two_characters():
    for name, surname in [("欧阳娜娜", "欧阳"), ("司马光", "司马"), ("诸葛亮", "诸葛"), ("上官婉儿", "上官"),
                          ("东方明", "东方"), ("皇甫嵩", "皇甫"), ("尉迟恭", "尉迟"), ("公孙策", "公孙"),
                          ("慕容复", "慕容"), ("长孙无忌", "长孙"), ("宇文化及", "宇文"), ("司徒雷", "司徒"),
                          ("夏侯惇", "夏侯")]:
        assert split_chinese(name)[0] == surname, name
    assert name_parts("欧阳娜娜").surname == "ouyang"


def test_a_two_character_name_starting_like_a_compound_surname_is_not_split_as_one():
    # 司马 alone (surname 司, given 马) must not become an empty given name.
    assert split_chinese("司马") == ("司", "马")


def test_surnames_with_special_readings_use_the_surname_reading():
    assert name_parts("单田芳").surname == "shan"
    assert name_parts("曾小贤").surname == "zeng"
    assert name_parts("长孙无忌").surname == "zhangsun"


def test_latin_name_last_token_is_the_surname():
    parts = name_parts("Mitchell Green")
    assert (parts.given, parts.surname) == ("mitchell", "green")


def test_chinese_name_and_its_pinyin_spelling_share_the_key():
    assert name_parts("张伟").key == name_parts("Zhang Wei").key


# --- places and addresses -----------------------------------------------------------------------------------

def test_place_names_drop_the_administrative_suffix():
    assert normalize_place("上海市") == normalize_place("上海") == "上海"
    assert normalize_place(" Port Fairy ") == "portfairy"


def test_chinese_address_splits_into_segments_and_normalizes_building_words():
    assert address_tokens("浦东新区张江路88弄3号楼1201室") == ("浦东新区", "张江路", "88弄", "3栋", "1201室")
    assert address_tokens("张江路88弄三幢1201室") == ("张江路", "88弄", "3栋", "1201室")


def test_latin_address_expands_street_abbreviations():
    assert address_tokens("7 Wallaby Pl, Delmar") == ("7", "wallaby", "place", "delmar")


def test_postcode_is_read_from_the_attributes():
    assert build_features({"attributes": {"postcode": " 2119 "}}).postcode == "2119"
    assert build_features({"attributes": {"邮编": "200120"}}).postcode == "200120"


# --- blocking -----------------------------------------------------------------------------------------------

def test_blocking_keys_combine_two_fields_each():
    keys = blocking_keys(build_features(ZHANG))
    assert "name+city|zhangwei|上海" in keys
    assert "name+birthday|zhangwei|1990-05-12" in keys
    assert "token+birthday|zhang|1990-05-12" in keys
    assert "birthday+city|1990-05-12|上海" in keys
    assert "name-tokens|wei+zhang" in keys
    assert all("|" in key and all(key.split("|")[1:]) for key in keys)


def test_a_typo_in_one_field_still_leaves_a_shared_key():
    base = build_features(ZHANG)
    for typo in ({"name": "张玮"}, {"birthday": date(1990, 5, 21)}, {"city": "上海县", "district": ""}):
        other = build_features({**ZHANG, **typo})
        assert blocking_keys(base) & blocking_keys(other), typo


def test_swapped_latin_names_share_the_order_free_key():
    a = build_features({"name": "Green Mitchell"})
    b = build_features({"name": "Mitchell Green"})
    assert "name-tokens|green+mitchell" in blocking_keys(a) & blocking_keys(b)


def test_empty_profile_has_no_blocking_keys():
    assert blocking_keys(build_features({})) == set()


# --- scoring ------------------------------------------------------------------------------------------------

def test_same_person_with_a_name_typo_scores_high():
    score, reasons = score_pair(ZHANG, {**ZHANG, "name": "张玮", "address": "张江路88弄3号楼1201"})
    assert score >= 0.9
    assert "姓名拼音相同" in reasons
    assert "生日相同" in reasons


def test_identical_names_are_reported_as_such():
    _, reasons = score_pair(ZHANG, ZHANG)
    assert reasons[0] == "姓名相同"


def test_address_similarity_is_reported_with_its_value():
    _, reasons = score_pair(ZHANG, {**ZHANG, "address": "浦东张江路88弄3号楼1201室"})
    assert any(r.startswith("地址相似度 0.") or r == "地址相似度 1.00" for r in reasons)


def test_a_different_known_birthday_scores_low():
    profile = {"name": "张伟", "birthday": date(1990, 5, 12), "city": "上海市", "gender": "M"}
    score, reasons = score_pair(profile, {**profile, "birthday": date(1975, 11, 3)})
    assert score < 0.2
    assert "生日不同" in reasons


def test_same_name_at_the_same_full_address_with_another_birthday_stays_reviewable():
    # Birthdays are the least reliable field (placeholders, lunar dates, coupon hunting); the
    # same name at the same flat is still worth a reviewer's look — far below an identical profile.
    same, _ = score_pair(ZHANG, ZHANG)
    other_birthday, reasons = score_pair(ZHANG, {**ZHANG, "birthday": date(1975, 11, 3)})
    assert DEFAULT_MIN_SCORE <= other_birthday < same - 0.2
    assert "生日不同" in reasons


def test_a_birthday_typo_is_only_mildly_positive():
    near, reasons = score_pair(ZHANG, {**ZHANG, "birthday": date(1990, 5, 21)})
    far, _ = score_pair(ZHANG, {**ZHANG, "birthday": date(1975, 11, 3)})
    same, _ = score_pair(ZHANG, ZHANG)
    assert far < near < same
    assert "生日相近(疑似录入错误)" in reasons


def test_different_known_mobiles_lower_the_score():
    a = {"name": "Mitchell Green", "birthday": date(1956, 4, 9)}
    without, _ = score_pair(a, a)
    with_mobiles, reasons = score_pair({**a, "mobile": "+8613800000001"}, {**a, "mobile": "+8613900000002"})
    assert with_mobiles < without
    assert "手机号不同" in reasons


def test_swapped_given_name_and_surname_still_match():
    a = {"name": "Mitchell Green", "birthday": date(1956, 4, 9), "city": "Cleveland"}
    score, reasons = score_pair(a, {**a, "name": "Green Mitchell"})
    assert score >= 0.9
    assert "姓名顺序颠倒" in reasons


def test_swapped_names_with_a_typo_still_match():
    a = {"name": "Mitchell Green", "birthday": date(1956, 4, 9), "city": "Cleveland"}
    score, reasons = score_pair(a, {**a, "name": "Grene Mitchell"})
    assert score >= DEFAULT_MIN_SCORE
    assert reasons[0].startswith("姓名顺序颠倒")


def test_a_chinese_name_matches_its_pinyin_spelling():
    score, _ = score_pair(ZHANG, {**ZHANG, "name": "Zhang Wei"})
    assert score >= 0.9


def test_a_name_and_a_shared_city_alone_stay_below_the_threshold():
    score, _ = score_pair({"name": "欧阳娜娜", "city": "上海", "district": "浦东新区"},
                          {"name": "欧阳娜娜", "city": "上海市", "district": "浦东新区"})
    assert score < DEFAULT_MIN_SCORE


def test_a_missing_field_neither_rewards_nor_heavily_penalizes():
    full = {**ZHANG}
    partial = {k: v for k, v in ZHANG.items() if k != "address"}
    with_address, _ = score_pair(full, {**full, "address": "张江路88弄3号楼1201室"})
    missing_address, _ = score_pair(full, partial)
    different_address, _ = score_pair(full, {**full, "address": "北京东路1号"})
    assert different_address < missing_address < with_address
    assert missing_address >= DEFAULT_MIN_SCORE


def test_a_neighbour_at_another_door_number_is_not_evidence_of_the_same_person():
    a = {"name": "李娜", "city": "上海", "address": "张江路88弄3号楼1201室"}
    same_door, _ = score_pair(a, {**a, "name": "李那"})
    next_door, reasons = score_pair(a, {**a, "name": "李那", "address": "张江路88弄3号楼1202室"})
    assert next_door < same_door
    assert any("门牌号不同" in r for r in reasons)


def test_chinese_names_differing_in_one_sounded_character_are_different_names():
    # Romanized, these look alike (lizhang / liuyang); character by character they are other names.
    for x, y in [("李阳", "刘洋"), ("程欣", "陈秀兰"), ("张冬梅", "张红梅")]:
        score, reasons = score_pair({**ZHANG, "name": x}, {**ZHANG, "name": y, "address": ""})
        assert score < DEFAULT_MIN_SCORE, (x, y)
        assert reasons[0].startswith(("姓名不同", "姓相同，名不同")), (x, y)


def test_fuzzy_pinyin_accents_still_match():
    score, reasons = score_pair({**ZHANG, "name": "张三"}, {**ZHANG, "name": "臧山"})
    assert score >= 0.9
    assert reasons[0] == "姓名读音相近"


def test_a_title_instead_of_a_given_name_compares_the_surname_only():
    assert name_parts("王女士").surname == "wang" and name_parts("王女士").given == ""
    score, reasons = score_pair({**ZHANG, "name": "张先生"}, ZHANG)
    assert score >= DEFAULT_MIN_SCORE
    assert reasons[0] == "姓名部分相同 1.00"


def test_a_common_name_counts_for_less():
    profile = {"name": "王伟", "birthday": date(1990, 1, 1), "city": "上海"}
    rare, _ = score_pair(profile, profile)
    common, reasons = score_pair(profile, profile, name_count=500)
    assert common < DEFAULT_MIN_SCORE < rare
    assert "常见姓名(共 500 人)" in reasons


def test_a_road_alone_is_weak_evidence_against_a_full_address():
    full = {"name": "李娜", "address": "张江路88弄3号楼1201室"}
    road_only, reasons = score_pair(full, {**full, "address": "张江路"})
    same, _ = score_pair(full, full)
    assert road_only < same - 0.2
    assert not any(r == "地址相似度 1.00" for r in reasons)


def test_a_name_alone_is_not_enough():
    score, _ = score_pair({"name": "王伟"}, {"name": "王伟"})
    assert score < DEFAULT_MIN_SCORE


def test_a_different_gender_lowers_the_score():
    same, _ = score_pair(ZHANG, ZHANG)
    different, reasons = score_pair(ZHANG, {**ZHANG, "gender": "F"})
    assert different < same
    assert "性别不同" in reasons


# --- properties ---------------------------------------------------------------------------------------------

names = st.sampled_from(["张伟", "王芳", "欧阳娜娜", "李娜", "Mitchell Green", "Green Mitchell", "isabelle", "陈",
                         "Zhang Wei", "司马光", ""]) | st.text(max_size=12)
profiles = st.fixed_dictionaries(
    {},
    optional={
        "name": names,
        "birthday": st.dates(min_value=date(1920, 1, 1), max_value=date(2020, 12, 31)) | st.none(),
        "gender": st.sampled_from(["M", "F", "U", ""]),
        "mobile": st.sampled_from(["", "+8613800000001", "+8613900000002"]),
        "email": st.sampled_from(["", "a@example.com", "b@example.com"]),
        "city": st.sampled_from(["", "上海市", "北京", "Cleveland"]) | st.text(max_size=8),
        "district": st.sampled_from(["", "浦东新区", "黄浦区"]),
        "address": st.sampled_from(["", "张江路88弄3号楼1201室", "7 wallaby place delmar"]) | st.text(max_size=30),
        "attributes": st.fixed_dictionaries({}, optional={"postcode": st.sampled_from(["2119", "2191", "200120"])}),
    },
)


@settings(max_examples=300, deadline=None)
@given(profiles, profiles)
def test_score_is_symmetric_and_within_zero_and_one(a, b):
    forward, backward = score_pair(a, b), score_pair(b, a)
    assert forward[0] == backward[0]
    assert 0.0 <= forward[0] <= 1.0


@settings(max_examples=300, deadline=None)
@given(profiles, st.sampled_from(["张伟", "Mitchell Green", "欧阳娜娜", "isabelle"]),
       st.dates(min_value=date(1920, 1, 1), max_value=date(2020, 12, 31)))
def test_identical_profiles_with_a_name_and_birthday_score_at_least_the_threshold(profile, name, birthday):
    profile = {**profile, "name": name, "birthday": birthday}
    score, _ = score_pair(profile, dict(profile))
    assert score >= DEFAULT_MIN_SCORE
