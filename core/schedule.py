"""Periodic jobs defined in code, written into django-celery-beat (`manage.py sync_schedule`).

A schedule is a dict `{name: {"task": dotted task name, "crontab": {"minute": …, "hour": …},
"kwargs": {…}, "description": "…"}}` (the project's lives in the module named by the setting
PERIODIC_JOBS). Syncing is idempotent: each entry is created or updated in place, and a beat entry
no longer in the schedule is disabled, not deleted, so its history and last run stay visible.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

# Beat's own housekeeping entry is created by Celery itself; leave it alone.
UNMANAGED = {"celery.backend_cleanup"}
EVERY = {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}


@dataclass
class SyncResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)


@transaction.atomic
def sync_schedule(schedule: dict[str, dict], *, timezone: str) -> SyncResult:
    """Make the enabled beat entries exactly `schedule` (crontabs in `timezone`)."""
    result = SyncResult()
    for name, entry in schedule.items():
        crontab, _ = CrontabSchedule.objects.get_or_create(timezone=timezone, **{**EVERY, **entry["crontab"]})
        _, created = PeriodicTask.objects.update_or_create(
            name=name,
            defaults={
                "task": entry["task"],
                "crontab": crontab,
                "interval": None,
                "kwargs": json.dumps(entry.get("kwargs", {})),
                "description": entry.get("description", ""),
                "enabled": True,
            },
        )
        (result.created if created else result.updated).append(name)
    stale = PeriodicTask.objects.exclude(name__in=[*schedule, *UNMANAGED]).filter(enabled=True)
    result.disabled = sorted(stale.values_list("name", flat=True))
    stale.update(enabled=False)
    return result
