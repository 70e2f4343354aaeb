"""Thin Celery tasks for the insights jobs."""

from celery import shared_task

from members.conditions.windows import shanghai_today

from .metrics import refresh_member_metrics
from .models import ValueModel
from .scoring.runner import rescore_members, run_model
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


@shared_task
def run_model_task(model_id: int) -> dict:
    """"Run now" from admin: one model, today, everyone."""
    model = ValueModel.objects.filter(pk=model_id).first()
    if model is None:
        return {"missing": model_id}
    return run_model(model, shanghai_today()).as_counts()
