"""Fixtures and helpers shared by the member admin test modules (tests/members/test_admin_*.py)."""

import pytest
from django.urls import reverse

from members.services import merge_members
from tests.conftest import at, login

MOBILE = "13800138000"
E164 = "+8613800138000"


def changelist(model: str) -> str:
    return reverse(f"admin:members_{model}_changelist")


def change(obj) -> str:
    return reverse(f"admin:members_{obj._meta.model_name}_change", args=[obj.pk])


def result_codes(response) -> set[str]:
    return {m.code for m in response.context["cl"].result_list}


staff = login  # the admin tests sign staff in by this name


@pytest.fixture
def alice(person):
    """A Tmall buyer with a mobile and a nick, registered first."""
    return person(
        channel="tmall", external_id="ouid-alice", name="王丽", mobile=MOBILE, city="上海市",
        identifiers={"tmall_nick": "lili_2020"}, registered_at=at("2024-01-01"),
    ).member


@pytest.fixture
def bob(person):
    """Another person (no shared identifier), registered later."""
    return person(
        channel="wechat_mp", external_id="openid-bob", name="王立", mobile="13900139000",
        registered_at=at("2025-06-01"),
    ).member


@pytest.fixture
def merge_record(admin_user, alice, bob):
    return merge_members(survivor_id=alice.pk, absorbed_id=bob.pk, rule="manual", actor=admin_user, reason="同一人")


def post_merge(client, *members, **extra):
    data = {"action": "merge_selected", "_selected_action": [m.pk for m in members], **extra}
    return client.post(changelist("member"), data, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]
