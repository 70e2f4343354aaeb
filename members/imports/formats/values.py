"""Strict, fast parsers for the cell values of import files.

Each parser takes the raw cell text and returns a typed value, None for an empty cell,
or raises a ValueProblem whose Chinese `reason` becomes a RowError. A fast path handles
the clean values that make up nearly every row of a platform export; anything else goes
through the shared cleaning functions.
"""

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.widths import HALFWIDTH
from members.cleaning import is_junk_value, parse_datetime_cn
from members.cleaning.dates import SHANGHAI
from members.cleaning.text import _INVISIBLE, _NBSP  # the tables strip_export_quirks applies (with HALFWIDTH)
from members.models import Order, OrderLine
from members.models.choices import Channel


class ValueProblem(ValueError):
    """A cell value that cannot be used; `reason` says why, in Chinese, for the operator."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class MissingValue(ValueProblem):
    pass


class AmountError(ValueProblem):
    pass


class QuantityError(ValueProblem):
    pass


class DatetimeError(ValueProblem):
    pass


class ChoiceError(ValueProblem):
    pass


class TextError(ValueProblem):
    pass


# ---------------------------------------------------------------- text

# What strip_export_quirks rewrites char by char (full-width forms, ideographic and
# non-breaking spaces) or drops (invisible marks), as one table: replacing only the few
# matches is far cheaper than its three str.translate passes over the whole value.
_REPLACEMENTS = {
    chr(code): "" if new is None else chr(new) for table in (HALFWIDTH, _INVISIBLE, _NBSP) for code, new in table.items()
}
_REWRITTEN = re.compile("[" + "".join(map(re.escape, _REPLACEMENTS)) + "]")


def _replace(match: re.Match) -> str:
    return _REPLACEMENTS[match.group()]


def text(raw: str) -> str:
    """Exactly `strip_export_quirks` for a cell (the tests prove it), several times faster."""
    value = raw.strip()
    if not value.isascii():
        value = _REWRITTEN.sub(_replace, value).strip()
    # Peel ="…" and apostrophe layers until none is left, as strip_export_quirks does.
    while value and (value[0] == "'" or value[0] == "="):
        if value[0] == "'":
            value = value[1:].strip()
        elif len(value) >= 3 and value[1] == '"' and value[-1] == '"':
            value = value[2:-1].strip()
        else:
            break
    return value


ORDER_NUMBER_MAX = Order._meta.get_field("external_no").max_length
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")


def order_number(raw: str) -> str:
    """An order number without ="…" or apostrophe wrapping; never empty."""
    if raw[:2] == '="' and raw[-1:] == '"':
        number = raw[2:-1]  # Tmall writes every order number as ="1234…" to keep Excel off it
        if number.isdigit() and len(number) <= ORDER_NUMBER_MAX:
            return number
    number = text(raw)
    if not number:
        raise MissingValue("订单编号不能为空")
    if len(number) > ORDER_NUMBER_MAX:
        raise TextError(f"订单编号超过 {ORDER_NUMBER_MAX} 个字符")
    if not number.isdigit() and _SCIENTIFIC.match(number):
        raise TextError("订单编号被 Excel 转成了科学计数法，原号码已丢失；请从平台重新导出，不要用 Excel 另存")
    return number


# ---------------------------------------------------------------- amounts

_CENTS = Decimal("0.01")
_ZERO = Decimal("0.00")


def _largest(field) -> Decimal:
    """The largest amount a DecimalField holds: 9999999999.99 for max_digits=12, decimal_places=2."""
    return Decimal(10) ** (field.max_digits - field.decimal_places) - Decimal(10) ** -field.decimal_places


_AMOUNT_FIELDS = [Order._meta.get_field(name) for name in ("payable_amount", "paid_amount", "refunded_amount")]
_MAX_AMOUNT = min(_largest(field) for field in [*_AMOUNT_FIELDS, OrderLine._meta.get_field("price")])
_FAST_AMOUNT_LENGTH = len(str(_MAX_AMOUNT))  # "128.00" this long or shorter is in range
_NUMBER = re.compile(r"-?\d+(?:\.\d*)?|-?\.\d+")
_CURRENCY = str.maketrans("", "", "元￥¥,， ")  # "1,299.00元", "￥88"; full-width ￥ survives cleaning


def amount(raw: str) -> Decimal | None:
    """A money amount in yuan with two decimal places; None when the cell is empty."""
    if not raw:
        return None
    # Fast path: "128.00" as platforms write it (a leading digit rules out signs and spaces).
    if raw[-3:-2] == "." and raw[:1].isdigit() and len(raw) <= _FAST_AMOUNT_LENGTH:
        try:
            return Decimal(raw)
        except InvalidOperation:
            pass
    value = text(raw).translate(_CURRENCY)
    if value.upper().startswith(("RMB", "CNY")):
        value = value[3:]
    if not value:
        return None
    if not _NUMBER.fullmatch(value):
        raise AmountError("不是有效的金额，应为数字，如 128.00")
    try:
        number = Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise AmountError("不是有效的金额，应为数字，如 128.00") from None
    if number < 0:
        raise AmountError("金额不能为负数")
    if not number:
        return _ZERO  # not "-0.00"
    # Checked before rounding: quantize raises InvalidOperation past 28 digits ("9" * 40).
    if number > _MAX_AMOUNT:
        raise AmountError(f"金额过大，最多 {_MAX_AMOUNT}")
    # Excel hands back float noise such as 12.300000000000001; rounding to cents undoes it.
    number = number.quantize(_CENTS, rounding=ROUND_HALF_UP)
    if number > _MAX_AMOUNT:  # 9999999999.995 rounds up past it
        raise AmountError(f"金额过大，最多 {_MAX_AMOUNT}")
    return number


# ---------------------------------------------------------------- quantities

MAX_QUANTITY = 10_000_000  # far below what OrderLine.quantity (an integer column) holds
_WHOLE = re.compile(r"(\d+)(?:\.0*)?")  # "2.0" from a spreadsheet is a whole 2


def quantity(raw: str) -> int | None:
    """A whole number ≥ 0; None when the cell is empty."""
    if raw.isascii() and raw.isdigit() and len(raw) < 8:
        return int(raw)
    value = text(raw).removesuffix("件").strip()
    if not value:
        return None
    match = _WHOLE.fullmatch(value)
    if not match:
        raise QuantityError("数量应为不小于 0 的整数")
    digits = match.group(1).lstrip("0") or "0"
    # Compare lengths first: int() refuses strings of more than 4,300 digits (ValueError).
    if len(digits) > len(str(MAX_QUANTITY)) or (number := int(digits)) > MAX_QUANTITY:
        raise QuantityError(f"数量过大，最多 {MAX_QUANTITY:,}")
    return number


# ---------------------------------------------------------------- datetimes

_from_iso, _combine, _datetime = dt.datetime.fromisoformat, dt.datetime.combine, dt.datetime
_EXCEL_RESAVED = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2}) (\d{1,2}):(\d\d)(?::(\d\d))?")
_DATETIME_HINT = "应为 2024-01-31 13:45:00、2024/1/31 13:45 或 2024-01-31 这样的时间"
# Orders, registrations and consents all happened in this window; a time outside it is a typo or
# a placeholder (and year 1 or 9999 cannot even be converted to UTC for the database).
FIRST_YEAR, LAST_YEAR = 1970, 2099
_OUT_OF_RANGE = f"时间超出合理范围，应在 {FIRST_YEAR} 年到 {LAST_YEAR} 年之间"


def _in_range(stamp: dt.datetime) -> dt.datetime:
    if FIRST_YEAR <= stamp.year <= LAST_YEAR:
        return stamp
    raise DatetimeError(_OUT_OF_RANGE)


def datetime(raw: str) -> dt.datetime | None:
    """An aware Asia/Shanghai datetime; None for an empty cell or a 0000-00-00 placeholder."""
    if not raw:
        return None
    if len(raw) == 19 and raw[10] == " " and raw[4] == "-":
        # The platforms' own yyyy-MM-dd HH:mm:ss, parsed in C; combine() attaches the zone
        # several times cheaper than replace(tzinfo=…), which parses keyword arguments.
        try:
            naive = _from_iso(raw)
        except ValueError:
            pass
        else:
            if naive.tzinfo is None and FIRST_YEAR <= naive.year <= LAST_YEAR:  # "2025-06-20 10-05:00" is 19 too
                return _combine(naive, naive.time(), SHANGHAI)
    if match := _EXCEL_RESAVED.fullmatch(raw):
        # yyyy/M/d H:mm, as Excel writes the platforms' times back when a report is re-saved.
        try:
            return _in_range(_datetime(*map(int, match.groups(default="0")), 0, SHANGHAI))
        except DatetimeError:
            raise
        except ValueError:
            raise DatetimeError(f"无法识别的时间，{_DATETIME_HINT}") from None
    value = text(raw)
    if not value or value.startswith("0000-00-00") or is_junk_value(value):
        return None
    stamp = parse_datetime_cn(value)
    if stamp is None:
        raise DatetimeError(f"无法识别的时间，{_DATETIME_HINT}")
    return _in_range(stamp)


# ---------------------------------------------------------------- choices

_CONSENT = {
    **dict.fromkeys(("是", "同意", "已同意", "授权", "已授权", "y", "yes", "1", "true", "√"), True),
    **dict.fromkeys(
        ("否", "不同意", "拒绝", "已拒绝", "退订", "已退订", "未授权", "n", "no", "0", "false", "×", "td"), False
    ),
}


def consent(raw: str) -> bool | None:
    """Marketing consent: True granted, False refused or withdrawn, None when blank."""
    value = text(raw).lower()
    if not value:
        return None
    try:
        return _CONSENT[value]
    except KeyError:
        raise ChoiceError("无法识别的授权状态，应为 是/否（也可填 同意、拒绝、退订、Y、N、1、0）") from None


_CHANNELS = {
    **{value: value for value in Channel.values},
    **{label: value for value, label in Channel.choices},
}


def channel(raw: str) -> str:
    """A Channel value from its code (tmall) or its Chinese label (天猫)."""
    value = text(raw)
    found = _CHANNELS.get(value) or _CHANNELS.get(value.lower())
    if found:
        return found
    if not value:
        raise MissingValue("渠道不能为空")
    known = "、".join(f"{label}({value})" for value, label in Channel.choices)
    raise ChoiceError(f"无法识别的渠道，可填：{known}")
