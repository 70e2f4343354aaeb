"""The points liability report is finance data: 管理员 and 财务 open it and its downloads, guides and
operators get 403 (their "loyalty.view_*" pattern does not grant it)."""

import pytest
from django.urls import reverse

from core.roles import ADMIN, FINANCE, GUIDE, OPERATOR

from .conftest import login

pytestmark = pytest.mark.django_db

PAGE_AND_DOWNLOADS = [
    pytest.param({}, id="page"),
    pytest.param({"format": "csv", "section": "outstanding"}, id="csv"),
    pytest.param({"format": "xlsx"}, id="xlsx"),
]


@pytest.mark.parametrize("role", [ADMIN, FINANCE])
@pytest.mark.parametrize("query", PAGE_AND_DOWNLOADS)
def test_admins_and_finance_open_the_liability_report_and_its_downloads(client, role, query):
    login(client, f"staff-{role}", group=role)

    response = client.get(reverse("loyalty:liability"), query)

    assert response.status_code == 200


@pytest.mark.parametrize("role", [GUIDE, OPERATOR])
@pytest.mark.parametrize("query", PAGE_AND_DOWNLOADS)
def test_guides_and_operators_are_refused_the_liability_report_and_its_downloads(client, role, query):
    login(client, f"staff-{role}", group=role)

    response = client.get(reverse("loyalty:liability"), query)

    assert response.status_code == 403


@pytest.mark.parametrize("role, linked", [(ADMIN, True), (FINANCE, True), (GUIDE, False), (OPERATOR, False)])
def test_the_nav_links_the_report_only_for_roles_that_may_open_it(client, role, linked):
    login(client, f"staff-{role}", group=role)

    home = client.get("/", follow=True)  # a guide's start page is the workspace

    assert home.status_code == 200
    assert (reverse("loyalty:liability") in home.content.decode()) is linked


def test_a_view_pattern_never_grants_the_finance_permission(db):
    from django.contrib.auth.models import Group

    from core.roles import sync_role_permissions

    sync_role_permissions()

    holders = set(Group.objects.filter(permissions__codename="view_liability_report").values_list("name", flat=True))
    assert holders == {ADMIN, FINANCE}
