"""Cell value parsers: amounts, quantities, times, text, order numbers, consent, channels."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from members.cleaning import strip_export_quirks
from members.imports.formats import values
from members.imports.formats.values import (
    AmountError,
    ChoiceError,
    DatetimeError,
    MissingValue,
    QuantityError,
    TextError,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

# ---------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("tb_lee", "tb_lee"), ("  tb_lee\t", "tb_lee"), ("'13812345678", "13812345678"), ('="0123"', "0123"),
     ("\u3000韩梅梅\u3000", "韩梅梅"), ("ＡＢＣ１２３", "ABC123"), ("", ""), ("   ", "")],
)
def test_text_removes_export_quirks(raw, clean):
    assert values.text(raw) == clean


@given(st.text(alphabet=st.sampled_from(list("ab 1='\"\t\u3000\uff21\uff07\uff1d\u200b\u00a0\u2028\x1c中文\n,"))))
def test_the_text_shortcut_agrees_with_strip_export_quirks(raw):
    # given any mix of quirk characters  # when cleaned  # then the fast path changes nothing
    assert values.text(raw) == strip_export_quirks(raw)


# ---------------------------------------------------------------- order numbers


@pytest.mark.parametrize("raw", ['="2565918346414630585"', "'2565918346414630585", " 2565918346414630585 "])
def test_an_order_number_loses_its_excel_wrapping(raw):
    assert values.order_number(raw) == "2565918346414630585"


def test_an_empty_order_number_is_missing():
    with pytest.raises(MissingValue):
        values.order_number('=""')


def test_an_order_number_longer_than_64_characters_is_refused():
    with pytest.raises(TextError, match="64"):
        values.order_number("9" * 65)


def test_an_order_number_excel_turned_into_scientific_notation_is_refused():
    with pytest.raises(TextError, match="科学计数法"):
        values.order_number("2.56592E+18")


# ---------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("raw", "amount"),
    [("129.00", "129.00"), ("129", "129.00"), ("129.5", "129.50"), ("199.00元", "199.00"), ("￥88", "88.00"),
     ("¥1,299.00", "1299.00"), (" 12.30 ", "12.30"), ("12.300000000000001", "12.30"), ("0", "0.00"),
     ("-0.00", "0.00"), ("RMB 5", "5.00")],
)
def test_amounts_are_decimals_with_two_places(raw, amount):
    parsed = values.amount(raw)
    assert parsed == Decimal(amount)
    assert str(parsed) == amount


def test_an_empty_amount_is_none():
    assert values.amount("") is None
    assert values.amount(" 元 ") is None


@pytest.mark.parametrize("raw", ["-5.00", "-1"])
def test_a_negative_amount_is_refused(raw):
    with pytest.raises(AmountError, match="负数"):
        values.amount(raw)


@pytest.mark.parametrize("raw", ["abc", "12.3.4", "NaN", "1e5", "十元"])
def test_a_non_numeric_amount_is_refused(raw):
    with pytest.raises(AmountError, match="金额"):
        values.amount(raw)


def test_an_amount_too_large_for_the_database_is_refused():
    with pytest.raises(AmountError, match="过大"):
        values.amount("12345678901.00")


# ---------------------------------------------------------------- quantities


@pytest.mark.parametrize(("raw", "quantity"), [("2", 2), ("0", 0), ("2.0", 2), (" 3 ", 3), ("3件", 3), ("'2", 2)])
def test_quantities_are_whole_numbers(raw, quantity):
    assert values.quantity(raw) == quantity


def test_an_empty_quantity_is_none():
    assert values.quantity("") is None


@pytest.mark.parametrize("raw", ["-1", "1.5", "two", "1e3"])
def test_a_negative_fractional_or_non_numeric_quantity_is_refused(raw):
    with pytest.raises(QuantityError):
        values.quantity(raw)


@pytest.mark.parametrize("raw", ["10000001", "9" * 5000, "\t" + "1" * 5000, "0" * 5000 + "10000001"])
def test_a_quantity_past_the_limit_is_refused_however_many_digits_it_has(raw):
    # 5,000 digits: past what int() converts from text (4,300), found by the any-cell property test
    with pytest.raises(QuantityError, match="数量过大"):
        values.quantity(raw)


def test_leading_zeros_do_not_make_a_quantity_too_large():
    assert values.quantity("0" * 5000 + "7") == 7


# ---------------------------------------------------------------- datetimes


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2025-06-20 10:01:30", dt.datetime(2025, 6, 20, 10, 1, 30)), ("2025/6/20 9:05", dt.datetime(2025, 6, 20, 9, 5)),
     ("2025-06-20", dt.datetime(2025, 6, 20)), ("2025/6/20", dt.datetime(2025, 6, 20)),
     ('="2025-06-20 10:01:30"', dt.datetime(2025, 6, 20, 10, 1, 30))],
)
def test_platform_and_excel_resaved_times_are_beijing_time(raw, expected):
    # given a time as the platform writes it or as Excel re-saves it
    # when parsed  # then it is that wall-clock time in Asia/Shanghai
    assert values.datetime(raw) == expected.replace(tzinfo=SHANGHAI)


def test_the_fast_path_gives_the_same_zone_as_the_shared_parser():
    assert values.datetime("2025-06-20 10:01:30").tzinfo == values.datetime("2025/6/20 10:01").tzinfo == SHANGHAI


@pytest.mark.parametrize("raw", ["", "  ", "0000-00-00 00:00:00", "-", "null"])
def test_an_empty_or_placeholder_time_is_none(raw):
    assert values.datetime(raw) is None


@pytest.mark.parametrize("raw", ["2025-13-01 10:00:00", "2025-06-31", "昨天", "2025-06-20 25:00:00"])
def test_an_unreadable_time_is_refused_not_dropped(raw):
    with pytest.raises(DatetimeError, match="2024-01-31 13:45:00"):
        values.datetime(raw)


# ---------------------------------------------------------------- choices


@pytest.mark.parametrize("raw", ["是", "同意", "Y", "y", "1", "TRUE"])
def test_consent_granted(raw):
    assert values.consent(raw) is True


@pytest.mark.parametrize("raw", ["否", "拒绝", "退订", "N", "0", "TD"])
def test_consent_refused_or_withdrawn(raw):
    assert values.consent(raw) is False


def test_blank_consent_says_nothing():
    assert values.consent(" ") is None


def test_unknown_consent_is_refused():
    with pytest.raises(ChoiceError, match="是/否"):
        values.consent("也许")


@pytest.mark.parametrize(("raw", "channel"), [("tmall", "tmall"), ("天猫", "tmall"), ("门店POS", "pos"), ("POS", "pos")])
def test_a_channel_is_its_code_or_its_chinese_label(raw, channel):
    assert values.channel(raw) == channel


def test_an_unknown_channel_is_refused_listing_the_channels():
    with pytest.raises(ChoiceError, match="天猫"):
        values.channel("拼多多")
