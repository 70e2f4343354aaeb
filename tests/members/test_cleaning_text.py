"""Text clean-up: export quirks, names, emails and placeholder values."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from members.cleaning import clean_name, is_junk_value, normalize_email, strip_export_quirks, to_halfwidth

# ---------------------------------------------------------------- to_halfwidth


def test_full_width_letters_digits_and_symbols_become_half_width():
    assert to_halfwidth("ＡＢＣ１２３＠．＋") == "ABC123@.+"


def test_ideographic_space_becomes_an_ordinary_space():
    assert to_halfwidth("张\u3000三") == "张 三"


def test_cjk_characters_and_cjk_punctuation_are_left_alone():
    assert to_halfwidth("张三、你好。") == "张三、你好。"


# ---------------------------------------------------------------- strip_export_quirks


def test_none_becomes_an_empty_string():
    assert strip_export_quirks(None) == ""


@pytest.mark.parametrize("raw", ['="00123"', "'00123", "  00123\t", "\u00a000123\u00a0", "\ufeff00123", "\u200b00123\u200d"])
def test_export_wrapping_and_invisible_padding_are_removed(raw):
    # given a value as Excel/CSV exports leave it  # when stripped  # then only the value is left
    assert strip_export_quirks(raw) == "00123"


def test_excel_formula_wrapping_with_inner_padding_is_fully_removed():
    assert strip_export_quirks('  =" 13812345678 " ') == "13812345678"


def test_full_width_input_is_converted_to_half_width():
    assert strip_export_quirks("＝＂１２３＂") == "123"


def test_only_the_apostrophe_prefix_is_removed_not_inner_ones():
    assert strip_export_quirks("'O'Brien") == "O'Brien"


@pytest.mark.parametrize("raw", ["", "   ", "\t\u00a0\u3000", "\ufeff", '=""', "'"])
def test_values_that_are_only_quirks_become_empty(raw):
    assert strip_export_quirks(raw) == ""


def test_excel_integers_stored_as_floats_lose_their_decimal_part():
    assert strip_export_quirks(13812345678.0) == "13812345678"


@given(st.text())
def test_stripping_export_quirks_is_idempotent(raw):
    once = strip_export_quirks(raw)
    assert strip_export_quirks(once) == once


# ---------------------------------------------------------------- is_junk_value


@pytest.mark.parametrize(
    "raw",
    ["", "0", "-1", "null", "NULL", "None", "nil", "undefined", "Anonymous", "N/A", "na", "-", "--",
     "无", "空", "未知", "匿名", "000", "0000000", " 'null ", '="NULL"'],
)
def test_placeholders_are_junk(raw):
    assert is_junk_value(raw)


@pytest.mark.parametrize("raw", ["张三", "10", "a", "0.5", "13812345678", "none of them"])
def test_real_values_are_not_junk(raw):
    assert not is_junk_value(raw)


# ---------------------------------------------------------------- clean_name


def test_spaces_inside_a_chinese_name_are_removed():
    assert clean_name("张 三") == "张三"


def test_ideographic_spaces_inside_a_chinese_name_are_removed():
    assert clean_name("欧阳\u3000娜娜") == "欧阳娜娜"


def test_a_minority_name_keeps_its_middle_dot_without_spaces():
    assert clean_name("买买提 · 艾力") == "买买提·艾力"


def test_a_latin_name_keeps_one_space_between_words():
    assert clean_name("  John \t  Smith ") == "John Smith"


def test_a_name_with_export_quirks_is_unwrapped():
    assert clean_name('="\ufeff李四"') == "李四"


@pytest.mark.parametrize(
    "raw", ["null", "None", "n/a", "-", "未知", "匿名", "anonymous", "Test", "测试", "123", "---", "。。", None, "  "]
)
def test_placeholder_names_become_empty(raw):
    assert clean_name(raw) == ""


def test_a_surname_with_an_honorific_is_kept():
    assert clean_name("王先生") == "王先生"


@given(st.text())
def test_cleaning_a_name_is_idempotent(raw):
    once = clean_name(raw)
    assert clean_name(once) == once


# ---------------------------------------------------------------- normalize_email


def test_an_email_is_lower_cased():
    assert normalize_email("Tom@Example.COM") == "tom@example.com"


def test_a_full_width_email_is_converted():
    assert normalize_email("ＴＯＭ＠ＱＱ．ＣＯＭ") == "tom@qq.com"


def test_an_email_with_export_quirks_is_unwrapped():
    assert normalize_email(" '=\"a.b+tag@163.com\"") == "a.b+tag@163.com"


def test_a_mailto_prefix_is_dropped():
    assert normalize_email("mailto:x@brand.cn") == "x@brand.cn"


@pytest.mark.parametrize(
    "raw",
    ["tom@example", "tom @example.com", "a@b@c.com", "@example.com", "tom@", "x..y@a.com", ".x@a.com",
     "ab***@qq.com", "null", "", None, "tom@-bad.com", "tom@example.c"],
)
def test_values_that_are_not_emails_become_empty(raw):
    assert normalize_email(raw) == ""


@given(st.emails())
def test_normalizing_an_email_is_idempotent(raw):
    once = normalize_email(raw)
    assert normalize_email(once) == once
