"""Every page and API needs authentication and the right permission."""

import pytest

from core.roles import ADMIN, GUIDE, OPERATOR


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
     (GUIDE, {"members.view_member", "members.add_consentrecord"})],
)
def test_roles_are_groups_with_the_permissions_they_need(staff, role, expected):
    user = staff(role)

    assert expected <= user.get_all_permissions()


def test_guides_cannot_merge_or_see_full_phones(staff):
    user = staff(GUIDE)

    assert not user.has_perm("members.add_mergerecord")
    assert not user.has_perm("members.reveal_phone")
    assert not user.has_perm("members.change_matchrule")
