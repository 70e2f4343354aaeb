"""Rows taken in before: recognise them by fingerprint and count them instead of writing them.

Two ways in, both confirmed against the stored orders chunk by chunk (so a hint read when the
import started can never skip a row whose order has changed since):
- formats with one row per order get `known_fingerprints` and yield a KnownRow, unparsed, for a
  row whose fingerprint a stored order had (`confirm_known`);
- every other order is parsed, and skipped if its stored order has its fingerprint (`drop_taken_in`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from django.db import connection

from core.bulk_insert import array_param, by_channel
from members.models import Order

from .rows import KnownRow, OrderRow


def stored_fingerprints(keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, int | None]]:
    """(fingerprint, member id) of the stored orders among `keys` that have a fingerprint.

    The one read of a re-import that touches every order: plain tuples for the whole chunk
    in one query, without the ORM's row dicts.
    """
    found = {}
    for channel, numbers in by_channel(keys).items():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT external_no, import_fingerprint, member_id FROM members_order "
                "WHERE channel = %s AND external_no = ANY(%s) AND import_fingerprint IS NOT NULL",
                [channel, array_param(numbers)])
            rows = cursor.fetchall()
        for number, fingerprint, member_id in rows:
            found[(channel, number)] = (fingerprint, member_id)
    return found


# A set of fingerprints takes about 70 bytes an order in memory: above this many orders in the
# channel it is not loaded, and every row is parsed and checked chunk by chunk instead.
KNOWN_SET_LIMIT = 5_000_000


def known_fingerprints(channel: str) -> Callable[[int], bool] | None:
    """Membership test for the fingerprints the channel's orders have now, or None if there are none.

    Read once when an import starts, so it is a hint: the engine confirms each match against
    the stored order before skipping anything.
    """
    orders = Order.objects.filter(channel=channel, import_fingerprint__isnull=False)
    if not 0 < orders.count() <= KNOWN_SET_LIMIT:
        return None
    return set(orders.values_list("import_fingerprint", flat=True).iterator(chunk_size=50_000)).__contains__


def confirm_known(chunk: list, counts: Counter, reparse: Callable[[tuple[int, dict]], list]) -> tuple[list, int]:
    """KnownRows whose order still has their fingerprint are done: count them (as `drop_taken_in`
    does). The others — their order moved on since the import started, or appeared earlier in
    this file — are parsed now (`reparse`) and go on like any other row, in their place.
    Returns the chunk without the confirmed rows, and how many those were."""
    known = [item for item in chunk if isinstance(item, KnownRow)]
    stored = stored_fingerprints([(k.channel, k.external_no) for k in known])
    rest, confirmed = [], 0
    for item in chunk:
        if not isinstance(item, KnownRow):
            rest.append(item)
            continue
        found = stored.get((item.channel, item.external_no))
        if found is not None and found[0] == item.fingerprint:
            counts["rows_read"] += 1
            _count(counts, found[1], has_buyer=item.has_buyer)
        else:
            rest += reparse((item.row_number, item.cells))
            continue
        confirmed += 1
    return rest, confirmed


def _count(counts: Counter, member_id: int | None, *, has_buyer: bool) -> None:
    counts["orders_unchanged"] += 1
    if member_id is None:
        counts["orders_unlinked"] += 1
    elif has_buyer:
        counts["members_matched"] += 1


def drop_taken_in(orders: list[OrderRow], counts: Counter) -> list[OrderRow]:
    """Drop orders whose file rows are exactly those taken in before (see fingerprints.py).

    Writing them again would change nothing, so they are counted as unchanged (and their
    buyers as matched, or the order as unlinked, as the stored order says) without resolving
    the buyer or touching the database. What is left goes through the full path.
    """
    stored = stored_fingerprints([(o.channel, o.external_no) for o in orders if o.fingerprint is not None])
    if not stored:
        return orders
    fresh = []
    for order in orders:
        known = stored.get((order.channel, order.external_no))
        if known is None or known[0] != order.fingerprint:
            fresh.append(order)
            continue
        counts["lines_unchanged"] += len(order.lines or ())
        _count(counts, known[1], has_buyer=order.buyer is not None)
    return fresh
