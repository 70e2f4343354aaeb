"""The workspace bench (bench/workspace.py) compares the card, search and home with hand-written SQL of
the same data. These tests keep that baseline honest at a tiny size: its scope condition selects the
members members/scope.py selects, its card finds the rows the API's card shows, its search returns the
API's results; and its figures (percentiles, the statement labels) are computed as documented."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from bench import workspace as bench
from bench import workspace_baseline as baseline
from core.roles import GUIDE, OPERATOR, STORE_MANAGER
from members.models import Member, Order, OrderLine, StaffRole, Store
from members.scope import scoped_members
from members.services import IncomingRecord, resolve_record
from members.services.staff import assign_to_store, bind_guide
from tests.conftest import at

# --- figures


def test_the_percentile_is_the_nearest_rank():
    # given twenty timings 1 … 20
    values = [float(n) for n in range(20, 0, -1)]

    # then p50 is the 10th and p95 the 19th smallest (no interpolation)
    assert bench.percentile(values, 0.50) == 10.0
    assert bench.percentile(values, 0.95) == 19.0
    assert bench.percentile([7.0], 0.95) == 7.0


def test_a_statement_is_labelled_by_its_main_table_not_a_subquery_in_its_select_list():
    sql = ('SELECT "members_member"."id", EXISTS(SELECT 1 FROM "members_staffstore" U0 WHERE U0."user_id" = 3) '
           'AS "viewer_may_bind" FROM "members_member" LEFT OUTER JOIN "members_store" ON (1 = 1)')

    assert bench.statement_label(sql) == "members_member"
    assert bench.statement_label('(SELECT 1 FROM "members_order") UNION ALL (SELECT 2 FROM "x")') == "members_order"
    assert bench.statement_label("SAVEPOINT s1") == "savepoint"


def test_a_card_whose_sections_differ_from_the_bare_rows_is_reported():
    api = {"profile": {"code": "M000000001"}, "levels": [{}], "tags": [{}, {}],
           "timeline": {"entries": [{"kind": "order"}], "has_next": False}}
    bare = {"member": (1, "M000000001"), "levels": [()], "points": [], "tags": [()], "values": [],
            "timeline": [(None, "order")]}

    assert baseline.card_mismatches(api, bare) == ["tags 2 vs 1"]
    assert baseline.card_mismatches(api, {**bare, "tags": [(), ()]}) == []


# --- the baseline against the product, on a tiny world

_numbers = iter(range(1, 10_000))


def _staff(username, role, store=None, as_role=StaffRole.GUIDE):
    user = get_user_model().objects.create_user(username=username, password="x", is_staff=False)
    user.groups.add(Group.objects.get(name=role))
    if store is not None:
        assign_to_store(user=user, store=store, role=as_role)
    return user


def _member(store=None, mobile=None) -> Member:
    number = next(_numbers)
    record = IncomingRecord(channel="pos", external_id=f"bench-ws-{number}", store_code=store.code if store else "",
                            mobile=mobile or f"1370000{number:04d}", name=f"顾客{number}", seen_at=at("2026-01-01"))
    return resolve_record(record).member


def _order(member, store, days_ago):
    when = timezone.now() - timedelta(days=days_ago)
    order = Order.objects.create(channel="pos", external_no=f"BWS{next(_numbers)}", member=member, store=store,
                                 status="completed", paid_amount=Decimal("199.00"), payable_amount=Decimal("199.00"),
                                 ordered_at=when, paid_at=when, item_count=1)
    OrderLine.objects.create(order=order, line_no=1, title="精华液", category="护肤", quantity=1, price=Decimal("199.00"))
    return order


@pytest.fixture
def world(db):
    a = Store.objects.create(code="BA1", name="静安店", city="上海市")
    b = Store.objects.create(code="BB1", name="国贸店", city="北京市")
    guide, other_guide = _staff("b_guide", GUIDE, a), _staff("b_guide2", GUIDE, a)
    manager = _staff("b_manager", STORE_MANAGER, a, StaffRole.MANAGER)
    far_guide = _staff("b_far", GUIDE, b)
    members = {
        "home": _member(a, "13800001234"),
        "bought": _member(b, "13900001234"),
        "bought_long_ago": _member(b),
        "bound_to_guide": _member(b),
        "bound_to_other_guide": _member(b),
        "elsewhere": _member(b, "13700001234"),
    }
    _order(members["bought"], a, days_ago=30)
    _order(members["bought_long_ago"], a, days_ago=400)
    _order(members["home"], a, days_ago=3)
    bind_guide(member_id=members["bound_to_guide"].pk, guide=guide, store=a, actor=manager)
    bind_guide(member_id=members["bound_to_other_guide"].pk, guide=other_guide, store=a, actor=manager)
    bind_guide(member_id=members["elsewhere"].pk, guide=far_guide, store=b, actor=far_guide)
    return {"guide": guide, "manager": manager, "operator": _staff("b_operator", OPERATOR), "members": members}


def _bare_scope(user) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT m.id FROM members_member m WHERE m.status = 'active' AND {baseline.scope_sql()}",
                       {"viewer": user.pk, "since": timezone.now() - timedelta(days=365)})
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.parametrize("role", ["guide", "manager"])
def test_the_bare_scope_selects_the_members_the_scope_selector_selects(world, role):
    # given a store's guide or manager, and members in and out of their scope in every way
    user = world[role]

    # when the bench's hand-written scope and members.scope select members
    bare, product = _bare_scope(user), set(scoped_members(user).values_list("pk", flat=True))

    # then they agree (and the world holds both kinds of member)
    assert bare == product
    assert world["members"]["home"].pk in bare and world["members"]["elsewhere"].pk not in bare


@pytest.mark.parametrize("role, scoped", [("operator", False), ("guide", True)])
def test_the_bare_card_finds_the_rows_the_api_card_shows(world, client, role, scoped):
    # given a member of the guide's store with an order, and a signed-in viewer
    member = world["members"]["home"]
    client.force_login(world[role])

    # when the API's card and the bench's bare queries read the member
    response = client.get(f"/api/workspace/members/{member.code}/card/")
    bare = baseline.bare_card(member.code, world[role].pk, scoped, timezone.now())

    # then both found the member and the same rows in every section
    assert response.status_code == 200
    assert bare is not None and baseline.card_mismatches(response.json(), bare) == []
    assert "order" in [row[1] for row in bare["timeline"]]


@pytest.mark.parametrize("q, kind", [("13800001234", "mobile"), ("1234", "last4")])
def test_the_bare_search_returns_the_api_search_results_for_the_guide(world, client, q, kind):
    client.force_login(world["guide"])

    response = client.get(f"/api/workspace/members/search/?q={q}")
    value = "+86" + q if kind == "mobile" else q
    rows = baseline.bare_search(kind, value, world["guide"].pk, True, timezone.now())

    assert response.status_code == 200
    assert [r["code"] for r in response.json()["results"]] == [row[0] for row in rows]
    assert rows  # the home member matches both queries; the members of the other store do not show
    assert world["members"]["elsewhere"].code not in [row[0] for row in rows]


def test_the_bare_home_reads_the_guides_recent_orders(world):
    rows = baseline.bare_home(world["guide"].pk, timezone.now())

    assert {row[4] for row in rows[1]} == {world["members"]["home"].code, world["members"]["bought"].code,
                                           world["members"]["bought_long_ago"].code}
