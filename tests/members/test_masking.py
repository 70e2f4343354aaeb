"""members.masking.mask_text: phones and e-mails inside free text never come out whole."""

import re

from hypothesis import given
from hypothesis import strategies as st

from members.cleaning import normalize_mobile
from members.cleaning.text import to_halfwidth
from members.masking import mask_data, mask_text

SEPARATORS = re.compile(r"[\s\-().·/]")

# Text around a number: anything but digits (a digit glued to a number makes it another number).
surrounding = st.text(st.characters(blacklist_categories=("Nd", "Cs")), max_size=30)
boundaries = st.sampled_from([" ", "，", "：", "\n", "至", "电话", "tel:", "（", "）"])


@st.composite
def mobiles_as_typed(draw):
    """(national 11 digits, the number as someone typed it) in a format the phone cleaning accepts."""
    # (the cleaning refuses typed fakes such as 13000000000, so the format check below skips them)
    national = draw(st.from_regex(r"\A1[3-9][0-9]{9}\Z").filter(lambda n: normalize_mobile(n).e164))
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "+86-", "0086", "0086 ", "86", "86-", "(+86) "]))
    sep = draw(st.sampled_from(["", " ", "-", " - ", "."]))
    grouped = sep.join((national[:3], national[3:7], national[7:]))
    typed = prefix + grouped
    if draw(st.booleans()):  # full-width, as typed with a Chinese input method
        typed = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in typed)
    return national, typed


def digit_runs(text: str) -> str:
    """The text as a reader sees the digits: half-width, separators between digits dropped."""
    return SEPARATORS.sub("", to_halfwidth(text))


@given(mobiles_as_typed(), surrounding, boundaries, boundaries, surrounding)
def test_a_mobile_in_any_accepted_format_inside_text_is_masked(mobile, before, left, right, after):
    # given a mobile the cleaning accepts, written inside random text
    national, typed = mobile
    assert normalize_mobile(typed).e164 == "+86" + national
    text = before + left + typed + right + after

    # when it is masked
    shown = digit_runs(mask_text(text))

    # then no 7 consecutive digits of the number survive
    assert not any(national[i:i + 7] in shown for i in range(len(national) - 6)), shown


@given(
    st.from_regex(r"\A[a-z0-9][a-z0-9._+\-]{2,20}\Z"),
    st.from_regex(r"\A[a-z0-9]{2,10}\.(com|cn|net|com\.cn)\Z"),
    surrounding, boundaries, boundaries, surrounding,
)
def test_an_email_inside_text_is_masked(local, domain, before, left, right, after):
    # given an e-mail address inside random text
    text = before + left + f"{local}@{domain}" + right + after

    # when it is masked
    shown = mask_text(text)

    # then its local part is gone, the rest of the text is kept
    assert f"{local}@" not in shown
    assert f"***@{domain}" in shown
    assert shown.startswith(before + left)


@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="@"), max_size=60)
       .filter(lambda s: not re.search(r"\d{7}", SEPARATORS.sub("", to_halfwidth(s)))))
def test_text_without_a_phone_or_email_is_unchanged(text):
    # given text with no run of 7+ digits and no e-mail; when masked; then unchanged
    assert mask_text(text) == text


def test_examples_from_ledger_reasons_and_account_ids():
    assert mask_text("礼品寄至 13912345678") == "礼品寄至 139****5678"
    assert mask_text("联系 139 1234 5678 / 139-1234-5678") == "联系 139****5678 / 139****5678"
    assert mask_text("＋８６１３９１２３４５６７８收") == "139****5678收"
    assert mask_text("mobile:+8613912345678") == "mobile:139****5678"
    assert mask_text("海外 +12025550123") == "海外 +12****23"
    assert mask_text("13912345678@qq.com") == "1***@qq.com"
    assert mask_text("订单 2026010112 积分 300") == "订单 2026010112 积分 300"


def test_snapshots_are_masked_to_every_nested_string():
    snapshot = {"mobile": "+8613912345678", "联系电话": "n/a 12", "name": "王丽",
                "attributes": {"note": "备用 13800138000", "emails": ["a.b@example.com"]}, "count": 3}

    assert mask_data(snapshot) == {
        "mobile": "139****5678", "联系电话": "****", "name": "王丽",
        "attributes": {"note": "备用 138****8000", "emails": ["a***@example.com"]}, "count": 3,
    }
