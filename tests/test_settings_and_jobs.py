"""The beat schedule syncs from code (production settings: tests/test_production_settings.py)."""

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config.schedule import BEAT_SCHEDULE


@pytest.mark.django_db
def test_sync_schedule_writes_every_job_once_and_is_idempotent():
    call_command("sync_schedule")
    call_command("sync_schedule")

    assert set(PeriodicTask.objects.values_list("name", flat=True)) >= set(BEAT_SCHEDULE)
    assert PeriodicTask.objects.filter(name__in=BEAT_SCHEDULE).count() == len(BEAT_SCHEDULE)


@pytest.mark.django_db
def test_sync_schedule_disables_jobs_removed_from_code():
    every = IntervalSchedule.objects.create(every=1, period="days")
    PeriodicTask.objects.create(name="old.job", task="old.task", interval=every)

    call_command("sync_schedule")

    assert PeriodicTask.objects.get(name="old.job").enabled is False


def test_every_scheduled_job_names_a_task_the_workers_know():
    # given the Celery app with every app's tasks module loaded, as a worker loads them
    from config.celery import app

    app.loader.import_default_modules()

    # then each job in the schedule names one of them (a typo would only show at 00:20 in production)
    unknown = {name: entry["task"] for name, entry in BEAT_SCHEDULE.items() if entry["task"] not in app.tasks}
    assert not unknown
