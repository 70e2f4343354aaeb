"""A phone typed into a ledger reason is masked on the API and the admin for staff without members.reveal_phone;
operators see it."""

import pytest
from django.urls import reverse

from core.roles import OPERATOR
from loyalty.services import adjust
from tests.masked_viewer import masked_viewer

from .conftest import login

pytestmark = pytest.mark.django_db

REASON = "礼品寄至 13912345678"
MASKED = "礼品寄至 139****5678"


@pytest.fixture
def entry(account):
    """A manual adjustment whose reason carries the member's phone, as staff typed it."""
    acct = account(name="积分")
    return adjust(account=acct, points=50, reason=REASON, idempotency_key="gift-1")


@pytest.fixture
def viewer(client):
    """Staff who may read accounts and their ledger but not see full phones."""
    masked_viewer(client, "loyalty.view_pointsaccount", "loyalty.view_ledgerentry")
    return client


@pytest.fixture
def operator(client):
    login(client, "operator", group=OPERATOR)
    return client


def shows_number(response) -> bool:
    return "13912345678" in response.content.decode()


def test_a_viewer_reading_the_entry_over_the_api_sees_the_reason_masked(viewer, entry):
    response = viewer.get(f"/api/loyalty/entries/{entry.pk}/")

    assert response.status_code == 200
    assert response.json()["reason"] == MASKED
    assert not shows_number(response)


def test_a_viewer_reading_the_members_points_over_the_api_sees_the_reason_masked(viewer, entry):
    response = viewer.get(f"/api/loyalty/members/{entry.account.member.code}/")

    assert response.status_code == 200
    assert [e["reason"] for a in response.json()["accounts"] for e in a["recent_entries"]] == [MASKED]
    assert not shows_number(response)


def test_a_viewer_on_the_admin_ledger_list_and_entry_page_sees_the_reason_masked(viewer, entry):
    listing = viewer.get(reverse("admin:loyalty_ledgerentry_changelist"))
    page = viewer.get(reverse("admin:loyalty_ledgerentry_change", args=[entry.pk]))

    for response in (listing, page):
        assert response.status_code == 200
        assert MASKED in response.content.decode()
        assert not shows_number(response)


def test_a_viewer_on_the_admin_account_page_sees_the_reason_masked(viewer, entry):
    response = viewer.get(reverse("admin:loyalty_pointsaccount_change", args=[entry.account_id]))

    assert response.status_code == 200
    assert MASKED in response.content.decode()
    assert not shows_number(response)


def test_an_operator_who_may_see_phones_reads_the_full_reason_everywhere(operator, entry):
    # given an operator (members.reveal_phone); when reading the entry on every page that shows it
    api_entry = operator.get(f"/api/loyalty/entries/{entry.pk}/").json()
    api_member = operator.get(f"/api/loyalty/members/{entry.account.member.code}/").json()
    api_ledger = operator.get(f"/api/loyalty/accounts/{entry.account_id}/entries/").json()
    pages = [
        operator.get(reverse("admin:loyalty_ledgerentry_changelist")),
        operator.get(reverse("admin:loyalty_ledgerentry_change", args=[entry.pk])),
        operator.get(reverse("admin:loyalty_pointsaccount_change", args=[entry.account_id])),
    ]

    # then the reason is shown as typed
    assert api_entry["reason"] == REASON
    assert api_member["accounts"][0]["recent_entries"][0]["reason"] == REASON
    assert api_ledger["results"][0]["reason"] == REASON
    assert all(REASON in page.content.decode() for page in pages)
