"""The workspace search: one box for a full mobile in any common format, its last four digits, a
masked number, a member code, a Tmall nick or channel account id, a name prefix — always within the
searcher's scope, at most 20 results, phones masked for guides; the same on the page and the API."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission

from insights.metrics.refresh import refresh_member_metrics
from members.services import IncomingRecord, resolve_record
from tests.conftest import at
from tests.workspace.conftest import buy
from tests.workspace.scope_helpers import signed_in
from workspace.search import LIMIT, search

SEARCH_API = "/api/workspace/members/search/"


@pytest.fixture
def people(world, customer):
    """fang and wei in store A share the last four digits 1234 with li of store B; li also shares
    fang's prefix 139 (so 139****1234 matches both); qiang of store B shares fang's family name."""
    return SimpleNamespace(
        fang=customer(store=world.store_a, mobile="13900001234", name="王芳", nick="fang"),
        wei=customer(store=world.store_a, mobile="13700001234", name="张伟"),
        li=customer(store=world.store_b, mobile="13911111234", name="李娜"),
        qiang=customer(store=world.store_b, mobile="13822225678", name="王强"),
    )


def codes(user, q: str) -> list[str]:
    return [m.code for m in search(user, q)[1]]


# ---- full mobile -----------------------------------------------------------------------------------


@pytest.mark.parametrize("q", [
    "13900001234", "139 0000 1234", "139-0000-1234", "86 13900001234", "0086 139 0000 1234",
    "１３９００００１２３４", " 13900001234 ",
    "+86 139-0000-1234", "+8613900001234",
])
def test_a_full_mobile_in_any_common_format_finds_the_member(world, people, q):
    # when store A's guide types fang's number as `q`
    query, found = search(world.guide_a, q)

    # then it is read as that mobile and finds her
    assert query.kind == "mobile"
    assert [m.code for m in found] == [people.fang.code]


def test_a_full_mobile_of_a_member_outside_the_scope_finds_nothing(world, people):
    # when store A's guide types li's (store B) full number
    # then nothing: the scope applies to an exact number too
    assert codes(world.guide_a, "13911111234") == []
    assert codes(world.guide_b, "13911111234") == [people.li.code]


def test_an_unknown_full_mobile_finds_nothing(world, people):
    assert codes(world.guide_a, "13999999999") == []


# ---- last four digits and masked numbers ------------------------------------------------------------


def test_the_last_four_digits_list_the_members_in_the_guides_scope_only(world, people):
    # when store A's guide types 1234
    query, found = search(world.guide_a, "1234")

    # then fang and wei (store A) to pick from; li of store B, with the same last four, is not listed
    assert query.kind == "last4"
    assert sorted(m.code for m in found) == sorted([people.fang.code, people.wei.code])


def test_the_last_four_digits_for_the_other_store_list_its_member(world, people):
    assert codes(world.guide_b, "1234") == [people.li.code]


def test_the_last_four_digits_include_a_bound_member_from_another_store(world, people):
    # given li (store B) bound to store A's guide
    from members.services.staff import bind_guide
    bind_guide(member_id=people.li.pk, guide=world.guide_a, store=world.store_a, actor=world.guide_a)

    # then store A's guide now finds her by 1234 too
    assert people.li.code in codes(world.guide_a, "1234")


@pytest.mark.parametrize("q", ["139****1234", "139*****1234", "139 **** 1234", "139-****-1234"])
def test_a_masked_number_finds_the_member_with_that_prefix_and_ending(world, people, q):
    # when store A's guide types a masked number as printed on a receipt
    query, found = search(world.guide_a, q)

    # then fang (139…1234); not wei (137…1234), not li (store B, also 139…1234)
    assert query.kind == "masked"
    assert [m.code for m in found] == [people.fang.code]


def test_a_masked_number_for_the_store_b_guide_finds_li_only(world, people):
    assert codes(world.guide_b, "139****1234") == [people.li.code]


# ---- member code, channel accounts, names ---------------------------------------------------------------


@pytest.mark.parametrize("case", [str.upper, str.lower])
def test_a_member_code_finds_the_member_whatever_the_case(world, people, case):
    query, found = search(world.guide_a, case(people.fang.code))

    assert query.kind == "code"
    assert [m.code for m in found] == [people.fang.code]


def test_a_member_code_outside_the_scope_finds_nothing(world, people):
    assert codes(world.guide_a, people.li.code) == []


def test_a_tmall_nick_finds_the_member_exactly(world, people):
    # when a guide types fang's Tmall nick, or only the start of it
    # then the exact nick finds her; a part of it does not
    assert codes(world.guide_a, "fang") == [people.fang.code]
    assert codes(world.guide_a, "fan") == []


def test_any_channel_account_id_finds_the_member_exactly(world, people):
    # given fang's JD account, seen on a JD record with her mobile
    resolve_record(IncomingRecord(channel="jd", external_id="jd-1", mobile="13900001234", seen_at=at("2026-02-01"),
                                  identifiers={"jd_account": "jd_fang_88"}))

    # then the account id finds her; a part of it does not
    assert codes(world.guide_a, "jd_fang_88") == [people.fang.code]
    assert codes(world.guide_a, "jd_fang") == []


def test_a_name_prefix_finds_members_in_the_scope(world, people):
    # when store A's guide types the family name 王
    # then fang (王芳, store A) is found; qiang (王强, store B) is not
    assert codes(world.guide_a, "王") == [people.fang.code]
    assert codes(world.guide_a, "王芳") == [people.fang.code]
    assert codes(world.guide_b, "王") == [people.qiang.code]


def test_a_name_is_matched_from_its_start_only(world, people):
    # 芳 is the end of 王芳, not its start
    assert codes(world.guide_a, "芳") == []


def test_an_operator_searches_every_store(world, people):
    assert sorted(codes(world.operator, "1234")) == sorted([people.fang.code, people.wei.code, people.li.code])


def test_a_guide_in_no_store_finds_nobody(world, people):
    assert codes(world.drifter, "1234") == []
    assert codes(world.drifter, "13900001234") == []


# ---- how results are shown ---------------------------------------------------------------------------


def test_the_results_page_shows_masked_phones_to_a_guide(world, people):
    # when store A's guide searches 1234 on the page
    response = signed_in(world.guide_a).get("/workspace/search/", {"q": "1234"})

    # then both members with masked numbers, never a full one
    html = response.content.decode()
    assert response.status_code == 200
    assert "139****1234" in html and "137****1234" in html
    assert "13900001234" not in html and "13700001234" not in html
    assert "王芳" in html and "张伟" in html and "李娜" not in html


def test_the_search_api_shows_masked_phones_to_a_guide(world, people):
    response = signed_in(world.guide_a).get(SEARCH_API, {"q": "1234"})

    body = response.content.decode()
    assert response.status_code == 200
    assert sorted(r["mobile"] for r in response.json()["results"]) == ["137****1234", "139****1234"]
    assert "13900001234" not in body and "13700001234" not in body


def test_numbers_are_masked_in_search_results_even_for_holders_of_reveal_phone(world, people):
    # given store A's guide granted members.reveal_phone, and an operator
    world.guide_a.user_permissions.add(Permission.objects.get(codename="reveal_phone", content_type__app_label="members"))
    guide, operator = signed_in(world.guide_a), signed_in(world.operator)

    # when they search on the page and the API
    html = guide.get("/workspace/search/", {"q": "1234"}).content.decode()
    results = operator.get(SEARCH_API, {"q": "1234"}).json()["results"]

    # then masked: in the workspace a full number is shown only by an audited reveal on the card
    assert "139****1234" in html and "+8613900001234" not in html and "13900001234" not in html
    assert sorted(r["mobile"] for r in results) == ["137****1234", "139****1234", "139****1234"]


def test_at_most_twenty_results_are_returned(world, customer):
    # given 25 store-A members ending in 5678
    for number in range(25):
        customer(store=world.store_a, mobile=f"135{number:04d}5678")
    client = signed_in(world.guide_a)

    # when the guide searches 5678
    _, found = search(world.guide_a, "5678")
    api = client.get(SEARCH_API, {"q": "5678"}).json()
    html = client.get("/workspace/search/", {"q": "5678"}).content.decode()

    # then 20, and the page says only the first 20 are shown
    assert LIMIT == 20
    assert len(found) == 20 and len(api["results"]) == 20
    assert "仅显示前 20 位" in html


def test_the_search_api_answers_kind_and_results_in_its_documented_shape(world, people):
    # given fang's last order on record (her metrics refreshed)
    buy(people.fang, store=world.store_a, when="2026-03-02")
    refresh_member_metrics([people.fang.pk])

    # when store A's guide searches fang's code through the API
    response = signed_in(world.guide_a).get(SEARCH_API, {"q": people.fang.code})

    # then {kind, results: [{code, name, mobile, levels, last_order_date}]}
    assert response.status_code == 200
    assert response.json() == {"kind": "code", "results": [{
        "code": people.fang.code, "name": "王芳", "mobile": "139****1234", "levels": [],
        "last_order_date": "2026-03-02",
    }]}


@pytest.mark.parametrize("q", ["1234", "13900001234", "139****1234", "王", "fang"])
def test_the_page_and_the_api_find_the_same_members(world, people, q):
    client = signed_in(world.guide_a)
    _, found = search(world.guide_a, q)

    api = client.get(SEARCH_API, {"q": q}).json()

    assert [r["code"] for r in api["results"]] == [m.code for m in found]


def test_the_search_api_answers_outside_the_scope_with_no_results(world, people):
    response = signed_in(world.guide_a).get(SEARCH_API, {"q": "13911111234"})

    assert response.status_code == 200 and response.json() == {"kind": "mobile", "results": []}


# ---- one exact hit opens the card ---------------------------------------------------------------------


@pytest.mark.parametrize("q", ["13900001234", "code", "+86 139-0000-1234"])
def test_a_single_exact_mobile_or_code_hit_on_the_page_opens_the_card(world, people, q):
    q = people.fang.code.lower() if q == "code" else q

    response = signed_in(world.guide_a).get("/workspace/search/", {"q": q})

    assert response.status_code == 302
    assert response["Location"] == f"/workspace/m/{people.fang.code}/"


def test_a_single_last_four_hit_is_a_list_to_pick_from(world, people):
    # given store B's guide, who has only li ending in 1234
    response = signed_in(world.guide_b).get("/workspace/search/", {"q": "1234"})

    # then a list of one (a last-four match is not a sure identification)
    assert response.status_code == 200
    assert f"/workspace/m/{people.li.code}/" in response.content.decode()


def test_a_name_hit_is_a_list_to_pick_from(world, people):
    response = signed_in(world.guide_a).get("/workspace/search/", {"q": "王芳"})

    assert response.status_code == 200
    assert f"/workspace/m/{people.fang.code}/" in response.content.decode()


def test_an_exact_mobile_outside_the_scope_does_not_redirect(world, people):
    # the page must not open (or hint at) li's card for store A's guide
    response = signed_in(world.guide_a).get("/workspace/search/", {"q": "13911111234"})

    assert response.status_code == 200
    assert people.li.code not in response.content.decode()
    assert "没有找到" in response.content.decode()
