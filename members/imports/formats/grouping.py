"""Assembling one order from consecutive file rows (JD and the generic template: a row per SKU)."""

from collections.abc import Iterable, Iterator

from django.db.backends.base.operations import BaseDatabaseOperations

from members.models import Order

from ..fingerprints import RowFingerprints
from ..rows import LineRow, OrderRow, RowError

# An order's item count is the sum of its lines' quantities: it must still fit the column.
MAX_ITEM_COUNT = BaseDatabaseOperations.integer_field_ranges[Order._meta.get_field("item_count").get_internal_type()][1]


class OrderAssembler:
    """Collects the rows of the order being read and yields it once the next order starts.

    A row with an error rejects its whole order (a partial order would understate the
    amounts and lines); the order's other rows get a RowError saying so, so every file row
    is accounted for. Line numbers count per order across the whole file, so an order
    that re-appears further down continues where it left off.
    """

    def __init__(self, order_header: str, headers: Iterable[str]):
        self.order_header = order_header  # where "whole order rejected" errors point
        self.fingerprints = RowFingerprints(headers)
        self.lines_seen: dict[str, int] = {}
        self.key: str | None = None

    def is_new(self, key: str) -> bool:
        return key != self.key

    def start(self, key: str, external_no: str, order: OrderRow | None, errors: list[RowError]) -> None:
        """Begin an order: `order` built from its first row, or the `errors` that stopped it."""
        self.key, self.external_no, self.order = key, external_no, order
        self.errors = errors
        self.numbers: list[int] = []
        self.rows: list[dict[str, str]] = []
        self.lines: list[LineRow] = []
        self.item_count = 0
        self.cut: list[str] = []

    def next_line_no(self) -> int:
        line_no = self.lines_seen.get(self.key, 0) + 1
        self.lines_seen[self.key] = line_no
        return line_no

    def add(self, number: int, row: dict[str, str], line: LineRow | None, quantity: int,
            errors: list[RowError] | None = None, cut: Iterable[str] = ()) -> None:
        """Add one file row of the current order (its line, or the errors in its line cells).

        `cut`: the batch.counts keys of the row's cells cut to fit their columns.
        """
        self.numbers.append(number)
        self.rows.append(row)
        if errors:
            self.errors.extend(errors)
        elif line is not None:
            self.lines.append(line)
        self.item_count += quantity
        self.cut.extend(cut)
        if self.item_count > MAX_ITEM_COUNT and not self.errors:
            self.errors.append(RowError(number, self.order_header, self.external_no,
                                        f"同一订单的商品数量合计超过 {MAX_ITEM_COUNT:,}，请检查数量列"))

    def finish(self, *, with_lines: bool = True) -> Iterator[OrderRow | RowError]:
        """Yield the assembled order, or every row's error, and forget it."""
        if self.key is None:
            return
        self.key = None
        if self.errors or self.order is None:
            yield from self._rejected()
            return
        order = self.order
        order.row_count = len(self.numbers)
        order.item_count = self.item_count
        order.fingerprint = self.fingerprints.of(*self.rows)
        order.cut = [*order.cut, *self.cut]
        # No line rows at all: the file says nothing about this order's lines (None), which
        # must not read as "the order has no lines" ([]).
        order.lines = self.lines if with_lines and self.lines else None
        yield order

    def _rejected(self) -> Iterator[RowError]:
        """The rows' own errors, and for each other row of the order why it was skipped, in row order."""
        faulty = sorted({error.row_number for error in self.errors})
        reason = f"同一订单的第 {'、'.join(map(str, faulty))} 行有错误，整单未导入"
        skipped = [RowError(n, self.order_header, self.external_no, reason) for n in self.numbers if n not in faulty]
        yield from sorted([*self.errors, *skipped], key=lambda error: error.row_number)
