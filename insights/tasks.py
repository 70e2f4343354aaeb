"""Thin Celery tasks for the insights jobs."""

from celery import shared_task

from .metrics import refresh_member_metrics
from .services.nightly import refresh_insights


@shared_task
def refresh_insights_task() -> dict:
    """Nightly, after the loyalty jobs and the tag refresh: metrics, then every model, then segments."""
    return refresh_insights().as_counts()


@shared_task
def refresh_member_metrics_task(member_ids: list[int], cause: str = "") -> dict:
    """Soon after a change: these members' metrics."""
    return {"cause": cause, **refresh_member_metrics(member_ids).as_counts()}
