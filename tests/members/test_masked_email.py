"""E-mail addresses are contact details like phones: masked for staff without members.reveal_phone."""

import pytest
from django.contrib.auth.models import Permission, User

from core.roles import GUIDE, OPERATOR, sync_role_permissions
from members.models import SourceProfile
from tests.members.admin_helpers import change, staff

pytestmark = pytest.mark.django_db

EMAIL = "zhangwei.shop@example.com"


@pytest.fixture
def customer(person):
    return person(channel="mall", external_id="m-1", name="张伟", email=EMAIL, seen="2026-01-01").member


def signed_in(client, role):
    sync_role_permissions()
    staff(client, f"staff-{role}", group=role)
    return client


def test_a_guide_sees_the_email_masked_on_the_member_page_the_profile_page_and_the_api(client, customer):
    # given a guide who may also read channel profiles (without members.reveal_phone)
    signed_in(client, GUIDE)
    user = User.objects.get(username=f"staff-{GUIDE}")
    user.user_permissions.add(Permission.objects.get(codename="view_sourceprofile"))
    profile = SourceProfile.objects.get(member=customer)

    # when they read the member on the admin pages and the API
    pages = [client.get(change(customer)), client.get(change(profile)),
             client.get(f"/api/members/{customer.code}/")]

    # then each answers, and none shows the address in full
    for page in pages:
        assert page.status_code == 200
        assert EMAIL not in page.content.decode()
    assert pages[2].json()["email"] == "z***@example.com"


def test_an_operator_sees_the_email_in_full(client, customer):
    signed_in(client, OPERATOR)

    assert EMAIL in client.get(change(customer)).content.decode()
    assert client.get(f"/api/members/{customer.code}/").json()["email"] == EMAIL
