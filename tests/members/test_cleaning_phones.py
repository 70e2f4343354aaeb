"""Mobile numbers: +86 prefixes, export quirks, masks and typed test numbers."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from members.cleaning import PhoneResult, mask_mobile, normalize_mobile

E164 = "+8613812345678"


@pytest.mark.parametrize(
    "raw",
    ["13812345678", "+8613812345678", "+86 138 1234 5678", "0086 13812345678", "008613812345678",
     "8613812345678", "86-138-1234-5678", "(+86) 138.1234.5678", "138-1234-5678", "(138)12345678"],
)
def test_a_chinese_mobile_in_any_common_layout_becomes_e164(raw):
    # when
    result = normalize_mobile(raw)
    # then
    assert result == PhoneResult(E164, "138****5678", "ok")


@pytest.mark.parametrize("raw", ['="13812345678"', "'13812345678", " 13812345678\t", "\ufeff13812345678"])
def test_excel_wrapping_is_removed_before_parsing(raw):
    assert normalize_mobile(raw).e164 == E164


def test_full_width_digits_are_parsed():
    assert normalize_mobile("１３８１２３４５６７８").e164 == E164


@pytest.mark.parametrize("raw", [13812345678, 13812345678.0, "13812345678.0", "1.3812345678E+10"])
def test_numbers_that_excel_stored_as_numbers_are_parsed(raw):
    assert normalize_mobile(raw).e164 == E164


def test_a_leading_zero_before_a_mobile_is_not_a_country_prefix():
    assert normalize_mobile("013812345678").status == "invalid"


@pytest.mark.parametrize("raw", ["138****1234", "138xxxx1234", "138XXXX1234", "138＊＊＊＊1234", "+86 138-****-1234"])
def test_a_masked_mobile_is_kept_for_display_only(raw):
    # given a number a platform masked  # when parsed
    result = normalize_mobile(raw)
    # then it can be shown but never matched on
    assert result == PhoneResult("", "138****1234", "masked")


def test_a_mask_hiding_almost_every_digit_is_invalid():
    assert normalize_mobile("1**********").status == "invalid"


@pytest.mark.parametrize("raw", ["11111111111", "13333333333", "18888888888", "13800000000", "19900000000", "00000000000"])
def test_typed_test_numbers_are_invalid(raw):
    assert normalize_mobile(raw) == PhoneResult("", "", "invalid")


@pytest.mark.parametrize("raw", ["12345678901", "1381234567", "138123456789", "23812345678", "02112345678", "abc", "138-1234-567a"])
def test_numbers_that_are_not_chinese_mobiles_are_invalid(raw):
    assert normalize_mobile(raw).status == "invalid"


def test_a_chinese_landline_with_86_is_not_a_mobile():
    assert normalize_mobile("+86 10 6512 3456").status == "invalid"


@pytest.mark.parametrize("raw", [None, "", "  ", "null", "无", "-", "0", "-1", '=""'])
def test_missing_values_are_empty(raw):
    assert normalize_mobile(raw) == PhoneResult("", "", "empty")


def test_a_valid_foreign_number_with_a_plus_becomes_e164():
    assert normalize_mobile("+852 9123 4567") == PhoneResult("+85291234567", "+85291**4567", "ok")


def test_a_foreign_number_with_00_is_read_as_international():
    assert normalize_mobile("00852 9123 4567").e164 == "+85291234567"


def test_an_invalid_foreign_number_is_invalid():
    assert normalize_mobile("+1 123").status == "invalid"


def test_a_plausible_number_not_far_from_a_test_pattern_stays_valid():
    assert normalize_mobile("13800138000").e164 == "+8613800138000"


# ---------------------------------------------------------------- mask_mobile


def test_a_chinese_mobile_is_masked_to_its_first_three_and_last_four_digits():
    assert mask_mobile(E164) == "138****5678"


def test_a_raw_chinese_mobile_is_masked_too():
    assert mask_mobile("138 1234 5678") == "138****5678"


def test_a_foreign_number_keeps_its_country_code_two_leading_and_four_trailing_digits():
    assert mask_mobile("+16502530000") == "+165****0000"


def test_an_already_masked_mobile_stays_masked():
    assert mask_mobile("138xxxx5678") == "138****5678"


@pytest.mark.parametrize("raw", ["", "not a phone", "tom@example.com", "11111111111"])
def test_masking_something_that_is_no_phone_gives_empty(raw):
    assert mask_mobile(raw) == ""


# ---------------------------------------------------------------- properties

cn_mobiles = st.from_regex(r"1[3-9]\d{9}", fullmatch=True)


@given(cn_mobiles)
def test_normalizing_an_e164_result_gives_the_same_result(raw):
    result = normalize_mobile(raw)
    if result.status == "ok":
        assert normalize_mobile(result.e164) == result


@given(cn_mobiles, st.sampled_from(["", "+86", "0086", "86", "+86 ", "'", '="']))
def test_prefixes_and_quirks_never_change_the_parsed_number(digits, prefix):
    wrapped = f"{prefix}{digits}" + ('"' if prefix == '="' else "")
    assert normalize_mobile(wrapped) == normalize_mobile(digits)


@given(st.one_of(st.none(), st.text(), st.integers(), st.floats()))
def test_any_input_gives_a_well_formed_result(raw):
    result = normalize_mobile(raw)
    assert result.status in {"ok", "masked", "invalid", "empty"}
    assert bool(result.e164) == (result.status == "ok")
    assert bool(result.masked) == (result.status in {"ok", "masked"})
    assert "*" in result.masked or not result.masked
