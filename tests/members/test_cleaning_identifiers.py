"""Identifier values as matched, and the values that must never link two people."""

from enum import Enum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from members.cleaning import IDENTIFIER_KINDS, is_blocked_value, normalize_identifier


def test_the_identifier_kinds_are_the_matchable_ones():
    assert IDENTIFIER_KINDS == (
        "mobile", "email", "wechat_unionid", "wechat_openid", "tmall_ouid", "tmall_omid",
        "tmall_nick", "jd_account", "pos_card", "mall_user", "external_id",
    )


def test_an_unknown_kind_is_rejected():
    with pytest.raises(ValueError, match="unknown identifier kind"):
        normalize_identifier("qq", "12345")


def test_an_unknown_kind_is_rejected_when_checking_for_blocking():
    with pytest.raises(ValueError, match="unknown identifier kind"):
        is_blocked_value("qq", "12345")


# ---------------------------------------------------------------- normalize_identifier


@pytest.mark.parametrize("raw", ["138 1234 5678", "+86 13812345678", '="13812345678"', "0086-138-1234-5678"])
def test_a_mobile_is_matched_on_its_e164_form(raw):
    assert normalize_identifier("mobile", raw) == "+8613812345678"


def test_a_masked_mobile_never_links():
    assert normalize_identifier("mobile", "138****5678") == ""


def test_an_email_is_matched_lower_cased():
    assert normalize_identifier("email", " Tom@Example.COM ") == "tom@example.com"


def test_an_invalid_email_never_links():
    assert normalize_identifier("email", "tom at example") == ""


@pytest.mark.parametrize("kind", ["wechat_unionid", "wechat_openid", "tmall_ouid", "tmall_omid", "external_id"])
def test_platform_tokens_keep_their_case(kind):
    # given a case-sensitive token with an export wrapping  # when normalized  # then only the wrapping goes
    assert normalize_identifier(kind, ' ="oAbC_12xYz" ') == "oAbC_12xYz"


@pytest.mark.parametrize("kind", ["tmall_nick", "jd_account", "mall_user"])
def test_platform_account_names_are_matched_case_insensitively(kind):
    assert normalize_identifier(kind, "Tom_Lee") == normalize_identifier(kind, "tom_lee") == "tom_lee"


def test_a_full_width_nick_is_matched_as_half_width():
    assert normalize_identifier("tmall_nick", "Ｔｏｍ＿Ｌｅｅ") == "tom_lee"


def test_inner_whitespace_of_a_nick_is_kept():
    assert normalize_identifier("tmall_nick", " tom lee ") == "tom lee"


@pytest.mark.parametrize("raw", ["VIP-0001-22", "vip 0001 22", "VIP000122", "'vip-000122"])
def test_a_pos_card_drops_spaces_and_dashes_and_is_upper_cased(raw):
    assert normalize_identifier("pos_card", raw) == "VIP000122"


def test_a_card_number_exposing_an_apostrophe_after_dash_removal_is_fully_cleaned():
    assert normalize_identifier("pos_card", "-'0012") == "0012"


@pytest.mark.parametrize(("kind", "raw"), [("tmall_nick", "t***3"), ("jd_account", "jd_****"), ("pos_card", "6222****1234")])
def test_a_masked_value_never_links(kind, raw):
    assert normalize_identifier(kind, raw) == ""


@pytest.mark.parametrize("junk", ["0", "-1", "null", "anonymous", "00000000000", "11111111111", "0000-0000", "aaaa"])
def test_a_blocked_pos_card_never_links(junk):
    assert normalize_identifier("pos_card", junk) == ""


# ---------------------------------------------------------------- is_blocked_value


@pytest.mark.parametrize(
    "value",
    ["", "0", "-1", "null", "NULL", "none", "anonymous", "test", "Guest", "匿名", "unknown", "测试", "无", "n/a",
     "0000", "aaaa", "1111111", "ab", "x"],
)
def test_placeholders_repeats_and_short_values_are_blocked(value):
    assert is_blocked_value("jd_account", value)


@pytest.mark.parametrize("value", ["11111111111", "13800000000", "00000000000", "138****5678", "12345", "", "null"])
def test_mobiles_that_do_not_normalize_are_blocked(value):
    assert is_blocked_value("mobile", value)


def test_a_normalized_mobile_is_not_blocked():
    assert not is_blocked_value("mobile", "+8613812345678")


def test_a_short_but_valid_email_is_not_blocked_for_its_length():
    assert not is_blocked_value("email", "a@b.cn")


@pytest.mark.parametrize(("kind", "value"), [("jd_account", "jd_buyer"), ("pos_card", "VIP000122"), ("wechat_openid", "oAbC_12xYz"), ("mall_user", "u01")])
def test_real_identifiers_are_not_blocked(kind, value):
    assert not is_blocked_value(kind, value)


def test_the_kind_may_be_an_enum_member_such_as_a_django_text_choice():
    # given an enum member whose value is the kind, as IdentifierKind's are
    class Kind(Enum):
        MOBILE = "mobile"

    # when normalizing  # then its value selects the kind
    assert normalize_identifier(Kind.MOBILE, "13812345678") == "+8613812345678"


# ---------------------------------------------------------------- properties


@given(st.sampled_from(IDENTIFIER_KINDS), st.text(max_size=30))
def test_normalizing_an_identifier_is_idempotent(kind, raw):
    once = normalize_identifier(kind, raw)
    assert normalize_identifier(kind, once) == once


@given(st.sampled_from(IDENTIFIER_KINDS), st.text(max_size=30))
def test_a_normalized_identifier_is_never_blocked(kind, raw):
    value = normalize_identifier(kind, raw)
    assert value == "" or not is_blocked_value(kind, value)


@given(st.sampled_from(IDENTIFIER_KINDS), st.text(max_size=30))
def test_a_value_containing_a_star_never_links(kind, raw):
    assert "*" not in normalize_identifier(kind, raw)
