"""What a guide (导购) and a store manager (店长) may do, page by page and endpoint by endpoint: the
workspace, and nothing else — no Django admin, no export, no liability report, no insights, no
REST API outside /api/workspace/; their permissions are exactly the one list in workspace/roles.py.
And no workspace response ever carries a customer's full mobile to them."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from core.roles import GUIDE, STORE_MANAGER
from tagging.models import TagMembership
from tagging.services.static import put_on
from tests.conftest import at
from tests.tagging.helpers import a_tag
from tests.workspace.conftest import buy
from tests.workspace.scope_helpers import signed_in
from workspace import services
from workspace.models import FollowUp
from workspace.roles import GUIDE_PERMISSIONS, ROLE_PERMISSIONS

ROLES = ["guide_a", "manager_a"]


@pytest.fixture
def fang(world, customer):
    """A store-A member with an order, a guide tag and a follow-up."""
    member = customer(store=world.store_a, mobile="13900001234", name="王芳", nick="fang", city="上海市",
                      district="静安区", birthday="1990-05-01", gender="F")
    buy(member, store=world.store_a, paid="380.00", when="2026-06-01", lines=[("面霜", "护肤", 1, "380.00")])
    tag = a_tag("coffee", guide_usable=True, name="爱喝咖啡")
    put_on(tag=tag, member_ids=[member.pk], actor=world.operator, reason="门店活动")
    return member


def membership(member) -> TagMembership:
    return TagMembership.objects.get(member=member, tag__code="coffee")


def workspace_pages(member) -> dict[str, str]:
    return {
        "home": "/workspace/",
        "search": "/workspace/search/?q=1234",
        "register": "/workspace/register/",
        "card": f"/workspace/m/{member.code}/",
        "timeline": f"/workspace/m/{member.code}/timeline/",
        "tag-why": f"/workspace/m/{member.code}/tags/{membership(member).pk}/",
        "tag-why-fragment": f"/workspace/m/{member.code}/tags/{membership(member).pk}/?fragment=1",
        "add-tag": f"/workspace/m/{member.code}/tags/add/",
        "card-api": f"/api/workspace/members/{member.code}/card/",
        "search-api": "/api/workspace/members/search/?q=1234",
    }


PAGES = ["home", "search", "register", "card", "timeline", "tag-why", "tag-why-fragment", "add-tag", "card-api",
         "search-api"]


# ---- the workspace is theirs ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_store_staff_open_every_workspace_page(world, fang, role, page):
    response = signed_in(getattr(world, role)).get(workspace_pages(fang)[page])

    assert response.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_the_start_page_sends_store_staff_to_the_workspace(world, role):
    response = signed_in(getattr(world, role)).get("/")

    assert response.status_code == 302 and response["Location"] == "/workspace/"


def test_the_start_page_stays_the_overview_for_an_operator(world):
    assert signed_in(world.operator).get("/").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(world, fang):
    from django.test import Client

    response = Client().get(f"/workspace/m/{fang.code}/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_signed_in_user_without_a_workspace_role_gets_403(world, fang):
    from tests.workspace.conftest import staff

    nobody = staff("clerk", "财务")  # finance: no workspace

    assert signed_in(nobody).get("/workspace/").status_code == 403
    assert signed_in(nobody).get(f"/api/workspace/members/{fang.code}/card/").status_code == 403


# ---- and nothing else ---------------------------------------------------------------------------------


ADMIN_PAGES = ["/admin/", "/admin/members/member/", "/admin/members/member/export/", "/admin/members/order/",
               "/admin/loyalty/ledgerentry/", "/admin/tagging/tag/", "/admin/workspace/followup/"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_store_staff_cannot_see_the_django_admin(world, fang, role, url):
    response = signed_in(getattr(world, role)).get(url)

    # then sent to the admin's own sign-in (they are not is_staff), or refused — never the page
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith("/admin/login/")
    assert "王芳" not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_store_staff_cannot_export_members_from_the_admin(world, fang, role):
    response = signed_in(getattr(world, role)).post("/admin/members/member/export/", {"format": "0"})

    assert response.status_code in (302, 403)
    assert "王芳" not in response.content.decode("utf-8", "replace")
    assert response.get("Content-Disposition") is None


def test_store_staff_are_not_admin_staff(world):
    assert not world.guide_a.is_staff and not world.manager_a.is_staff


STAFF_PAGES = ["/loyalty/liability/", "/loyalty/liability/?format=csv", "/loyalty/liability/?format=xlsx", "/insights/models/",
               "/insights/models/rfm/", "/insights/segments/", "/imports/", "/imports/new/"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", STAFF_PAGES)
def test_store_staff_get_403_on_the_reports_and_imports(world, role, url):
    response = signed_in(getattr(world, role)).get(url)

    assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_store_staff_open_the_dashboard_of_their_own_stores(world, role):
    # insights.view_dashboard is on the list (workspace/roles.py): the figures are narrowed to their stores
    assert signed_in(getattr(world, role)).get("/insights/dashboard/").status_code == 200


def test_a_guide_in_no_store_gets_no_dashboard(world):
    response = signed_in(world.drifter).get("/insights/dashboard/")

    assert response.status_code == 404 and "还没有分配门店" in response.content.decode()


def other_apis(member) -> list[tuple[str, str]]:
    return [
        ("get", "/api/members/"),
        ("get", f"/api/members/{member.code}/"),
        ("post", "/api/members/resolve/"),
        ("get", f"/api/loyalty/members/{member.code}/"),
        ("get", "/api/loyalty/accounts/1/"),
        ("get", "/api/loyalty/accounts/1/entries/"),
        ("post", "/api/loyalty/accounts/1/redeem/"),
        ("get", "/api/loyalty/entries/1/"),
        ("get", f"/api/loyalty/levels/{member.code}/"),
        ("get", "/api/tags/"),
        ("get", "/api/tags/categories/"),
        ("get", f"/api/tags/members/{member.code}/"),
        ("get", "/api/conditions/fields/"),
        ("post", "/api/conditions/count/"),
        ("get", "/api/segments/"),
        ("get", "/api/segments/1/members/"),
    ]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("index", range(16))
def test_store_staff_are_refused_by_the_rest_api_outside_the_workspace(world, fang, role, index):
    method, url = other_apis(fang)[index]
    client = signed_in(getattr(world, role))

    response = getattr(client, method)(url, {}, content_type="application/json") if method == "post" \
        else client.get(url)

    assert response.status_code == 403, url
    assert "detail" in response.json()


@pytest.mark.parametrize("action", ["put-on", "take-off"])
def test_a_guide_cannot_change_tags_through_the_tags_api(world, customer, action):
    # given a store-B member (outside store A's scope) and a tag guides may use in the workspace
    other = customer(store=world.store_b)
    tag = a_tag("tea", guide_usable=True)
    if action == "take-off":
        put_on(tag=tag, member_ids=[other.pk], actor=world.operator)
    held = set(TagMembership.objects.values_list("member_id", "tag_id"))

    # when store A's guide calls the tags API on her
    response = signed_in(world.guide_a).post(f"/api/tags/{action}/", {"tag": "tea", "member_codes": [other.code]},
                                             content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")

    # then refused, and her tags are as they were
    assert response.status_code == 403
    assert set(TagMembership.objects.values_list("member_id", "tag_id")) == held


# ---- the store page ----------------------------------------------------------------------------------


def test_a_manager_opens_their_stores_page(world):
    response = signed_in(world.manager_a).get(f"/workspace/stores/{world.store_a.code}/")

    assert response.status_code == 200
    assert world.store_a.name in response.content.decode()


def test_a_manager_gets_404_for_another_stores_page(world):
    assert signed_in(world.manager_a).get(f"/workspace/stores/{world.store_b.code}/").status_code == 404


def test_a_manager_gets_404_for_an_unknown_store(world):
    assert signed_in(world.manager_a).get("/workspace/stores/NOPE/").status_code == 404


def test_a_guide_gets_403_for_the_store_page(world):
    assert signed_in(world.guide_a).get(f"/workspace/stores/{world.store_a.code}/").status_code == 403


def test_a_manager_of_the_store_role_but_a_guide_there_gets_404(world):
    # given a store-manager-role user who works in store A as a guide, not as its manager
    from tests.workspace.conftest import staff

    deputy = staff("deputy", STORE_MANAGER, store=world.store_a)

    assert signed_in(deputy).get(f"/workspace/stores/{world.store_a.code}/").status_code == 404


def test_an_operator_opens_any_stores_page(world):
    client = signed_in(world.operator)

    assert client.get(f"/workspace/stores/{world.store_a.code}/").status_code == 200
    assert client.get(f"/workspace/stores/{world.store_b.code}/").status_code == 200


# ---- the operator --------------------------------------------------------------------------------------


def test_the_operator_opens_any_card(world, customer):
    # given members in store A, store B and in no store
    members = [customer(store=world.store_a), customer(store=world.store_b), customer()]
    client = signed_in(world.operator)

    # then every card opens, on the page and through the API
    for member in members:
        assert client.get(f"/workspace/m/{member.code}/").status_code == 200
        assert client.get(f"/api/workspace/members/{member.code}/card/").json()["profile"]["code"] == member.code


# ---- the one list of permissions ---------------------------------------------------------------------------


def group_permissions(name: str) -> set[str]:
    return {f"{app}.{codename}" for app, codename in
            Group.objects.get(name=name).permissions.values_list("content_type__app_label", "codename")}


def test_the_guide_group_holds_exactly_the_listed_permissions(db):
    assert group_permissions(GUIDE) == set(GUIDE_PERMISSIONS)


def test_the_store_manager_group_holds_exactly_the_listed_permissions(db):
    assert group_permissions(STORE_MANAGER) == set(ROLE_PERMISSIONS[STORE_MANAGER])
    assert group_permissions(STORE_MANAGER) == set(GUIDE_PERMISSIONS) | {"workspace.view_store_report"}


def test_a_guide_user_holds_nothing_beyond_the_list(world):
    assert world.guide_a.get_all_permissions() == set(GUIDE_PERMISSIONS)


def test_neither_list_lets_store_staff_see_full_phones_or_everyone(db):
    for role in (GUIDE, STORE_MANAGER):
        assert not {"members.reveal_phone", "members.view_all_members", "members.view_member",
                    "loyalty.view_liability_report"} & group_permissions(role)


# ---- no full mobile in any workspace response ---------------------------------------------------------------

MOBILE = "13900001234"
# The number with any of the separators people type between its digits (spaces, dashes, dots, brackets).
FULL_MOBILE = re.compile(r"[\s\-.()/·_,\u00a0]{0,3}".join(MOBILE))


@pytest.fixture
def noted(world, fang):
    """fang with her number written into every free text a guide and a manager read about her: a
    follow-up with today's reminder (home), an overdue one (store page), a binding's reason
    (timeline), store consent evidence (timeline) and a tag's reason (why)."""
    services.write_follow_up(member=fang, author=world.guide_a, kind="phone", text="回电 13900001234 约周六到店",
                             remind_on=timezone.localdate())
    FollowUp.objects.create(member=fang, origin_member=fang, author=world.guide_a, kind="wechat",
                            text="微信 +86 139-0000-1234 未回", remind_on=timezone.localdate() - timedelta(days=3))
    services.bind_to_me(member=fang, actor=world.guide_a, reason="顾客留号 139 0000 1234")
    services.record_store_consent(member=fang, actor=world.guide_a, granted=True, evidence="短信 13900001234 回复同意")
    services.set_tag(member=fang, tag_id=a_tag("tea", guide_usable=True).pk, on=True, actor=world.guide_a,
                     reason="+8613900001234 说爱喝茶")
    return fang


