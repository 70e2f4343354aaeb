"""The parameters extractors share: the window, top-N, and bands (price or days) with their labels."""

from __future__ import annotations

import itertools
from decimal import Decimal, InvalidOperation

from .registry import Param

MAX_WINDOW_DAYS = 3650
MAX_TOP = 10
MAX_BANDS = 20
MAX_BOUND = 10**9
# Every extractor's help names its window the same way.
WINDOW_HELP = "window_days 统计天数（默认 365：从评估日前第 365 天的 0 点至评估日结束，按上海时间，与条件的 last_days 相同）"


def _integer(value, low: int, high: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ValueError(f"需要 {low} 到 {high} 之间的整数{what}")
    value = int(value)
    if not low <= value <= high:
        raise ValueError(f"需要 {low} 到 {high} 之间的整数{what}，收到 {value}")
    return value


def _window_days(value) -> int:
    return _integer(value, 1, MAX_WINDOW_DAYS, "天数")


def _top(value) -> int:
    return _integer(value, 1, MAX_TOP, "")


def _bands(value) -> list:
    if not isinstance(value, list) or not value:
        raise ValueError("需要一个由小到大的数字列表，例如 [0, 100, 300, 500]")
    if len(value) > MAX_BANDS:
        raise ValueError(f"最多 {MAX_BANDS} 个分界点")
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise ValueError(f"「{item}」不是数字")
        if not 0 <= item <= MAX_BOUND:
            raise ValueError(f"分界点需在 0 到 {MAX_BOUND} 之间，收到 {item}")
    if any(later <= earlier for earlier, later in itertools.pairwise(value)):
        raise ValueError("分界点必须严格从小到大排列")
    return [int(item) if float(item).is_integer() else item for item in value]


def window_days(default: int = 365) -> Param:
    return Param("window_days", "统计天数", default, _window_days,
                 "从评估日前第 N 天的 0 点至评估日结束（上海时间，与条件的 last_days 相同）")


def top(default: int = 1) -> Param:
    return Param("top", "取前几名", default, _top, f"1–{MAX_TOP}，每位会员最多取几个值")


def bands(default: list, help_text: str) -> Param:
    return Param("bands", "分段", default, _bands, help_text)


def number_text(value) -> str:
    """100 → "100", 99.5 → "99.5" (no float noise, no trailing zeros)."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - bands are validated numbers
        return str(value)
    return format(number.normalize(), "f")


def band_labels(bounds: list, *, range_fmt: str, above_fmt: str, below_fmt: str) -> list[str]:
    """Labels of the bands that `bounds` cut, lowest first: one below the first bound (only when it
    is above 0), one per consecutive pair, one above the last. `range_fmt` gets {low} and {high}."""
    texts = [number_text(bound) for bound in bounds]
    labels = [below_fmt.format(high=texts[0])] if bounds[0] > 0 else []
    labels += [range_fmt.format(low=low, high=high) for low, high in itertools.pairwise(texts)]
    labels.append(above_fmt.format(low=texts[-1]))
    return labels


def band_of(value, bounds: list, labels: list[str]) -> str:
    """The label of the band `value` falls in; a band includes its lower bound (Python twin of
    `band_case_sql`, for tests and previews)."""
    below = 1 if bounds[0] > 0 else 0
    if below and value < bounds[0]:
        return labels[0]
    for index in range(len(bounds) - 1):
        if value < bounds[index + 1]:
            return labels[below + index]
    return labels[-1]


def band_case_sql(expression: str, bounds: list, labels: list[str]) -> tuple[str, dict]:
    """A CASE naming the band of `expression`, with its parameters (`band_bound_i`, `band_label_i`)."""
    below = 1 if bounds[0] > 0 else 0
    params: dict = {}
    whens = []
    # With a band below the first bound, the first bound opens the checks; otherwise the second does.
    checks = bounds if below else bounds[1:]
    for index, bound in enumerate(checks):
        params[f"band_bound_{index}"] = Decimal(str(bound))
        params[f"band_label_{index}"] = labels[index]
        whens.append(f"WHEN {expression} < %(band_bound_{index})s::numeric THEN %(band_label_{index})s")
    params["band_label_above"] = labels[-1]
    if not whens:  # one bound at 0: every value is in the one band above it
        return "%(band_label_above)s::text", params
    return f"CASE {' '.join(whens)} ELSE %(band_label_above)s END", params
