"""The scope selector (members/scope.py) for every role, and how the workspace answers outside it:
404 (never 403: no probing), with an audit row when the member exists."""

from datetime import timedelta

import pytest

from members.models import GuideBinding, StaffRole
from members.scope import scoped_members
from members.services.staff import assign_to_store, bind_guide, leave_store, unbind_guide
from tests.conftest import at
from tests.workspace.conftest import buy, staff
from tests.workspace.scope_helpers import NOW, merged_away, order_at, signed_in, visible
from workspace.models import ActionKind, StaffAction

# ---- guide -----------------------------------------------------------------------------------------


def test_a_guide_sees_the_members_of_their_home_store(world, customer):
    # given a member whose home store is the guide's store
    fang = customer(store=world.store_a)

    # then the guide sees her
    assert fang.code in visible(world.guide_a)


@pytest.mark.parametrize("ago, seen", [
    (timedelta(days=1), True),
    (timedelta(days=364, hours=23), True),
    (timedelta(days=365), True),                       # exactly 365 days before `now`: still in
    (timedelta(days=365, seconds=1), False),           # one second earlier: out
    (timedelta(days=366), False),
    (timedelta(days=800), False),
], ids=["1d", "364d23h", "365d-exactly", "365d+1s", "366d", "800d"])
def test_a_guide_sees_members_who_bought_at_their_store_within_365_days(world, customer, ago, seen):
    # given a member of store B who bought once at store A, `ago` before now
    visitor = customer(store=world.store_b)
    order_at(visitor, world.store_a, NOW - ago)

    # then store A's guide sees her only if that was within 365 days of now
    assert (visitor.code in visible(world.guide_a)) is seen


def test_the_365_days_are_counted_back_from_the_given_now(world, customer):
    # given an order 366 days before NOW: asking at NOW (not at the real clock) decides
    visitor = customer(store=world.store_b)
    order_at(visitor, world.store_a, NOW - timedelta(days=366))

    # then at NOW she is out; asked two days earlier, the same order was within the window
    assert visitor.code not in visible(world.guide_a, now=NOW)
    assert visitor.code in visible(world.guide_a, now=NOW - timedelta(days=2))


def test_a_guide_sees_the_members_bound_to_them_wherever_their_home_store(world, customer):
    # given a member of store B bound to store A's guide
    bound = customer(store=world.store_b)
    bind_guide(member_id=bound.pk, guide=world.guide_a, store=world.store_a, actor=world.manager_a)

    # then the guide sees her
    assert bound.code in visible(world.guide_a)


def test_a_guide_does_not_see_other_stores_members(world, customer):
    # given members of store B: home store B, a buyer at B only, one bound to B's guide
    home_b = customer(store=world.store_b)
    buyer_b = customer()
    order_at(buyer_b, world.store_b, NOW - timedelta(days=3))
    bound_b = customer()
    bind_guide(member_id=bound_b.pk, guide=world.guide_b, store=world.store_b, actor=world.guide_b)

    # then store A's guide sees none of them, store B's guide all of them
    assert visible(world.guide_a).isdisjoint({home_b.code, buyer_b.code, bound_b.code})
    assert {home_b.code, buyer_b.code, bound_b.code} <= visible(world.guide_b)


def test_a_guide_does_not_see_a_colleagues_bound_member_from_elsewhere(world, customer):
    # given a second guide in store A who has a store-B member bound to them
    colleague = staff("guide_a2", "导购", store=world.store_a)
    theirs = customer(store=world.store_b)
    bind_guide(member_id=theirs.pk, guide=colleague, store=world.store_a, actor=colleague)

    # then only the colleague (and the manager, below) sees her, not the first guide
    assert theirs.code in visible(colleague)
    assert theirs.code not in visible(world.guide_a)


