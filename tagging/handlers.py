"""Thin handlers for the members, loyalty and tagging hooks (connected in TaggingConfig.ready).

Merges move static tags inside the merge's transaction (services.merging). Everything that makes
computed tags stale — orders, points, levels, tags, a merge — only queues a refresh of the members
concerned, after the commit: a tag bug can never roll back an import chunk or a redemption, and a
failure to queue is logged, never raised into the caller.
"""

from django.db import transaction

from loyalty.models import MemberLevel, PointsAccount
from members.models import Order

from .models import Tag, TagKind
from .services.merging import merge_tags, unmerge_tags
from .services.refresh import tags_to_refresh_for


def _refresh_after_commit(member_ids, *, cause: str, tag_ids=()) -> None:
    if not _anything_to_refresh(cause, tag_ids):
        return  # no computed tag can change: do not ship the ids through the broker at all
    member_ids = sorted({int(pk) for pk in member_ids if pk})
    if not member_ids:
        return
    from .tasks import refresh_members_task

    def enqueue() -> None:
        refresh_members_task.delay(member_ids, cause=cause, tag_ids=list(tag_ids))

    # robust: a broker that cannot take it is logged, never raised — the change is committed and the
    # nightly run will catch up
    transaction.on_commit(enqueue, robust=True)


def _anything_to_refresh(cause: str, tag_ids) -> bool:
    if cause == "tags":
        return bool(tags_to_refresh_for(tag_ids=tag_ids))
    return Tag.objects.filter(active=True, kind__in=[TagKind.DYNAMIC, TagKind.VARIABLE]).exists()


def on_member_merged(record, **kwargs) -> None:
    merge_tags(record=record)
    _refresh_after_commit([record.survivor_id], cause="merge")


def on_member_unmerged(record, **kwargs) -> None:
    unmerge_tags(record=record)
    _refresh_after_commit([record.survivor_id, record.absorbed_id], cause="merge")


def on_orders_changed(order_ids, **kwargs) -> None:
    members = Order.objects.filter(pk__in=order_ids, member__isnull=False).values_list("member_id", flat=True)
    _refresh_after_commit(members.distinct(), cause="orders")


def on_points_posted(account_ids, **kwargs) -> None:
    _refresh_after_commit(PointsAccount.objects.filter(pk__in=account_ids).values_list("member_id", flat=True),
                          cause="loyalty")


def on_levels_changed(member_level_ids, **kwargs) -> None:
    _refresh_after_commit(MemberLevel.objects.filter(pk__in=member_level_ids).values_list("member_id", flat=True),
                          cause="loyalty")


def on_tags_changed(member_ids, tag_ids, **kwargs) -> None:
    _refresh_after_commit(member_ids, cause="tags", tag_ids=tag_ids)
