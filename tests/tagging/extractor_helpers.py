"""Givens for the extractor tests: orders with lines, variable tags, and running an extractor's SQL."""

import json
from datetime import date
from decimal import Decimal
from itertools import count

from django.db import connection

from members.models import Order, OrderLine
from tagging.extractors import extractors
from tagging.models import TagKind

from .helpers import a_tag

_numbers = count(1)


def line(category="", sku="", title="", price="100", quantity=1) -> dict:
    return {"category": category, "sku": sku, "title": title, "price": Decimal(price), "quantity": quantity}


def an_order(member, paid_at, *, paid="100", refunded="0", status="paid", channel="pos", store=None, lines=(),
             deleted=False) -> Order:
    placed = Order.objects.create(
        channel=channel, external_no=f"X{next(_numbers)}", member=member, status=status, store=store,
        paid_amount=Decimal(paid), payable_amount=Decimal(paid), refunded_amount=Decimal(refunded),
        paid_at=paid_at, is_deleted=deleted)
    OrderLine.objects.bulk_create(OrderLine(order=placed, line_no=number, **fields)
                                  for number, fields in enumerate(lines, start=1))
    return placed


def a_variable_tag(extractor: str, params=None, *, min_orders=1, code=None):
    return a_tag(code or f"v{next(_numbers)}", kind=TagKind.VARIABLE, extractor=extractor, params=params or {},
                 min_orders=min_orders)


def desired(tag, as_of: date, member_ids=None) -> dict[int, list[tuple[str, dict]]]:
    """What the tag's extractor says: {member id: [(value, evidence), …]} in the order of evidence rank."""
    sql, params = extractors.get(tag.extractor).desired_sql(tag, as_of, member_ids)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT member_id, value, evidence FROM ({sql}) AS x ORDER BY member_id, value", params)
        rows = cursor.fetchall()
    found: dict[int, list[tuple[str, dict]]] = {}
    for member_id, value, evidence in rows:  # Django leaves jsonb as text
        found.setdefault(member_id, []).append((value, json.loads(evidence)))
    for values in found.values():
        values.sort(key=lambda item: item[1].get("rank", 1))
    return found


def values_of(tag, as_of: date, member_ids=None) -> dict[int, list[str]]:
    return {pk: [value for value, _ in rows] for pk, rows in desired(tag, as_of, member_ids).items()}
