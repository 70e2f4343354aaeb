"""What every import format shares: header matching and per-cell error reports."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any, ClassVar

from members.cleaning import to_halfwidth
from members.services.records import IncomingRecord

from ..rows import Column, HeaderMatch, ImportFileError, ItemRow, KnownRow, MemberRow, OrderRow, RowError
from .values import ValueProblem

ParsedRow = OrderRow | ItemRow | MemberRow | KnownRow | RowError
TakenIn = Callable[[int], bool]  # is this fingerprint one a stored order has?
TableRows = Iterable[tuple[int, dict[str, str]]]
Parser = Callable[[str], Any]

REQUIRED_EMPTY = "必填，不能为空"
DISPLAY_LENGTH = 100  # how much of a rejected value the error report shows


def display_value(raw: str) -> str:
    """A cell as the error report shows it: a long one cut, with its full length."""
    if len(raw) <= DISPLAY_LENGTH:
        return raw
    return f"{raw[:DISPLAY_LENGTH]}…（共 {len(raw):,} 个字符）"
_SPACES = re.compile(r"\s+")

# The Tmall order report's hot loop builds these dataclasses with positional arguments:
# keyword arguments cost about a microsecond more per row, a tenth of the parse time of
# a million-row report. This fails at import, not silently, if a field moves.
ORDER_ROW_FIELDS = (
    "row_number", "channel", "external_no", "status", "raw_status", "payable_amount", "paid_amount",
    "refunded_amount", "is_deleted", "item_count", "ordered_at", "paid_at", "completed_at", "shop_name",
    "store_code", "buyer", "lines", "row_count", "fingerprint",
)
RECORD_FIELDS = (
    "channel", "external_id", "name", "gender", "birthday", "mobile", "email", "province", "city",
    "district", "address", "store_code", "registered_at", "seen_at", "identifiers",
)


def _check_field_order(cls: type, expected: tuple[str, ...]) -> None:
    actual = tuple(field.name for field in dataclasses.fields(cls))[: len(expected)]
    if actual != expected:
        raise ImportError(f"{cls.__name__} fields are now {actual}; update the positional calls in formats/")


_check_field_order(OrderRow, ORDER_ROW_FIELDS)
_check_field_order(IncomingRecord, RECORD_FIELDS)


def header_key(name: str) -> str:
    """How headers are compared: no spaces, half-width, case-folded ("联系手机 " == "联系手机")."""
    return _SPACES.sub("", to_halfwidth(name)).lower()


class Memo:
    """Caches a cleaning function for low-cardinality columns (shop names, categories)."""

    def __init__(self, compute: Callable[[str], Any], limit: int = 10_000):
        self.compute, self.limit, self.known = compute, limit, {}

    def __call__(self, raw: str) -> Any:
        try:
            return self.known[raw]
        except KeyError:
            value = self.compute(raw)
            if len(self.known) < self.limit:
                self.known[raw] = value
            return value


class ImportFormat:
    """A file layout: which columns it understands and how its rows become typed rows.

    Parsers convert each row on an optimistic fast path; when any value is wrong they call
    `row_errors`, which re-reads the row with `parsers` and reports every bad cell at once,
    so an operator fixes a row in one round trip.
    """

    key: ClassVar[str]
    label: ClassVar[str]  # Chinese, shown to operators
    kind: ClassVar[str]  # "orders" | "order_lines" | "members"
    channel: ClassVar[str] = ""  # "" when each row names its own channel
    columns: ClassVar[list[Column]]
    parsers: ClassVar[dict[str, Parser]] = {}  # column key → value parser (see values.py)
    # Headers this format knows and deliberately ignores (not reported as unknown).
    ignored: ClassVar[tuple[str, ...]] = ()
    # Example values for templates and docs, by column key.
    examples: ClassVar[dict[str, str]] = {}

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)

    def match_headers(self, headers: list[str]) -> HeaderMatch:
        """Map the file's headers onto this format's columns.

        Raises ImportFileError naming every missing required column, so an operator
        fixes the file once rather than once per column.
        """
        by_key: dict[str, str] = {}
        for header in headers:
            by_key.setdefault(header_key(header), header)
        match = HeaderMatch()
        used: set[str] = set()
        missing: list[str] = []
        for column in self.columns:
            candidates = (by_key.get(header_key(name)) for name in column.names)
            found = next((h for h in candidates if h is not None and h not in used), None)
            if found is not None:
                match.columns[column.key] = found
                used.add(found)
            elif column.required:
                missing.append(column.label)
            else:
                match.missing_optional.append(column.label)
        if missing:
            raise ImportFileError(
                f"文件缺少必需的列：{'、'.join(missing)}。请确认所选格式是“{self.label}”，"
                "并且第一行是列名（列名需与平台导出或模板一致）。"
            )
        # An alias left over because the label was there too (联系电话 beside 联系手机) is known, not unknown.
        known = {header_key(name) for column in self.columns for name in column.names}
        known.update(header_key(name) for name in self.ignored)
        match.unknown = [h for h in headers if h not in used and header_key(h) not in known]
        return match

    # True when every order is one file row: the format can then recognise a row taken in
    # before from its fingerprint alone and yield a KnownRow instead of parsing it.
    single_row_orders: ClassVar[bool] = False

    def parse(self, rows: TableRows, match: HeaderMatch, taken_in: TakenIn | None = None) -> Iterator[ParsedRow]:
        """Typed rows in file order. `taken_in` is only used by single-row-order formats."""
        raise NotImplementedError

    def row_errors(
        self, number: int, row: dict[str, str], match: HeaderMatch, fallback: str = "",
        keys: Collection[str] | None = None,
    ) -> list[RowError]:
        """Every problem in one row (or in its `keys` columns), column by column.

        `fallback` is reported when no column is at fault: the row as a whole is.
        """
        errors = []
        for column in self.columns:
            header = match.columns.get(column.key)
            parse = self.parsers.get(column.key)
            if header is None or parse is None or (keys is not None and column.key not in keys):
                continue
            raw = row.get(header, "")
            try:
                value = parse(raw)
            except ValueProblem as problem:
                errors.append(RowError(number, header, display_value(raw), problem.reason))
                continue
            if (value is None or value == "") and column.required:
                errors.append(RowError(number, header, display_value(raw), REQUIRED_EMPTY))
        return errors or [RowError(number, "", "", fallback or "此行无法导入")]
