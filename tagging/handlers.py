"""Thin handlers for the members hooks (connected in TaggingConfig.ready); the work is in services."""

from .services.merging import merge_tags, unmerge_tags


def on_member_merged(record, **kwargs) -> None:
    merge_tags(record=record)


def on_member_unmerged(record, **kwargs) -> None:
    unmerge_tags(record=record)
