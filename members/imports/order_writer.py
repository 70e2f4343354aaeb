"""Write a chunk of parsed orders and lines: insert the new, update the changed, skip the same.

Idempotent by construction: each order is compared with what is stored, so importing the
same file again writes nothing; a newer export updates status and amounts. An export older
than what is stored (its status ranks lower, e.g. 已发货 after 交易成功) never moves an order
back. Lines of the Tmall item report that arrive before their order wait in
`PendingOrderLine` and are attached when the order comes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.bulk_insert import by_channel, in_chunks, insert_rows, select_in
from members.models import Order, OrderLine, OrderStatus, PendingOrderLine

from .formats.grouping import MAX_ITEM_COUNT
from .order_upsert_sql import VALUE_COLUMNS, upsert_orders
from .rows import ItemRow, LineRow, OrderRow

LINE_FIELDS = ("sku", "title", "category", "quantity", "price")
# The formats fit every text value to its column while parsing (formats/limits.py), cutting only
# with a count in the summary; these slices are a guard that never cuts what a format produced.
_SHOP_LIMIT, _RAW_STATUS_LIMIT = (Order._meta.get_field(name).max_length for name in ("shop_name", "raw_status"))
_LINE_LIMITS = {name: OrderLine._meta.get_field(name).max_length for name in ("sku", "title", "category")}
# How far an order has progressed; a lower rank than stored means an older export.
STATUS_RANK = {
    OrderStatus.PENDING: 0, OrderStatus.PAID: 1, OrderStatus.SHIPPED: 2, OrderStatus.COMPLETED: 3,
    OrderStatus.PARTIALLY_REFUNDED: 4, OrderStatus.REFUNDED: 5, OrderStatus.CLOSED: 5,
}


@dataclass
class WriteResult:
    created_ids: list[int] = field(default_factory=list)
    updated_ids: list[int] = field(default_factory=list)
    unchanged: int = 0
    stale: int = 0  # counted in unchanged as well: an older export left the stored order as it was
    lines_created: int = 0
    lines_updated: int = 0
    lines_unchanged: int = 0
    lines_pending: int = 0
    lines_attached: int = 0  # waiting item lines attached to orders created now

    def add(self, other: WriteResult) -> None:
        for name, value in other.__dict__.items():
            current = getattr(self, name)
            setattr(self, name, current + value)


def _existing_order_ids(keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    found = {}
    for channel, numbers in by_channel(keys).items():
        for row in select_in(Order.objects.filter(channel=channel), "external_no", numbers, ("pk", "external_no")):
            found[(channel, row["external_no"])] = row["pk"]
    return found


def _merge_repeats(rows: list[OrderRow], links: list) -> list[tuple[OrderRow, tuple | None]]:
    """One entry per order: a repeat of an order number within the chunk adds its lines."""
    merged: dict[tuple[str, str], tuple[OrderRow, tuple | None]] = {}
    for row, link in zip(rows, links, strict=True):
        key = (row.channel, row.external_no)
        first = merged.get(key)
        if first is None:
            merged[key] = (row, link)
        elif row.lines:
            first[0].lines = [*(first[0].lines or []), *row.lines]
            # Repeats need not be adjacent, so the per-order check in parsing cannot see this sum.
            first[0].item_count = min(first[0].item_count + row.item_count, MAX_ITEM_COUNT)
    return list(merged.values())


def _values(row: OrderRow, link, stores: dict[str, int]) -> dict:
    member_id, profile_id = link if link else (None, None)  # None keeps a stored buyer (order_upsert_sql)
    store_id = stores.get(row.store_code) if row.store_code else None
    return {
        "member_id": member_id, "source_profile_id": profile_id, "store_id": store_id,
        "shop_name": row.shop_name[:_SHOP_LIMIT], "status": row.status, "raw_status": row.raw_status[:_RAW_STATUS_LIMIT],
        "is_deleted": row.is_deleted, "payable_amount": row.payable_amount, "paid_amount": row.paid_amount,
        "refunded_amount": row.refunded_amount, "item_count": row.item_count, "ordered_at": row.ordered_at,
        "paid_at": row.paid_at, "completed_at": row.completed_at,
    }


def write_orders(rows: list[OrderRow], links: list, stores: dict[str, int]) -> WriteResult:
    """Upsert a chunk of orders (and their lines when the file carries lines)."""
    entries = _merge_repeats(rows, links)
    result = WriteResult()
    staged = []
    for row, link in entries:
        values = _values(row, link, stores)
        continuation = bool(row.lines) and row.lines[0].line_no > 1
        staged.append((row.channel, row.external_no, *(values[f] for f in VALUE_COLUMNS), STATUS_RANK[row.status],
                       continuation, row.fingerprint))
    created, updated, stale = upsert_orders(staged, {str(k): v for k, v in STATUS_RANK.items()})
    result.created_ids, result.updated_ids, result.stale = list(created.values()), updated, stale
    result.unchanged = len(entries) - len(created) - len(updated)
    with_lines = [row for row, _ in entries if row.lines is not None]
    if with_lines:
        missing = [(r.channel, r.external_no) for r in with_lines if (r.channel, r.external_no) not in created]
        ids = {**_existing_order_ids(missing), **created}
        _upsert_lines([(ids[(r.channel, r.external_no)], line) for r in with_lines for line in r.lines], result)
    if created:
        _attach_pending(created, result)
    return result


def _upsert_lines(order_lines: list[tuple[int, LineRow]], result: WriteResult) -> set[int]:
    """Create or update lines by (order, line_no); returns the orders whose lines changed."""
    if not order_lines:
        return set()
    stored: dict[tuple[int, int], dict] = {}
    for part in in_chunks(sorted({order_id for order_id, _ in order_lines})):
        for row in OrderLine.objects.filter(order_id__in=part).values("pk", "order_id", "line_no", *LINE_FIELDS):
            stored[(row["order_id"], row["line_no"])] = row
    to_create, to_update, touched = [], [], set()
    for order_id, line in order_lines:
        values = {f: getattr(line, f) for f in LINE_FIELDS}
        for name, limit in _LINE_LIMITS.items():
            values[name] = values[name][:limit]
        current = stored.get((order_id, line.line_no))
        if current is None:
            to_create.append({"order_id": order_id, "line_no": line.line_no, **values})
            stored[(order_id, line.line_no)] = {"pk": None, **values}
            touched.add(order_id)
        elif any(current[f] != values[f] for f in LINE_FIELDS) and current["pk"] is not None:
            to_update.append(OrderLine(pk=current["pk"], order_id=order_id, line_no=line.line_no, **values))
            touched.add(order_id)
        else:
            result.lines_unchanged += 1
    insert_rows(OrderLine, to_create)
    if to_update:
        OrderLine.objects.bulk_update(to_update, list(LINE_FIELDS), batch_size=500)
    result.lines_created += len(to_create)
    result.lines_updated += len(to_update)
    return touched


def _attach_pending(by_key: dict[tuple[str, str], int], result: WriteResult) -> None:
    waiting = []
    for channel, numbers in by_channel(by_key).items():
        if not PendingOrderLine.objects.filter(channel=channel).exists():
            continue  # the usual case: no item report arrived ahead of its orders
        ids = [row["pk"] for row in select_in(PendingOrderLine.objects.filter(channel=channel), "external_no",
                                              numbers, ("pk",))]
        waiting += list(PendingOrderLine.objects.filter(pk__in=ids))
    if not waiting:
        return
    lines = [
        (by_key[(p.channel, p.external_no)],
         LineRow(line_no=p.line_no, **{f: getattr(p, f) for f in LINE_FIELDS}))
        for p in waiting
    ]
    before = result.lines_created
    _upsert_lines(lines, result)
    result.lines_attached += result.lines_created - before
    PendingOrderLine.objects.filter(pk__in=[p.pk for p in waiting]).delete()


def write_items(rows: list[ItemRow], batch_id: int | None) -> tuple[WriteResult, set[int]]:
    """Item-report lines: onto their orders when imported, else into the waiting room."""
    result = WriteResult()
    existing = _existing_order_ids(sorted({(r.channel, r.external_no) for r in rows}))
    known = [(existing[(r.channel, r.external_no)], r.line) for r in rows if (r.channel, r.external_no)
             in existing]
    touched = _upsert_lines(known, result)
    waiting = [r for r in rows if (r.channel, r.external_no) not in existing]
    if waiting:
        _upsert_pending(waiting, batch_id, result)
    return result, touched


def _upsert_pending(rows: list[ItemRow], batch_id: int | None, result: WriteResult) -> None:
    stored = {}
    for channel, numbers in by_channel((row.channel, row.external_no) for row in rows).items():
        for part in in_chunks(sorted(numbers)):
            for p in PendingOrderLine.objects.filter(channel=channel, external_no__in=part):
                stored[(p.channel, p.external_no, p.line_no)] = p
    to_create, to_update = [], []
    for row in rows:
        values = {f: getattr(row.line, f) for f in LINE_FIELDS}
        current = stored.get((row.channel, row.external_no, row.line.line_no))
        if current is None:
            to_create.append({"channel": row.channel, "external_no": row.external_no, "line_no": row.line.line_no,
                              "batch_id": batch_id, **values})
            stored[(row.channel, row.external_no, row.line.line_no)] = PendingOrderLine(**to_create[-1])
        elif current.pk is not None and any(getattr(current, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(current, f, v)
            to_update.append(current)
        else:
            result.lines_unchanged += 1
    insert_rows(PendingOrderLine, to_create)
    if to_update:
        PendingOrderLine.objects.bulk_update(to_update, list(LINE_FIELDS), batch_size=500)
    result.lines_pending += len(to_create) + len(to_update)
