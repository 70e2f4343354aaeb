"""E-mail addresses are contact details like phones: masked for staff without members.reveal_phone."""

import pytest

from core.roles import OPERATOR, sync_role_permissions
from members.models import SourceProfile
from tests.masked_viewer import masked_viewer
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


def test_a_viewer_sees_the_email_masked_on_the_member_page_the_profile_page_and_the_api(client, customer):
    # given staff who may read members and channel profiles (without members.reveal_phone)
    masked_viewer(client, "members.view_member", "members.view_sourceprofile")
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
