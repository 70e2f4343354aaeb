"""Givens for the guide workspace tests: two stores, staff in each role, and customers.

    world.guide_a / world.guide_b   guides of store A / B      (group 导购)
    world.manager_a                 store manager of A         (group 店长)
    world.operator                  operator, sees everyone    (group 运营)
    world.drifter                   a guide in no store        (sees nobody)
    customer(store=world.store_a, mobile="13900001234", name="王芳", nick="fang")  → a Member
"""

from dataclasses import dataclass
from decimal import Decimal
from itertools import count

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.roles import GUIDE, OPERATOR, STORE_MANAGER
from members.models import Order, OrderLine, StaffRole, Store
from members.services import IncomingRecord, resolve_record
from members.services.staff import assign_to_store
from tests.conftest import at

_numbers = count(1)


@dataclass
class World:
    store_a: Store
    store_b: Store
    guide_a: object
    guide_b: object
    manager_a: object
    operator: object
    drifter: object


def staff(username: str, role: str, *, store: Store | None = None, as_role: str = StaffRole.GUIDE):
    user = get_user_model().objects.create_user(username=username, password="pw-123456", first_name=username,
                                                is_staff=False)
    user.groups.add(Group.objects.get(name=role))
    if store is not None:
        assign_to_store(user=user, store=store, role=as_role)
    return user


@pytest.fixture
def world(db) -> World:
    store_a = Store.objects.create(code="WA1", name="静安店", city="上海市")
    store_b = Store.objects.create(code="WB1", name="国贸店", city="北京市")
    return World(
        store_a=store_a, store_b=store_b,
        guide_a=staff("guide_a", GUIDE, store=store_a),
        guide_b=staff("guide_b", GUIDE, store=store_b),
        manager_a=staff("manager_a", STORE_MANAGER, store=store_a, as_role=StaffRole.MANAGER),
        operator=staff("operator_x", OPERATOR),
        drifter=staff("drifter", GUIDE),
    )


@pytest.fixture
def customer(db):
    """A person resolved from a POS record (so they have identities), optionally with a home store."""

    def _make(*, store: Store | None = None, mobile: str | None = None, nick: str = "", **fields):
        number = next(_numbers)
        identifiers = {"tmall_nick": nick} if nick else {}
        record = IncomingRecord(channel="pos", external_id=f"ws-card-{number}", store_code=store.code if store else "",
                                mobile=mobile or f"137{number:08d}", seen_at=at("2026-01-01"),
                                identifiers=identifiers, **fields)
        return resolve_record(record).member

    return _make


def buy(member, *, store: Store | None = None, paid="100.00", when="2026-11-01", channel="pos", lines=(),
        status="completed", refunded="0"):
    """An order of `member` (lines: (title, category, quantity, price) tuples)."""
    order = Order.objects.create(
        channel=channel, external_no=f"WS{next(_numbers)}", member=member, store=store, status=status,
        paid_amount=Decimal(paid), payable_amount=Decimal(paid), refunded_amount=Decimal(refunded),
        ordered_at=at(when), paid_at=at(when), item_count=sum(q for _, _, q, _ in lines) or 1,
    )
    for number, (title, category, quantity, price) in enumerate(lines, start=1):
        OrderLine.objects.create(order=order, line_no=number, title=title, category=category, quantity=quantity,
                                 price=Decimal(price))
    return order
