from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from core.schedule import sync_schedule


class Command(BaseCommand):
    help = "Write the periodic jobs defined in code (settings.PERIODIC_JOBS) into django-celery-beat (idempotent)."

    def handle(self, *args, **options):
        result = sync_schedule(import_string(settings.PERIODIC_JOBS), timezone=settings.CELERY_TIMEZONE)
        for name in result.created:
            self.stdout.write(f"created {name}")
        for name in result.updated:
            self.stdout.write(f"updated {name}")
        for name in result.disabled:
            self.stdout.write(self.style.WARNING(f"disabled {name} (no longer defined in code)"))
