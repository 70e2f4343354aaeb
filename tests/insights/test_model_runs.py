"""Running a value model: history of tier changes, idempotence, swap on success, merged members."""

from datetime import date, timedelta

import pytest

from insights.metrics import refresh_all_metrics
from insights.models import MemberValue, ModelKind, ModelRun, TierChange, ValueModel
from insights.scoring import runner
from insights.scoring.runner import run_model
from members.models import MemberStatus
from tests.conftest import at

from .helpers import make_member, order, signed_in

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 31)


def activity_model() -> ValueModel:
    return ValueModel.objects.create(code="act", name="活跃度", kind=ModelKind.ACTIVITY)


def test_a_second_run_for_the_same_date_writes_nothing():
    order(make_member(), at("2026-03-20"))
    refresh_all_metrics(AS_OF)
    model = activity_model()
    first = run_model(model, AS_OF)
    second = run_model(model, AS_OF)
    assert (first.changes, second.changed) == (1, 0)
    assert TierChange.objects.count() == 1 and ModelRun.objects.count() == 1


def test_tier_moves_are_kept_per_run_date_and_summarised_as_moves():
    # given a member active on 03-31 who is silent 40 days later
    member = make_member()
    order(member, at("2026-03-20"))
    model = activity_model()
    refresh_all_metrics(AS_OF)
    run_model(model, AS_OF)
    later = AS_OF + timedelta(days=40)
    refresh_all_metrics(later)
    # when the model runs on the later date
    run_model(model, later)
    # then the history holds both entries and the later run counts one move active → silent
    history = list(TierChange.objects.filter(member=member).order_by("as_of").values_list("from_tier", "to_tier"))
    assert history == [("", "active"), ("active", "silent")]
    assert ModelRun.objects.get(as_of=later).moves == [["active", "silent", 1]]


def test_a_failed_run_leaves_the_previous_results_in_force(monkeypatch):
    # given results from a first run
    member = make_member()
    order(member, at("2026-03-20"))
    refresh_all_metrics(AS_OF)
    model = activity_model()
    run_model(model, AS_OF)
    # when a later run fails after writing the changes
    def broken_upsert(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(runner, "_record_run", broken_upsert)
    refresh_all_metrics(AS_OF + timedelta(days=100))
    with pytest.raises(RuntimeError):
        run_model(model, AS_OF + timedelta(days=100))
    # then the member still holds the first run's tier and no change was kept
    assert MemberValue.objects.get(member=member).tier == "active"
    assert TierChange.objects.count() == 1


def test_merged_away_members_are_not_scored_and_leave_the_model():
    survivor, absorbed = make_member(), make_member()
    refresh_all_metrics(AS_OF)
    model = activity_model()
    run_model(model, AS_OF)
    absorbed.status, absorbed.merged_into = MemberStatus.MERGED, survivor
    absorbed.save()
    run_model(model, AS_OF + timedelta(days=1))
    assert not MemberValue.objects.filter(member=absorbed).exists()
    left = TierChange.objects.filter(member=absorbed, as_of=AS_OF + timedelta(days=1))
    assert left.values_list("from_tier", "to_tier").get() == ("none", "")


def test_the_member_page_shows_each_tier_with_its_why(client):
    member = make_member()
    order(member, at("2026-03-20"))
    refresh_all_metrics(AS_OF)
    run_model(activity_model(), AS_OF)
    signed_in(client, "运营")
    page = client.get(f"/admin/members/member/{member.pk}/change/").content.decode()
    assert "价值模型分层" in page and "距最近一次活动 11 天；阶段：新客" in page
