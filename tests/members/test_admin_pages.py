"""The member admin pages, and the other members-app changelists and detail pages, render for a superuser."""

from decimal import Decimal

import pytest
from django.urls import reverse

from members.models import Order
from tests.conftest import at

# Imports written `name as name` are fixtures: pytest looks them up by name in this module.
from tests.members.admin_helpers import alice as alice
from tests.members.admin_helpers import bob as bob
from tests.members.admin_helpers import change, changelist, result_codes
from tests.members.admin_helpers import merge_record as merge_record

pytestmark = pytest.mark.django_db


def test_member_changelist_renders_for_superuser(admin_client, alice, bob):
    # when
    response = admin_client.get(changelist("member"))

    # then
    assert response.status_code == 200
    assert result_codes(response) == {alice.code, bob.code}


def test_member_change_page_renders_related_rows(admin_client, alice):
    # given an order for the member
    Order.objects.create(
        channel="tmall", external_no="T-1", member=alice, status="paid", paid_amount=Decimal("99.00"),
        ordered_at=at("2026-01-02"),
    )

    # when
    response = admin_client.get(change(alice))

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert "lili_2020" in content  # identity inline
    assert "ouid-alice" in content  # source profile inline
    assert "T-1" in content  # latest orders inline
    assert f"member__id__exact={alice.pk}" in content  # link to all of the member's orders


def test_merged_member_change_page_links_to_survivor(admin_client, merge_record, alice, bob):
    # when
    response = admin_client.get(change(bob))

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert change(alice) in content
    assert reverse("admin:members_mergerecord_change", args=[merge_record.pk]) in content


@pytest.mark.parametrize(
    "model",
    [
        "mergerecord", "mergecandidate", "matchrule", "blockedvalue", "store", "attributedefinition",
        "consentrecord", "order", "sourceprofile", "identity",
    ],
)
def test_other_changelists_render_for_superuser(admin_client, merge_record, model):
    # when
    response = admin_client.get(changelist(model))

    # then
    assert response.status_code == 200


def test_merge_record_detail_renders_snapshots(admin_client, merge_record):
    # when
    response = admin_client.get(change(merge_record))

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert "王立" in content  # absorbed snapshot, pretty-printed
    assert "渠道档案 1" in content  # moved counts


def test_source_profile_and_identity_detail_pages_render(admin_client, alice):
    # given
    profile = alice.source_profiles.get()
    identity = alice.identities.get(kind="tmall_nick")

    # when
    responses = [admin_client.get(change(profile)), admin_client.get(change(identity))]

    # then
    assert [r.status_code for r in responses] == [200, 200]


def test_member_add_page_renders(admin_client):
    # when
    response = admin_client.get(reverse("admin:members_member_add"))

    # then
    assert response.status_code == 200
