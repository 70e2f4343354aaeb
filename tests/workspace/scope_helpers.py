"""More givens for the scope, search, permission and bad-input tests of the workspace.

    NOW                               the fixed moment the scope tests ask about (scoped_members(now=NOW))
    order_at(member, store, moment)   an order placed at an exact moment (the 365-day boundary)
    visible(user)                     codes of the members `user` may see at NOW
    signed_in(user)                   a test Client signed in as `user` (csrf=True: CSRF enforced)
    merged_away(member, into=...)     `member` merged into another person (status merged)
"""

from datetime import datetime
from decimal import Decimal
from itertools import count

from django.test import Client

from members.models import Order
from members.scope import scoped_members
from members.services.merging import merge_members
from tests.conftest import at

NOW = at("2026-11-15", "10:00")

_numbers = count(1)


def order_at(member, store, moment: datetime, *, paid: str = "100.00") -> Order:
    return Order.objects.create(
        channel="pos", external_no=f"SCOPE{next(_numbers)}", member=member, store=store, status="completed",
        paid_amount=Decimal(paid), payable_amount=Decimal(paid), refunded_amount=Decimal("0"),
        ordered_at=moment, paid_at=moment, item_count=1,
    )


def visible(user, *, now: datetime = NOW) -> set[str]:
    return set(scoped_members(user, now=now).values_list("code", flat=True))


def signed_in(user, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def merged_away(member, *, into):
    merge_members(survivor_id=into.pk, absorbed_id=member.pk, rule="manual", reason="同一人")
    member.refresh_from_db()
    return member
