"""Thin Celery tasks for the insights jobs."""

from celery import shared_task

from .metrics import refresh_member_metrics
from .scoring.runner import rescore_members
from .services.nightly import refresh_insights


@shared_task
def refresh_insights_task() -> dict:
    """Nightly, after the loyalty jobs and the tag refresh: metrics, then every model, then segments."""
    return refresh_insights().as_counts()


@shared_task
def refresh_member_metrics_task(member_ids: list[int], cause: str = "") -> dict:
    """Soon after a change: these members' metrics; after a merge or unmerge also their value models."""
    written = refresh_member_metrics(member_ids)
    counts = {"cause": cause, **written.as_counts()}
    if cause == "merge":
        counts["models"] = rescore_members(member_ids, written.as_of)
    return counts
