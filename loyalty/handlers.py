"""Thin handlers for the members hooks (connected in LoyaltyConfig.ready); the work is in services.

Levels follow points inside the same handler, in that order: a level may rank by points just
earned or moved by a merge, so the order cannot depend on hook registration.
"""

from .levels import handlers as levels
from .services import award_orders, merge_accounts, unmerge_accounts


def on_orders_changed(order_ids, source: str = "", **kwargs) -> None:
    award_orders(order_ids=order_ids, source=source)
    levels.on_orders_changed(order_ids, source=source)


def on_member_merged(record, **kwargs) -> None:
    merge_accounts(record=record)
    levels.on_member_merged(record)


def on_member_unmerged(record, **kwargs) -> None:
    unmerge_accounts(record=record)
    levels.on_member_unmerged(record)
