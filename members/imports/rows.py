"""The typed rows a format parser yields and the engine writes. No Django models here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from members.services.records import IncomingRecord


class ImportFileError(Exception):
    """The file as a whole cannot be imported (encoding, missing column, empty); nothing was written."""


@dataclass(frozen=True)
class RowError:
    """One reason a row was rejected; `row_number` is the spreadsheet row (header = 1)."""

    row_number: int
    column: str  # the column's header as it appears in the file ("" when the row as a whole is wrong)
    value: str
    reason: str  # Chinese, actionable: what is wrong and what is expected


@dataclass
class LineRow:
    """One order line. `line_no` is 1-based within its order, stable for the same export."""

    line_no: int
    sku: str = ""
    title: str = ""
    category: str = ""
    quantity: int = 1
    price: Decimal = Decimal("0")


@dataclass
class OrderRow:
    """One order, possibly assembled from several file rows (JD, generic: one row per SKU)."""

    row_number: int  # the first file row of the order
    channel: str
    external_no: str
    status: str  # an OrderStatus value
    raw_status: str
    payable_amount: Decimal
    paid_amount: Decimal
    refunded_amount: Decimal = Decimal("0")
    is_deleted: bool = False
    item_count: int = 0
    ordered_at: datetime | None = None
    paid_at: datetime | None = None
    completed_at: datetime | None = None
    shop_name: str = ""
    store_code: str = ""
    buyer: IncomingRecord | None = None  # None: the export carries no buyer columns / values
    lines: list[LineRow] | None = None  # None: this file says nothing about lines (Tmall order report)
    row_count: int = 1  # file rows this order was built from
    fingerprint: int | None = None  # digest of those rows' cells (see fingerprints.py)
    # batch.counts keys of the columns cut to fit, one per cut cell (formats/limits.py); bookkeeping, not a value
    cut: Sequence[str] = field(default=(), compare=False)


@dataclass
class KnownRow:
    """A one-row order whose fingerprint some stored order had when the import started.

    Most likely nothing to do, so the format did not parse it; the engine confirms it against
    the stored order and parses it after all if that order has moved on since (see taken_in.py).
    """

    row_number: int
    channel: str
    external_no: str
    fingerprint: int
    cells: dict[str, str]
    has_buyer: bool


@dataclass
class ItemRow:
    """A line of an order that may or may not be imported yet (Tmall item report)."""

    row_number: int
    channel: str
    external_no: str
    line: LineRow
    raw_status: str = ""
    cut: Sequence[str] = field(default=(), compare=False)


@dataclass
class MemberRow:
    row_number: int
    record: IncomingRecord
    sms_consent: bool | None = None  # True granted, False withdrawn, None: the file does not say
    consent_at: datetime | None = None
    cut: Sequence[str] = field(default=(), compare=False)


def cut_counts(items: Iterable) -> Counter:
    """How many parsed rows had a value of each kind cut to fit its column (for batch.counts): a
    row whose province, city and district were all cut counts once under its kind."""
    counts: Counter = Counter()
    for item in items:
        if cut := getattr(item, "cut", None):
            counts.update(set(cut))
    return counts


@dataclass
class Column:
    """A column a format understands, matched by header name (never by position)."""

    key: str
    label: str  # the canonical Chinese header (used in templates and error reports)
    aliases: tuple[str, ...] = ()
    required: bool = False
    help: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


@dataclass
class HeaderMatch:
    """Result of matching a file's headers against a format's columns."""

    columns: dict[str, str] = field(default_factory=dict)  # key → header as found in the file
    unknown: list[str] = field(default_factory=list)  # headers the format ignores
    missing_optional: list[str] = field(default_factory=list)  # labels of optional columns absent
