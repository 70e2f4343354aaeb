"""Thin handlers for the members and loyalty hooks (connected in InsightsConfig.ready).

Whatever changes a member's figures — orders, points, levels, a merge or unmerge — queues a refresh
of those members' metrics after the commit: a metrics bug can never roll back an import chunk or a
redemption, and a failure to queue is logged (the nightly run catches up), never raised.
"""

from django.db import transaction

from loyalty.models import MemberLevel, PointsAccount
from members.models import Order


def _refresh_after_commit(member_ids, *, cause: str) -> None:
    member_ids = sorted({int(pk) for pk in member_ids if pk})
    if not member_ids:
        return
    from .tasks import refresh_member_metrics_task

    def enqueue() -> None:
        refresh_member_metrics_task.delay(member_ids, cause=cause)

    # robust: a broker that cannot take it is logged, never raised — the change is committed and the
    # nightly run will catch up
    transaction.on_commit(enqueue, robust=True)


def on_member_merged(record, **kwargs) -> None:
    _refresh_after_commit([record.survivor_id, record.absorbed_id], cause="merge")


on_member_unmerged = on_member_merged


def on_orders_changed(order_ids, **kwargs) -> None:
    members = Order.objects.filter(pk__in=order_ids, member__isnull=False).values_list("member_id", flat=True)
    _refresh_after_commit(members.distinct(), cause="orders")


def on_points_posted(account_ids, **kwargs) -> None:
    _refresh_after_commit(PointsAccount.objects.filter(pk__in=account_ids).values_list("member_id", flat=True),
                          cause="points")


def on_levels_changed(member_level_ids, **kwargs) -> None:
    _refresh_after_commit(MemberLevel.objects.filter(pk__in=member_level_ids).values_list("member_id", flat=True),
                          cause="levels")
