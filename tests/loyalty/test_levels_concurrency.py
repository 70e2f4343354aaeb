"""Levels under concurrency on PostgreSQL: simultaneous evaluations of the same people never
duplicate a level row, its initial record or an upgrade."""

import pytest

from loyalty.levels.services import evaluate_upgrades
from loyalty.models import LevelChange, LevelChangeKind, LevelScheme, MemberLevel, PointsAccountType, RoleType
from loyalty.services import earn, open_account
from tests.conftest import at, in_thread, join_all, start_together

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_many_evaluations_of_the_same_members_at_once_write_each_change_once(member):
    # Given ten members with enough growth for 金卡 under the default scheme (lifetime metric)
    LevelScheme.objects.filter(code="consumer").update(metric="lifetime_earned")
    consumer, growth = RoleType.objects.get(code="consumer"), PointsAccountType.objects.get(code="growth")
    people = [member() for _ in range(10)]
    for person in people:
        account = open_account(member=person, role_type=consumer, account_type=growth)
        earn(account=account, points=6000, occurred_at=at("2026-03-01"), idempotency_key="g", now=at("2026-03-01"))

    # When eight threads evaluate all of them at the same moment
    errors, barrier = [], start_together(8)

    def work():
        barrier.wait()
        evaluate_upgrades(member_ids=[p.pk for p in people], now=at("2026-03-02"))

    join_all([in_thread(work, errors, name=f"evaluator-{n}") for n in range(8)])

    # Then nothing failed and each member has one level row, one initial record and one upgrade to 金卡
    assert errors == []
    assert MemberLevel.objects.filter(member__in=people, scheme__code="consumer").count() == 10
    assert set(MemberLevel.objects.filter(member__in=people).values_list("level__code", flat=True)) == {"gold"}
    for kind in (LevelChangeKind.INITIAL, LevelChangeKind.UPGRADE):
        assert LevelChange.objects.filter(member__in=people, kind=kind).count() == 10