def test_a_member_with_no_link_to_the_store_is_out_of_a_guides_scope(world, customer):
    # given a member with no home store, no order and no guide
    stranger = customer()

    # then no store staff see her
    for user in (world.guide_a, world.guide_b, world.manager_a):
        assert stranger.code not in visible(user)


# ---- store manager ---------------------------------------------------------------------------------


def test_a_manager_sees_the_members_of_their_store(world, customer):
    # given a member of store A and a store-B member who bought at A this month
    home_a = customer(store=world.store_a)
    buyer = customer(store=world.store_b)
    order_at(buyer, world.store_a, NOW - timedelta(days=10))

    # then A's manager sees both
    assert {home_a.code, buyer.code} <= visible(world.manager_a)


def test_a_manager_sees_members_bound_to_the_guides_of_their_store_even_from_elsewhere(world, customer):
    # given a store-B member (no order at A) bound to store A's guide
    bound = customer(store=world.store_b)
    bind_guide(member_id=bound.pk, guide=world.guide_a, store=world.store_a, actor=world.guide_a)

    # then A's manager sees her
    assert bound.code in visible(world.manager_a)


def test_a_manager_does_not_see_other_stores_members(world, customer):
    # given members of store B (home, buyer, bound to B's guide)
    home_b = customer(store=world.store_b)
    buyer_b = customer()
    order_at(buyer_b, world.store_b, NOW - timedelta(days=3))
    bound_b = customer()
    bind_guide(member_id=bound_b.pk, guide=world.guide_b, store=world.store_b, actor=world.guide_b)

    # then A's manager sees none of them
    assert visible(world.manager_a).isdisjoint({home_b.code, buyer_b.code, bound_b.code})


def test_a_manager_stops_seeing_a_guides_members_once_the_guide_left(world, customer):
    # given a store-B member bound to A's guide, who then leaves store A
    bound = customer(store=world.store_b)
    bind_guide(member_id=bound.pk, guide=world.guide_a, store=world.store_a, actor=world.guide_a)
    leave_store(user=world.guide_a, store=world.store_a, actor=world.manager_a)

    # then A's manager no longer sees her
    assert bound.code not in visible(world.manager_a)


# ---- operator and staff in no store -----------------------------------------------------------------


def test_an_operator_sees_every_active_member(world, customer):
    # given members in A, in B, and in no store at all
    members = {customer(store=world.store_a).code, customer(store=world.store_b).code, customer().code}

    # then the operator sees them all (no condition at all)
    assert visible(world.operator) == members


def test_a_guide_in_no_store_sees_nobody(world, customer):
    # given members of every kind, including one with an order and one bound elsewhere
    customer(store=world.store_a)
    buyer = customer()
    order_at(buyer, world.store_a, NOW - timedelta(days=1))
    bound = customer()
    bind_guide(member_id=bound.pk, guide=world.guide_b, store=world.store_b, actor=world.guide_b)

    # then the drifter (guide role, no store) sees nobody
    assert visible(world.drifter) == set()


def test_a_manager_in_no_store_sees_nobody(world, customer):
    # given a store manager by role who is assigned to no store
    loose = staff("manager_x", "店长")
    customer(store=world.store_a)

    # then they see nobody
    assert visible(loose) == set()


# ---- merged members, ended bindings, leaving a store -------------------------------------------------


def test_a_merged_away_member_is_never_in_scope(world, customer):
    # given a store-A member merged into another store-A member
    survivor = customer(store=world.store_a)
    absorbed = merged_away(customer(store=world.store_a), into=survivor)

    # then nobody sees the absorbed record, not even the operator
    for user in (world.guide_a, world.manager_a, world.operator):
        assert absorbed.code not in visible(user)
        assert survivor.code in visible(user)


