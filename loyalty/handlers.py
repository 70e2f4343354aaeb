"""Thin handlers for the members hooks (connected in LoyaltyConfig.ready); the work is in services."""

from .services import award_orders, merge_accounts, unmerge_accounts


def on_orders_changed(order_ids, source: str = "", **kwargs) -> None:
    award_orders(order_ids=order_ids, source=source)


def on_member_merged(record, **kwargs) -> None:
    merge_accounts(record=record)


def on_member_unmerged(record, **kwargs) -> None:
    unmerge_accounts(record=record)
