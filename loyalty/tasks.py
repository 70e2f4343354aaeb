"""Thin Celery tasks for the loyalty jobs."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from loyalty.calendar import SHANGHAI
from loyalty.services import run_daily_jobs


@shared_task
def run_daily_loyalty_jobs_task(business_date: str | None = None) -> dict:
    """Daily (config/schedule.py): expire lots and unlock pending points as of today 00:00 Asia/Shanghai."""
    day = date.fromisoformat(business_date) if business_date else timezone.localdate(timezone=SHANGHAI)
    runs = run_daily_jobs(business_date=day, triggered_by="schedule")
    return {"date": day.isoformat(), "runs": {run.job: run.counts for run in runs}}
