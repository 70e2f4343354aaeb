"""A NUL character in a search or a URL never reaches PostgreSQL (which refuses it with an error)."""

import pytest

from core.roles import ADMIN
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    login(client, "boss", group=ADMIN)
    return client


def test_a_nul_in_the_api_search_is_dropped_and_the_search_answers(admin_client, person):
    # given a member; when the API is searched with a NUL inside the code
    member = person(channel="mall", external_id="m-1", name="王丽").member
    response = admin_client.get("/api/members/", {"q": f"{member.code[:3]}\x00{member.code[3:]}"})

    # then it answers as for the code itself
    assert response.status_code == 200
    assert [row["code"] for row in response.json()["results"]] == [member.code]


@pytest.mark.parametrize("url", ["/admin/members/member/", "/admin/loyalty/ledgerentry/", "/imports/"])
def test_a_nul_in_an_admin_or_page_search_answers_without_error(admin_client, url):
    assert admin_client.get(url, {"q": "13\x00912"}).status_code == 200


def test_a_nul_in_an_api_path_is_a_json_404(admin_client):
    response = admin_client.get("/api/members/M0\x0001/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
