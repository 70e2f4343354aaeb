import json

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from config.schedule import BEAT_SCHEDULE

# Beat's own housekeeping entry is created by Celery itself; leave it alone.
UNMANAGED = {"celery.backend_cleanup"}


class Command(BaseCommand):
    help = "Write the periodic jobs defined in config/schedule.py into django-celery-beat (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        for name, entry in BEAT_SCHEDULE.items():
            crontab, _ = CrontabSchedule.objects.get_or_create(
                timezone=settings.CELERY_TIMEZONE,
                **{"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*",
                   **entry["crontab"]},
            )
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
            self.stdout.write(f"{'created' if created else 'updated'} {name}")
        stale = PeriodicTask.objects.exclude(name__in=[*BEAT_SCHEDULE, *UNMANAGED]).filter(enabled=True)
        for task in stale:
            self.stdout.write(self.style.WARNING(f"disabled {task.name} (no longer defined in code)"))
        stale.update(enabled=False)
