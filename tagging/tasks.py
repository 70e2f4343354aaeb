"""Thin Celery tasks for the tagging jobs."""

from celery import shared_task

from tagging.services import expire_static_tags


@shared_task
def expire_static_tags_task() -> dict:
    """Daily, after midnight Asia/Shanghai: take off the static tags whose end date has passed."""
    return {"removed": expire_static_tags()}
