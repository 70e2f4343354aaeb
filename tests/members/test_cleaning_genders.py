"""Gender codes from channel exports."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from members.cleaning import normalize_gender


@pytest.mark.parametrize("raw", ["男", "男性", "先生", "M", "m", "male", "Male", "1", 1, 1.0, " 男 ", "'1", "Ｍ"])
def test_male_codes_give_m(raw):
    assert normalize_gender(raw) == "M"


@pytest.mark.parametrize("raw", ["女", "女性", "女士", "小姐", "F", "f", "female", "FEMALE", "2", 2, 2.0, '="2"'])
def test_female_codes_give_f(raw):
    assert normalize_gender(raw) == "F"


@pytest.mark.parametrize("raw", ["0", 0, "", None, "未知", "保密", "U", "x", "3", "男女", True])
def test_unknown_or_unrecognized_codes_give_u(raw):
    assert normalize_gender(raw) == "U"


@given(st.one_of(st.none(), st.text(), st.integers()))
def test_the_result_is_always_one_of_three_codes(raw):
    assert normalize_gender(raw) in {"M", "F", "U"}


@given(st.one_of(st.none(), st.text(), st.integers()))
def test_normalizing_a_gender_is_idempotent(raw):
    once = normalize_gender(raw)
    assert normalize_gender(once) == once