def test_a_binding_that_ended_no_longer_grants_scope(world, customer):
    # given a store-B member bound to A's guide, then unbound
    bound = customer(store=world.store_b)
    bind_guide(member_id=bound.pk, guide=world.guide_a, store=world.store_a, actor=world.guide_a)
    unbind_guide(member_id=bound.pk, actor=world.manager_a, reason="顾客要求")

    # then neither the guide nor the manager sees her
    assert bound.code not in visible(world.guide_a)
    assert bound.code not in visible(world.manager_a)


def test_rebinding_to_another_guide_ends_the_first_guides_scope(world, customer):
    # given a store-B member bound to A's guide, then taken over by B's guide
    bound = customer()
    bind_guide(member_id=bound.pk, guide=world.guide_a, store=world.store_a, actor=world.guide_a)
    bind_guide(member_id=bound.pk, guide=world.guide_b, store=world.store_b, actor=world.guide_b)

    # then only B's guide sees her
    assert bound.code not in visible(world.guide_a)
    assert bound.code in visible(world.guide_b)


def test_leaving_a_store_ends_the_guides_bindings_there(world, customer):
    # given a store-B member bound to A's guide
    bound = customer(store=world.store_b)
    binding = bind_guide(member_id=bound.pk, guide=world.guide_a, store=world.store_a, actor=world.guide_a)

    # when the guide leaves store A
    ended = leave_store(user=world.guide_a, store=world.store_a, actor=world.manager_a)

    # then the binding is ended (kept as history, with who and why) and she is out of scope
    binding.refresh_from_db()
    assert ended == 1
    assert binding.ended_at is not None and binding.ended_by == world.manager_a and binding.end_reason == "离店"
    assert bound.code not in visible(world.guide_a)


def test_leaving_one_store_keeps_the_bindings_and_members_of_another(world, customer):
    # given a guide working in A and B with a binding in each
    assign_to_store(user=world.guide_a, store=world.store_b, role=StaffRole.GUIDE)
    in_a, in_b = customer(), customer()
    bind_guide(member_id=in_a.pk, guide=world.guide_a, store=world.store_a, actor=world.guide_a)
    kept = bind_guide(member_id=in_b.pk, guide=world.guide_a, store=world.store_b, actor=world.guide_a)
    home_b = customer(store=world.store_b)
    home_a = customer(store=world.store_a)

    # when the guide leaves store A
    leave_store(user=world.guide_a, store=world.store_a)

    # then only A's binding ended; B's binding and B's members stay in scope, A's members go
    assert GuideBinding.objects.get(pk=kept.pk).ended_at is None
    assert visible(world.guide_a) == {in_b.code, home_b.code}
    assert home_a.code not in visible(world.guide_a)


def test_the_scope_filters_a_given_queryset_without_widening_it(world, customer):
    # given two store-A members, the caller's queryset holding only one of them
    fang, other = customer(store=world.store_a), customer(store=world.store_a)

    # then the scope narrows the queryset it is given, never adds to it
    narrowed = scoped_members(world.guide_a, type(fang).objects.filter(pk=fang.pk), now=NOW)
    assert list(narrowed.values_list("code", flat=True)) == [fang.code]
    assert other.code in visible(world.guide_a)


# ---- outside the scope: 404 (not 403), audited ------------------------------------------------------


def member_urls(code: str) -> list[str]:
    return [f"/workspace/m/{code}/", f"/workspace/m/{code}/timeline/", f"/workspace/m/{code}/tags/add/",
            f"/api/workspace/members/{code}/card/"]


@pytest.mark.parametrize("page", range(4), ids=["card", "timeline", "add-tag", "card-api"])
def test_a_member_outside_the_scope_answers_404_like_an_unknown_code(world, customer, page):
    # given a store-B member and a code nobody has
    other = customer(store=world.store_b)
    client = signed_in(world.guide_a)

    # when store A's guide opens both
    outside = client.get(member_urls(other.code)[page])
    unknown = client.get(member_urls("M999999999")[page])

    # then both are 404, never 403, and read the same
    assert outside.status_code == unknown.status_code == 404
    if member_urls(other.code)[page].startswith("/api/"):
        assert outside.json() == unknown.json()
        assert outside.json()["detail"]


