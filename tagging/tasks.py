"""Thin Celery tasks for the tagging jobs."""

from celery import shared_task

from tagging.models import TagRefreshRun
from tagging.services import expire_static_tags
from tagging.services.refresh import execute_run, refresh_tags, start_refresh, tags_to_refresh_for


@shared_task
def expire_static_tags_task() -> dict:
    """Daily, after midnight Asia/Shanghai: take off the static tags whose end date has passed."""
    return {"removed": expire_static_tags()}


@shared_task
def refresh_all_tags_task() -> dict:
    """Nightly, after the loyalty jobs: recompute every dynamic and variable tag (as a run, so the
    admin page shows it beside the "recompute now" runs)."""
    run = start_refresh(label="job:nightly")
    return {"run": run.pk}


@shared_task
def refresh_run_task(run_id: int) -> dict:
    run = TagRefreshRun.objects.filter(pk=run_id).select_related("tag").first()
    if run is None:
        return {"missing": run_id}
    run = execute_run(run)
    return {"run": run.pk, "status": run.status, "added": run.added, "removed": run.removed}


@shared_task
def refresh_members_task(member_ids: list[int], cause: str = "", tag_ids: list[int] | None = None) -> dict:
    """Soon after a change: recompute the computed tags the change can affect, for these members only."""
    tags = tags_to_refresh_for(orders=cause in ("orders", "merge"), loyalty=cause in ("loyalty", "merge"),
                               tag_ids=tag_ids or ())
    results = refresh_tags(tags=tags, member_ids=member_ids, actor_label=f"job:refresh_tags:{cause}")
    return {"members": len(member_ids), "added": sum(r.added for r in results),
            "removed": sum(r.removed for r in results), "errors": [r.tag_code for r in results if r.error]}
