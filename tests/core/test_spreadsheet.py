"""core.spreadsheet: a text cell never reaches a spreadsheet as a formula."""

import pytest

from core.spreadsheet import neutralize_formula


@pytest.mark.parametrize("cell", ["=1+1", "+86 138", "-2", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")'])
def test_a_text_cell_starting_like_a_formula_gets_a_leading_quote(cell):
    # when / then
    assert neutralize_formula(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["王芳", "", "1+1", "'=already quoted", -2, 3.5, None])
def test_other_text_and_numbers_stay_as_they_are(cell):
    # when / then: a negative amount stays a number
    assert neutralize_formula(cell) == cell
