"""The members REST API for mini-programs and POS."""

from base64 import b64encode

import pytest
from django.contrib.auth.models import Group, Permission, User

from core.roles import GUIDE, OPERATOR
from members.models import Member


@pytest.fixture
def api_user(db):
    """A caller in a role group; with no role, one who reads members only (not members.reveal_phone)."""

    def _make(role=None):
        user = User.objects.create_user(username=f"api-{role or 'reader'}")
        if role:
            user.groups.add(Group.objects.get(name=role))
        else:
            user.user_permissions.add(Permission.objects.get(content_type__app_label="members", codename="view_member"))
        return user

    return _make


def test_a_reader_finds_a_member_by_spaced_mobile_and_sees_it_masked(client, person, api_user):
    member = person(channel="pos", external_id="p-1", mobile="13812345678", name="张三").member
    client.force_login(api_user())

    response = client.get("/api/members/", {"q": "138 1234 5678"})

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["code"] == member.code and row["mobile"] == "138****5678"


def test_an_operator_sees_the_full_mobile(client, person, api_user):
    member = person(channel="pos", external_id="p-1", mobile="13812345678").member
    client.force_login(api_user(OPERATOR))

    response = client.get(f"/api/members/{member.code}/")

    assert response.json()["mobile"] == "+8613812345678"


def test_resolve_registers_then_recognises_a_mini_program_user(client, api_user):
    user = api_user(OPERATOR)
    user.user_permissions.add(Permission.objects.get(codename="add_member"))
    client.force_login(user)
    body = {"channel": "wechat_mp", "external_id": "openid-1", "mobile": "13812345678",
            "identifiers": {"wechat_unionid": "oUnion-001"}}

    first = client.post("/api/members/resolve/", body, content_type="application/json")
    second = client.post("/api/members/resolve/", {**body, "external_id": "openid-2"}, content_type="application/json")

    assert first.status_code == 201 and first.json()["created"] is True
    assert second.status_code == 200 and second.json()["member"]["code"] == first.json()["member"]["code"]
    assert Member.objects.count() == 1


def test_guides_are_refused_the_member_api(client, person, api_user):
    # given a guide: they find their customers in the workspace (its own search API), within their scope
    member = person(channel="pos", external_id="p-1", mobile="13812345678").member
    client.force_login(api_user(GUIDE))

    # when / then
    assert client.get("/api/members/", {"q": "13812345678"}).status_code == 403
    assert client.get(f"/api/members/{member.code}/").status_code == 403


@pytest.mark.parametrize("role", [None, GUIDE])
def test_resolve_without_permission_is_forbidden(client, api_user, role):
    client.force_login(api_user(role))

    response = client.post("/api/members/resolve/", {"channel": "pos", "mobile": "13812345678"},
                           content_type="application/json")

    assert response.status_code == 403


def test_resolve_rejects_bad_input_with_reasons(client, api_user):
    user = api_user(OPERATOR)
    user.is_superuser = True
    user.save()
    client.force_login(user)

    unknown_kind = client.post("/api/members/resolve/", {"channel": "pos", "identifiers": {"qq": "1"}},
                               content_type="application/json")
    no_identifier = client.post("/api/members/resolve/", {"channel": "pos", "name": "张三"},
                                content_type="application/json")

    assert unknown_kind.status_code == 400 and "qq" in unknown_kind.json()["identifiers"][0]
    assert no_identifier.status_code == 400 and "没有可用于识别会员的标识" in no_identifier.json()["detail"]


def basic_auth(username, password):
    return "Basic " + b64encode(f"{username}:{password}".encode()).decode()


def test_wrong_basic_auth_credentials_answer_401_with_a_basic_challenge(client, api_user):
    user = api_user()
    user.set_password("right-password-1")
    user.save()

    response = client.get("/api/members/", HTTP_AUTHORIZATION=basic_auth(user.username, "wrong"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")


def test_an_anonymous_caller_is_asked_to_authenticate_with_401(client, db):
    response = client.get("/api/members/")

    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Basic")


def test_right_basic_auth_credentials_read_the_api(client, api_user):
    user = api_user()
    user.set_password("right-password-1")
    user.save()

    response = client.get("/api/members/", HTTP_AUTHORIZATION=basic_auth(user.username, "right-password-1"))

    assert response.status_code == 200


def api_schema(client):
    return client.get("/api/schema/", {"format": "json"}).json()


def test_a_member_without_a_home_store_comes_back_null_and_the_schema_allows_it(client, person, api_user):
    member = person(channel="pos", external_id="p-1", mobile="13812345678").member
    client.force_login(api_user())

    body = client.get(f"/api/members/{member.code}/").json()
    declared = api_schema(client)["components"]["schemas"]["Member"]["properties"]["home_store"]

    assert body["home_store"] is None
    assert declared.get("nullable") is True


def test_every_operation_documents_its_error_responses_with_a_body(client, api_user):
    client.force_login(api_user(GUIDE))

    paths = api_schema(client)["paths"]

    for path, operations in paths.items():
        for method, operation in operations.items():
            for code in ("401", "403", "404"):
                assert "content" in operation["responses"].get(code, {}), (method, path, code)
            if method == "post":
                assert "content" in operation["responses"].get("400", {}), (method, path)


def test_an_unknown_api_path_answers_a_json_404(client, api_user):
    client.force_login(api_user(GUIDE))

    # (an id no route pattern matches, as schemathesis sends for an integer path parameter)
    response = client.get("/api/loyalty/accounts/0.5e-3/")

    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert "detail" in response.json()
