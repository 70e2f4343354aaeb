from datetime import datetime
from decimal import Decimal
from itertools import count

import pytest

from core.roles import sync_role_permissions
from loyalty.models import EarnRule, PointsAccount, PointsAccountType, RoleType
from loyalty.services import open_account, verify_ledger
from members.models import Order
from tests.conftest import at
from tests.conftest import login as shared_login

_numbers = count(1)


@pytest.fixture
def consumer(db):
    return RoleType.objects.get(code="consumer")


@pytest.fixture
def make_type(consumer):
    """An account type for the consumer role; keyword arguments override the defaults (never expires)."""

    def _make(**fields):
        number = next(_numbers)
        account_type = PointsAccountType.objects.create(
            code=fields.pop("code", f"t{number}"), name=fields.pop("name", f"积分{number}"), **fields
        )
        account_type.role_types.add(consumer)
        return account_type

    return _make


@pytest.fixture
def member(person):
    def _make(mobile=None, **fields):
        number = next(_numbers)
        return person(channel="pos", external_id=f"card-{number}", mobile=mobile or f"139{number:08d}", **fields).member

    return _make


@pytest.fixture
def account(member, consumer, make_type):
    """An account of a new member; `account(type)` or `account(type, member=m)`."""

    def _make(account_type=None, *, owner=None, **type_fields):
        account_type = account_type or make_type(**type_fields)
        return open_account(member=owner or member(), role_type=consumer, account_type=account_type)

    return _make


@pytest.fixture
def make_rule(consumer):
    def _make(account_type, **fields):
        defaults = {"name": f"规则{next(_numbers)}", "basis": "amount", "points_per_yuan": Decimal("1"),
                    "trigger": "paid"}
        return EarnRule.objects.create(account_type=account_type, role_type=consumer, **{**defaults, **fields})

    return _make


@pytest.fixture
def make_order():
    def _make(member, *, paid="100.00", status="paid", paid_at: datetime | None = None, completed_at=None,
              channel="pos", refunded="0", **fields):
        return Order.objects.create(
            channel=channel, external_no=fields.pop("external_no", f"NO{next(_numbers)}"), member=member,
            status=status, paid_amount=Decimal(paid), payable_amount=Decimal(paid), refunded_amount=Decimal(refunded),
            paid_at=paid_at or at("2026-03-01"), completed_at=completed_at, **fields,
        )

    return _make


def fresh(account: PointsAccount) -> PointsAccount:
    return PointsAccount.objects.get(pk=account.pk)


def balances(account: PointsAccount) -> tuple[int, int, int]:
    account = fresh(account)
    return account.available, account.pending, account.lifetime_earned


def assert_ledger_ok():
    result = verify_ledger()
    assert result.ok, [str(m) for m in result.mismatches]
    return result


def login(client, username, *, group=None, perms=(), staff=True):
    """Sign a user in with a role group and/or explicit permissions ("app_label.codename")."""
    if group:
        sync_role_permissions()  # roles get loyalty permissions after migrate; do not depend on app order
    return shared_login(client, username, group=group, perms=perms, staff=staff)