def scanned(world, member) -> dict[str, tuple[str, str]]:
    """Each response a guide or a manager gets about `member`: name → (user, url)."""
    pages = workspace_pages(member)
    tea = TagMembership.objects.get(member=member, tag__code="tea")
    return {
        **{name: ("guide_a", url) for name, url in pages.items()},
        "tag-why-guide-reason": ("guide_a", f"/workspace/m/{member.code}/tags/{tea.pk}/"),
        "search-by-masked": ("guide_a", "/workspace/search/?q=139****1234"),
        "search-api-by-code": ("guide_a", f"/api/workspace/members/search/?q={member.code}"),
        "store-page": ("manager_a", f"/workspace/stores/{world.store_a.code}/"),
        "manager-home": ("manager_a", "/workspace/"),
        "manager-card": ("manager_a", f"/workspace/m/{member.code}/"),
        "manager-timeline": ("manager_a", f"/workspace/m/{member.code}/timeline/"),
        "manager-card-api": ("manager_a", f"/api/workspace/members/{member.code}/card/"),
    }


SCANNED = ["home", "search", "register", "card", "timeline", "tag-why", "tag-why-fragment", "add-tag", "card-api",
           "search-api", "tag-why-guide-reason", "search-by-masked", "search-api-by-code", "store-page",
           "manager-home", "manager-card", "manager-timeline", "manager-card-api"]