def test_the_card_page_404_is_the_chinese_page_without_the_members_data(world, customer):
    # given a store-B member with a name
    other = customer(store=world.store_b, name="李娜", mobile="13800005678")

    # when store A's guide opens her card by URL
    response = signed_in(world.guide_a).get(f"/workspace/m/{other.code}/")

    # then a Chinese 404 page that names nothing of hers
    html = response.content.decode()
    assert response.status_code == 404
    assert "没有这个会员，或该会员不在您的服务范围内" in html
    assert "李娜" not in html and "5678" not in html and other.code not in html


def test_an_out_of_scope_attempt_on_an_existing_member_is_audited(world, customer):
    # given a store-B member
    other = customer(store=world.store_b)

    # when store A's guide tries her card page and her card API
    client = signed_in(world.guide_a)
    client.get(f"/workspace/m/{other.code}/")
    client.get(f"/api/workspace/members/{other.code}/card/")

    # then each attempt left a row naming who tried whom
    rows = StaffAction.objects.filter(kind=ActionKind.OUT_OF_SCOPE)
    assert rows.count() == 2
    assert {(r.actor_id, r.member_id) for r in rows} == {(world.guide_a.pk, other.pk)}
    assert rows.first().detail == {"code": other.code}


def test_an_unknown_code_leaves_no_audit_row(world, customer):
    # given no member with this code
    client = signed_in(world.guide_a)

    # when a guide opens it on the page and the API
    client.get("/workspace/m/M999999999/")
    client.get("/api/workspace/members/M999999999/card/")

    # then nothing is recorded (there is nobody to name)
    assert not StaffAction.objects.exists()


def test_a_member_in_scope_leaves_no_out_of_scope_row(world, customer):
    # given a store-A member
    fang = customer(store=world.store_a)

    # when her own guide opens the card
    response = signed_in(world.guide_a).get(f"/workspace/m/{fang.code}/")

    # then 200 and no out-of-scope row
    assert response.status_code == 200
    assert not StaffAction.objects.filter(kind=ActionKind.OUT_OF_SCOPE).exists()


def test_a_post_on_an_out_of_scope_member_is_404_and_writes_nothing_but_the_audit(world, customer):
    # given a store-B member
    other = customer(store=world.store_b)

    # when store A's guide posts a follow-up about her by URL
    response = signed_in(world.guide_a).post(f"/workspace/m/{other.code}/follow-ups/",
                                             {"kind": "phone", "text": "试试看"})

    # then 404, no follow-up, and the attempt is audited
    assert response.status_code == 404
    assert not other.follow_ups.exists()
    assert list(StaffAction.objects.values_list("kind", "member_id")) == [(ActionKind.OUT_OF_SCOPE, other.pk)]


@pytest.mark.parametrize("role", ["guide_a", "guide_b", "manager_a", "operator", "drifter"])
def test_the_resolved_scope_for_lists_selects_exactly_the_members_of_the_plain_one(world, customer, role):
    # given members of both stores, one bound to store A's guide from elsewhere, one who only bought in A
    home_a, _, bound, bought = (customer(store=world.store_a), customer(store=world.store_b),
                               customer(store=world.store_b), customer())
    bind_guide(member_id=bound.pk, guide=world.guide_a, store=world.store_a, actor=world.manager_a)
    buy(bought, store=world.store_a, when="2026-11-01")
    user = getattr(world, role)
    now = at("2026-12-01")
    # when the scope is evaluated with the store ids read first, and plainly
    resolved = set(scoped_members(user, now=now, resolved=True).values_list("pk", flat=True))
    plain = set(scoped_members(user, now=now).values_list("pk", flat=True))
    # then both select the same members
    assert resolved == plain
    if role == "guide_a":
        assert plain == {home_a.pk, bound.pk, bought.pk}
