"""The order list filtered by member, and the match-rule and blocked-value configuration screens."""

import pytest
from django.urls import reverse

from members.models import Order

# Imports written `name as name` are fixtures: pytest looks them up by name in this module.
from tests.members.admin_helpers import alice as alice
from tests.members.admin_helpers import bob as bob
from tests.members.admin_helpers import changelist

pytestmark = pytest.mark.django_db


def test_member_orders_link_filters_the_order_list(admin_client, alice, bob):
    # given
    for member, number in ((alice, "A-1"), (bob, "B-1")):
        Order.objects.create(channel="pos", external_no=number, member=member, status="paid")

    # when
    response = admin_client.get(changelist("order"), {"member__id__exact": alice.pk})

    # then
    assert [o.external_no for o in response.context["cl"].result_list] == ["A-1"]


def test_match_rules_are_edited_in_the_list(admin_client):
    # given
    from members.models import MatchRule

    rules = list(MatchRule.objects.order_by("priority", "kind"))
    data = {"form-TOTAL_FORMS": len(rules), "form-INITIAL_FORMS": len(rules), "_save": "保存"}
    for i, rule in enumerate(rules):
        data.update({
            f"form-{i}-id": rule.pk, f"form-{i}-priority": rule.priority,
            f"form-{i}-max_per_member": 1 if rule.kind == "mobile" else rule.max_per_member,
        })
        if rule.enabled and rule.kind != "email":
            data[f"form-{i}-enabled"] = "on"

    # when
    response = admin_client.post(changelist("matchrule"), data)

    # then
    assert response.status_code == 302
    assert MatchRule.objects.get(kind="mobile").max_per_member == 1
    assert MatchRule.objects.get(kind="email").enabled is False


def test_blocked_value_is_stored_normalized(admin_client):
    # given
    from members.models import BlockedValue

    # when
    response = admin_client.post(
        reverse("admin:members_blockedvalue_add"),
        {"kind": "mobile", "value": "139-1234-5678", "reason": "门店共用测试号"},
    )

    # then
    assert response.status_code == 302
    assert BlockedValue.objects.get().value == "+8613912345678"
