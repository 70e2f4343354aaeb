"""A real Celery worker consumes a task from the configured broker: Redis in CI, Kombu's in-process
memory transport when CELERY_BROKER_URL is unset (config/settings/test.py). Either way the worker
runs in its own thread on its own database connection, so the test proves the task commits what a
separate worker sees."""

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app
from members.models import CandidateStatus, MergeCandidate
from members.services import IncomingRecord, resolve_record
from members.tasks import find_duplicate_candidates_task

pytestmark = [
    pytest.mark.worker,
    # the worker thread must see committed rows; keep the rules and roles made by migrations
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def real_worker():
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        app.conf.task_always_eager = True


def test_a_task_sent_through_the_broker_runs_on_a_worker(real_worker):
    # given two records that look like one person but share no identifier
    for i, mobile in enumerate(["13811110000", "13922220000"]):
        resolve_record(IncomingRecord(channel="pos", external_id=f"p-{i}", mobile=mobile, name="王小明",
                                      birthday="1990-03-04", city="杭州", address="文三路 100 号"))

    # when the duplicate scan is queued through the broker and the worker finishes it
    result = find_duplicate_candidates_task.delay()
    result.get(timeout=60)

    # then the worker's writes are visible: the pair waits for review
    assert MergeCandidate.objects.filter(status=CandidateStatus.PENDING).count() == 1
