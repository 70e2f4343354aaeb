"""The quick start's demo points and levels: awarded through the order hook, consistent, idempotent."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from loyalty.models import EarnRule, LedgerEntry, MemberLevel, PointsAccount
from loyalty.services import verify_ledger


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", "--members", "40", "--seed", "7", stdout=io.StringIO())


def test_demo_orders_earn_points_and_levels_and_a_rerun_changes_nothing(demo):
    # When the loyalty demo is seeded twice
    call_command("seed_loyalty_demo", stdout=io.StringIO())
    first = (LedgerEntry.objects.count(), MemberLevel.objects.count())
    call_command("seed_loyalty_demo", stdout=io.StringIO())

    # Then the example rules are on, buyers hold points and levels, the ledger checks, and nothing was added
    assert EarnRule.objects.filter(active=True).count() == 2
    assert not EarnRule.objects.filter(name__contains="未启用").exists()
    assert PointsAccount.objects.filter(available__gt=0).exists()
    assert MemberLevel.objects.exists()
    assert verify_ledger().ok
    assert (LedgerEntry.objects.count(), MemberLevel.objects.count()) == first


def test_the_demo_command_refuses_to_run_in_production(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="开发环境"):
        call_command("seed_loyalty_demo")
