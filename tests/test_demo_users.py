"""The demo logins `make run` prints: one per staff role, each able to do its role's work."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.masked_viewer import sent_to_admin_login

pytestmark = pytest.mark.django_db


def test_demo_logins_are_refused_outside_development(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError):
        call_command("create_demo_users", password="demo-pass-1")


@pytest.mark.parametrize("username, liability_status", [
    ("admin", 200), ("finance", 200), ("operator", 403), ("guide", 403), ("guide2", 403), ("manager", 403),
])
def test_each_demo_login_signs_in_and_only_finance_roles_open_the_liability_report(
        settings, client, username, liability_status):
    # given the demo logins, created as `make run` does
    settings.DEBUG = True
    call_command("create_demo_users", password="demo-pass-1", stdout=StringIO())

    # when each signs in on the login page with the printed password
    response = client.post("/accounts/login/", {"username": username, "password": "demo-pass-1"})
    assert response.status_code == 302

    # then only 管理员 and 财务 open the liability report
    assert client.get("/loyalty/liability/").status_code == liability_status


@pytest.mark.parametrize("username, admin_opens", [
    ("admin", True), ("operator", True), ("finance", True), ("guide", False), ("guide2", False), ("manager", False),
])
def test_guides_and_the_store_manager_work_in_the_workspace_and_never_open_the_admin(
        settings, client, username, admin_opens):
    # given the demo logins, created as `make run` does
    settings.DEBUG = True
    call_command("create_demo_users", password="demo-pass-1", stdout=StringIO())
    client.post("/accounts/login/", {"username": username, "password": "demo-pass-1"})

    # when they open the admin
    response = client.get("/admin/")

    # then office staff get it; store staff are sent to its login
    assert (response.status_code == 200) is admin_opens
    assert sent_to_admin_login(response) is not admin_opens
