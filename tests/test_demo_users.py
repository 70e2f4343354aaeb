"""The demo logins `make run` prints: one per staff role, each able to do its role's work."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def test_demo_logins_are_refused_outside_development(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError):
        call_command("create_demo_users", password="demo-pass-1")


@pytest.mark.parametrize("username, liability_status", [
    ("admin", 200), ("finance", 200), ("operator", 403), ("guide", 403),
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
