"""manage.py refresh_insights and the refresh that follows a change."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from insights.models import InsightsRun, MemberMetrics, MemberValue, ModelKind, RunStatus, ValueModel
from members import hooks
from members.conditions.windows import shanghai_today
from members.services.merging import merge_members
from tests.conftest import at

from .helpers import make_member, order

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("refresh_insights", *args, stdout=out)
    return out.getvalue()


def test_a_second_run_for_the_same_date_writes_nothing_and_says_so():
    # given a member with an order, and a first run
    order(make_member(), at("2026-03-01"))
    first = run("--date", "2026-03-31")
    # when the same date runs again
    second = run("--date", "2026-03-31")
    # then the second says nothing was written, and both runs are recorded as done
    assert "inserted 1" in first
    assert "无变化" in second and "未写入任何数据" in second
    assert set(InsightsRun.objects.values_list("status", flat=True)) == {RunStatus.DONE}
    assert InsightsRun.objects.filter(step="metrics").count() == 2


def test_a_future_date_is_refused_and_nothing_is_stored():
    make_member()
    tomorrow = (shanghai_today() + timedelta(days=1)).isoformat()
    with pytest.raises(CommandError, match="晚于今天"):
        run("--date", tomorrow)
    assert not MemberMetrics.objects.exists() and not InsightsRun.objects.exists()


def test_a_malformed_date_is_refused():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--date", "31/03/2026")


def test_changed_orders_refresh_their_members_metrics_after_the_commit(django_capture_on_commit_callbacks):
    # given metrics as of today, then a new order announced through the hook
    member = make_member()
    run()
    placed = order(member, at(shanghai_today().isoformat(), "00:01"))
    # when the hook fires and the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        hooks.orders_changed.send(order_ids=[placed.pk], source="test")
    # then the member's row counts it
    assert MemberMetrics.objects.get(member=member).orders_30d == 1


def test_merging_refreshes_both_people(django_capture_on_commit_callbacks):
    survivor, absorbed = make_member(), make_member()
    order(absorbed, at((shanghai_today() - timedelta(days=3)).isoformat()))
    run()
    with django_capture_on_commit_callbacks(execute=True):
        merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual", reason="test")
    assert MemberMetrics.objects.get(member=survivor).orders_total == 1
    assert not MemberMetrics.objects.filter(member=absorbed).exists()


def test_merging_rescores_both_people_in_every_model(django_capture_on_commit_callbacks):
    # given an activity model run today, the survivor silent and the absorbed member active
    survivor, absorbed = make_member(), make_member()
    order(survivor, at((shanghai_today() - timedelta(days=60)).isoformat()))
    order(absorbed, at((shanghai_today() - timedelta(days=2)).isoformat()))
    ValueModel.objects.create(code="act", name="活跃度", kind=ModelKind.ACTIVITY)
    run()
    # when they are merged
    with django_capture_on_commit_callbacks(execute=True):
        merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual", reason="test")
    # then the survivor is active now and the absorbed member has left the model
    assert MemberValue.objects.get(member=survivor).tier == "active"
    assert not MemberValue.objects.filter(member=absorbed).exists()


def test_a_failing_model_is_reported_and_the_other_steps_still_run():
    # given a CLV model without enough buyers to fit, and an activity model
    order(make_member(), at("2026-03-01"))
    ValueModel.objects.create(code="clv", name="CLV", kind=ModelKind.CLV)
    ValueModel.objects.create(code="act", name="活跃度", kind=ModelKind.ACTIVITY)
    # when the nightly job runs
    out, err = StringIO(), StringIO()
    call_command("refresh_insights", "--date", "2026-03-31", stdout=out, stderr=err)
    # then the CLV step failed with its reason, and activity and segments ran
    assert "model:clv: 失败" in err.getvalue() and "至少" in err.getvalue()
    assert MemberValue.objects.filter(model__code="act").count() == 1
    assert InsightsRun.objects.get(step="model:clv").status == RunStatus.FAILED


def test_a_broker_that_cannot_take_the_refresh_never_fails_the_change(monkeypatch, django_capture_on_commit_callbacks):
    # given a queue that refuses every task
    from insights.tasks import refresh_member_metrics_task

    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")
    monkeypatch.setattr(refresh_member_metrics_task, "delay", refuse)
    placed = order(make_member(), at(shanghai_today().isoformat()))
    # when the orders hook fires and its transaction commits, then nothing is raised into the caller
    with django_capture_on_commit_callbacks(execute=True):
        hooks.orders_changed.send(order_ids=[placed.pk], source="test")
    assert not MemberMetrics.objects.exists()  # left for the nightly run
