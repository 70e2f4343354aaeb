"""The loyalty REST API: balances and ledger, redeem with an Idempotency-Key, reverse; permissions; schema."""

import re

import pytest

from core.roles import ADMIN, GUIDE, OPERATOR
from loyalty.models import EntryKind, LedgerEntry
from loyalty.services import earn
from tests.conftest import at

from .conftest import balances, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    def _login(*, group=None, perms=()):
        login(client, f"api-{group or '-'.join(perms) or 'none'}", group=group, perms=perms, staff=False)
        return client

    return _login


@pytest.fixture
def funded(account):
    acct = account(name="积分", expiry_policy="days_after_earn", expiry_days=30)
    earn(account=acct, points=100, occurred_at=at("2026-11-20"), idempotency_key="e1", now=at("2026-11-20"))
    return acct


def post_redeem(client, account, points, key="pos-1", **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/loyalty/accounts/{account.pk}/redeem/", {"points": points, **extra},
                       content_type="application/json", **headers)


READER = ("loyalty.view_pointsaccount", "loyalty.view_ledgerentry")  # no redeem, no reverse


def test_a_reader_reads_a_members_accounts_with_balances_and_recent_entries(api, funded):
    client = api(perms=READER)

    response = client.get(f"/api/loyalty/members/{funded.member.code}/")

    assert response.status_code == 200
    [summary] = response.json()["accounts"]
    assert summary["account"]["available"] == 100 and summary["account"]["account_name"] == "积分"
    assert summary["next_expiry"]["points"] == 100
    assert [e["kind"] for e in summary["recent_entries"]] == ["earn"]


def test_an_unknown_member_is_404(api, db):
    assert api(perms=READER).get("/api/loyalty/members/NOPE/").status_code == 404


def test_guides_are_refused_the_loyalty_api(api, funded):
    # given a guide: they read a member's points on the workspace card, not here
    client = api(group=GUIDE)
    entry = LedgerEntry.objects.get()

    # when / then
    assert client.get(f"/api/loyalty/members/{funded.member.code}/").status_code == 403
    assert client.get(f"/api/loyalty/accounts/{funded.pk}/entries/").status_code == 403
    assert client.get(f"/api/loyalty/entries/{entry.pk}/").status_code == 403


def test_the_ledger_of_an_account_is_paginated_newest_first(api, funded):
    client = api(group=ADMIN)
    post_redeem(client, funded, 10)

    response = client.get(f"/api/loyalty/accounts/{funded.pk}/entries/")

    assert [e["kind"] for e in response.json()["results"]] == ["redeem", "earn"]


def test_redeem_spends_once_per_idempotency_key(api, funded):
    client = api(group=ADMIN)

    first = post_redeem(client, funded, 30, reason="兑换礼品")
    again = post_redeem(client, funded, 30, reason="兑换礼品")

    assert first.status_code == 201 and first.json()["replayed"] is False
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["entry"]["id"] == first.json()["entry"]["id"]
    assert first.json()["account"]["available"] == 70
    assert balances(funded)[0] == 70


def test_redeem_without_the_header_is_refused(api, funded):
    response = post_redeem(api(group=ADMIN), funded, 30, key=None)

    assert response.status_code == 400 and "Idempotency-Key" in response.json()["detail"]


def test_redeem_beyond_the_balance_says_how_much_is_available(api, funded):
    response = post_redeem(api(group=ADMIN), funded, 300)

    assert response.status_code == 400
    assert response.json()["code"] == "insufficient_points" and "当前可用 100" in response.json()["detail"]


def test_a_key_reused_for_another_amount_is_a_conflict(api, funded):
    client = api(group=ADMIN)
    post_redeem(client, funded, 30)

    response = post_redeem(client, funded, 40)

    assert response.status_code == 409 and response.json()["code"] == "idempotency_conflict"


@pytest.mark.parametrize("points", [0, -5, "abc"])
def test_redeem_rejects_bad_amounts(api, funded, points):
    response = post_redeem(api(group=ADMIN), funded, points)

    assert response.status_code == 400 and "points" in response.json()


@pytest.mark.parametrize("role", [OPERATOR, GUIDE])
def test_readers_and_guides_cannot_redeem_or_reverse(api, funded, role):
    client = api(group=role)  # operators read the ledger (loyalty.view_*) but hold neither right

    redeemed = post_redeem(client, funded, 10)
    entry = LedgerEntry.objects.get()
    reversed_ = client.post(f"/api/loyalty/entries/{entry.pk}/reverse/", {}, content_type="application/json")

    assert redeemed.status_code == 403 and reversed_.status_code == 403
    assert balances(funded)[0] == 100


def test_a_redemption_is_reversed_once(api, funded):
    client = api(group=ADMIN)
    redemption = post_redeem(client, funded, 30).json()["entry"]["id"]
    url = f"/api/loyalty/entries/{redemption}/reverse/"

    first = client.post(url, {"reason": "退货"}, content_type="application/json")
    second = client.post(url, {}, content_type="application/json")

    assert first.status_code == 201 and second.status_code == 200 and second.json()["replayed"]
    assert balances(funded)[0] == 100
    assert LedgerEntry.objects.filter(kind=EntryKind.REVERSAL).count() == 1


def test_only_redemptions_can_be_reversed(api, funded):
    entry = LedgerEntry.objects.get()

    response = api(group=ADMIN).post(f"/api/loyalty/entries/{entry.pk}/reverse/", {}, content_type="application/json")

    assert response.status_code == 400 and "只能撤销兑换" in response.json()["detail"]


def test_anonymous_callers_are_refused(client, funded):
    assert client.get(f"/api/loyalty/members/{funded.member.code}/").status_code in (401, 403)
    assert post_redeem(client, funded, 10).status_code in (401, 403)


def test_the_schema_documents_the_loyalty_endpoints_and_the_idempotency_header(api, db):
    schema = api(group=GUIDE).get("/api/schema/").content.decode()

    assert "/api/loyalty/accounts/{id}/redeem/" in schema
    assert "/api/loyalty/entries/{id}/reverse/" in schema
    assert "/api/loyalty/members/{code}/" in schema
    assert "Idempotency-Key" in schema


def test_an_entry_without_an_order_comes_back_null_and_the_schema_allows_it(api, funded):
    client = api(perms=READER)
    entry = LedgerEntry.objects.get()

    body = client.get(f"/api/loyalty/entries/{entry.pk}/").json()
    declared = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]["Entry"]

    assert body["order_no"] is None
    assert declared["properties"]["order_no"].get("nullable") is True


def test_the_schema_documents_the_redeem_conflict_and_refuses_a_whitespace_only_key(api, db):
    schema = api(group=GUIDE).get("/api/schema/", {"format": "json"}).json()
    redeem = schema["paths"]["/api/loyalty/accounts/{id}/redeem/"]["post"]
    [header] = [p for p in redeem["parameters"] if p["name"] == "Idempotency-Key"]
    pattern = re.compile(header["schema"]["pattern"])

    assert "409" in redeem["responses"]
    assert pattern.search("pos-1") and pattern.search(" pos-1 ") and pattern.search("k" * 80)
    assert not pattern.search("   ") and not pattern.search("") and not pattern.search("k" * 81)

