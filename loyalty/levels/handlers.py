"""The levels part of loyalty's hook handlers (`loyalty.handlers` calls them after the points part)."""

from core.bulk_insert import filter_in
from members.models import Order

from .services import evaluate_upgrades, merge_levels, unmerge_levels


def on_orders_changed(order_ids, source: str = "", **kwargs) -> None:
    # Points for these orders were just awarded by the points handler; the levels follow.
    member_ids = set(filter_in(Order.objects.filter(member_id__isnull=False), "id", list(order_ids))
                     .values_list("member_id", flat=True))
    evaluate_upgrades(member_ids=member_ids, actor_label=source or "orders")


def on_member_merged(record, **kwargs) -> None:
    merge_levels(record=record)


def on_member_unmerged(record, **kwargs) -> None:
    unmerge_levels(record=record)
