"""Production settings refuse to start without a secret; the beat schedule syncs from code."""

import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config.schedule import BEAT_SCHEDULE


def _import_production(env):
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", **env},
        capture_output=True, text=True, cwd=os.path.dirname(os.path.dirname(__file__)),
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _import_production({"DJANGO_SECRET_KEY": ""})

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = _import_production({"DJANGO_SECRET_KEY": "x" * 50})

    assert result.returncode == 0, result.stderr


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
