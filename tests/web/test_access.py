"""Every page and API needs authentication and the right permission."""

import pytest

from core.roles import ADMIN, GUIDE, OPERATOR, STORE_MANAGER
from tests.masked_viewer import sent_to_admin_login


@pytest.mark.parametrize("url", ["/", "/api/members/", "/api/schema/", "/api/docs/"])
def test_anonymous_visitors_are_turned_away(client, url, db):
    response = client.get(url)

    assert response.status_code in (302, 401, 403)
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")


def test_admin_requires_login(client, db):
    response = client.get("/admin/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_login_page_is_in_chinese_and_signs_staff_in(client, staff):
    staff(OPERATOR)

    page = client.get("/accounts/login/")
    response = client.post("/accounts/login/", {"username": f"u-{OPERATOR}", "password": "pw-123456"})

    assert "员工登录" in page.content.decode()
    assert response.status_code == 302 and response["Location"] == "/"
    assert "待审核疑似重复" in client.get("/").content.decode()


def test_wrong_password_shows_an_error(client, staff):
    staff(OPERATOR)

    response = client.post("/accounts/login/", {"username": f"u-{OPERATOR}", "password": "nope"})

    assert "用户名或密码不正确" in response.content.decode()


def test_api_docs_and_schema_open_for_signed_in_staff(client, staff):
    client.force_login(staff(GUIDE))

    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.parametrize(
    ("role", "expected"),
    [(ADMIN, {"members.add_mergerecord", "members.change_matchrule", "members.reveal_phone"}),
     (OPERATOR, {"members.change_mergecandidate", "members.reveal_phone", "members.view_order"}),
     (GUIDE, {"workspace.use_workspace", "workspace.add_followup", "members.add_consentrecord"}),
     (STORE_MANAGER, {"workspace.use_workspace", "workspace.view_store_report"})],
)
def test_roles_are_groups_with_the_permissions_they_need(staff, role, expected):
    user = staff(role)

    assert expected <= user.get_all_permissions()


def test_guides_cannot_merge_or_see_full_phones(staff):
    user = staff(GUIDE)

    assert not user.has_perm("members.add_mergerecord")
    assert not user.has_perm("members.reveal_phone")
    assert not user.has_perm("members.change_matchrule")


@pytest.mark.parametrize("role", [GUIDE, STORE_MANAGER])
def test_store_roles_read_members_only_in_the_workspace(staff, role):
    user = staff(role)

    # no permission of the admin's or the API's member, loyalty or tag pages: their one list is workspace/roles.py
    held = user.get_all_permissions()
    assert not [p for p in held if p.split(".")[0] in ("members", "loyalty", "tagging") and ".view_" in p]


@pytest.mark.parametrize("role", [GUIDE, STORE_MANAGER])
@pytest.mark.parametrize("url", ["/admin/", "/admin/members/member/", "/admin/loyalty/ledgerentry/"])
def test_store_roles_are_sent_to_the_admin_login(client, staff, role, url):
    client.force_login(staff(role))

    assert sent_to_admin_login(client.get(url))


@pytest.mark.parametrize("role", [GUIDE, STORE_MANAGER])
@pytest.mark.parametrize("url", ["/api/members/", "/api/tags/", "/api/conditions/fields/", "/api/segments/"])
def test_store_roles_are_refused_the_apis_outside_the_workspace(client, staff, role, url):
    client.force_login(staff(role))

    assert client.get(url).status_code == 403