@pytest.mark.parametrize("name", SCANNED)
def test_no_workspace_response_carries_the_full_mobile(world, noted, name):
    user, url = scanned(world, noted)[name]

    response = signed_in(getattr(world, user)).get(url)

    text = response.content.decode()
    assert response.status_code == 200, url
    assert MOBILE not in text and "+86" + MOBILE not in text
    assert not FULL_MOBILE.search(text), FULL_MOBILE.search(text)


def test_the_scan_would_find_the_number_shown_to_someone_allowed(world, noted):
    # the control: the operator (members.reveal_phone) gets her number on the card by an audited reveal
    text = signed_in(world.operator).post(f"/workspace/m/{noted.code}/reveal/", {"reason": "核对"}).content.decode()

    assert FULL_MOBILE.search(text)


def test_the_scan_pattern_finds_each_format(db):
    for written in ("13900001234", "+8613900001234", "139 0000 1234", "139-0000-1234", "(139)0000.1234"):
        assert FULL_MOBILE.search(f"<p>{written}</p>"), written
    assert not FULL_MOBILE.search("<p>139****1234</p>")


def test_a_card_shows_the_address_to_district_level_only(world, customer):
    # given a member whose record carries a street address
    from members.services import IncomingRecord, resolve_record

    member = resolve_record(IncomingRecord(channel="pos", external_id="addr-1", mobile="13900005555",
                                           store_code=world.store_a.code, province="上海市", city="上海市",
                                           district="静安区", address="南京西路 1266 号 2 楼", seen_at=at("2026-01-01"))).member
    client = signed_in(world.guide_a)

    html = client.get(f"/workspace/m/{member.code}/").content.decode()
    api = client.get(f"/api/workspace/members/{member.code}/card/").content.decode()

    assert "静安区" in html
    assert "南京西路" not in html and "南京西路" not in api and "1266" not in api


def test_the_test_database_template_follows_every_project_apps_code(db):
    # the groups' permissions are applied after migrate, when the template is built (tests/db_template.py)
    from pathlib import Path

    from django.apps import apps

    from tests.db_template import CODE_DIRS, ROOT

    project_apps = {Path(c.path).name for c in apps.get_app_configs() if Path(c.path).parent == ROOT}
    assert project_apps <= set(CODE_DIRS)
