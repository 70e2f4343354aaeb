"""core.schedule: a schedule dict becomes exactly the enabled beat entries; the command reads settings."""

from io import StringIO

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from core.schedule import sync_schedule

pytestmark = pytest.mark.django_db

NIGHTLY = {"task": "app.tasks.nightly", "crontab": {"minute": "30", "hour": "3"}, "description": "每日 03:30"}
TEST_SCHEDULE = {"test.nightly": NIGHTLY}


def test_a_new_entry_is_created_with_its_crontab_in_the_given_timezone():
    result = sync_schedule({"app.nightly": NIGHTLY}, timezone="Asia/Shanghai")

    task = PeriodicTask.objects.get(name="app.nightly")
    assert result.created == ["app.nightly"] and task.enabled
    assert (task.task, task.kwargs, task.description) == ("app.tasks.nightly", "{}", "每日 03:30")
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week, str(crontab.timezone)) == ("30", "3", "*", "Asia/Shanghai")


def test_a_changed_entry_is_updated_in_place_and_a_re_enabled_one_comes_back():
    sync_schedule({"app.nightly": NIGHTLY}, timezone="Asia/Shanghai")
    PeriodicTask.objects.filter(name="app.nightly").update(enabled=False)

    result = sync_schedule({"app.nightly": {**NIGHTLY, "crontab": {"minute": "0", "hour": "4"}, "kwargs": {"n": 1}}},
                           timezone="Asia/Shanghai")

    task = PeriodicTask.objects.get(name="app.nightly")
    assert result.updated == ["app.nightly"] and task.enabled
    assert (task.crontab.minute, task.crontab.hour, task.kwargs) == ("0", "4", '{"n": 1}')


def test_an_entry_gone_from_code_is_disabled_but_celerys_own_is_left_alone():
    every = IntervalSchedule.objects.create(every=1, period="days")
    PeriodicTask.objects.create(name="old.job", task="old.task", interval=every)
    PeriodicTask.objects.create(name="celery.backend_cleanup", task="celery.backend_cleanup", interval=every)

    result = sync_schedule({}, timezone="Asia/Shanghai")

    assert result.disabled == ["old.job"]
    assert dict(PeriodicTask.objects.values_list("name", "enabled")) == {"old.job": False, "celery.backend_cleanup": True}


def test_the_command_syncs_the_schedule_that_settings_name(settings):
    settings.PERIODIC_JOBS = "tests.core.test_schedule.TEST_SCHEDULE"
    out = StringIO()

    call_command("sync_schedule", stdout=out)

    assert list(PeriodicTask.objects.filter(enabled=True).values_list("name", flat=True)) == ["test.nightly"]
    assert "created test.nightly" in out.getvalue()
