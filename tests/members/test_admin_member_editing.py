"""Member admin edits go through the services: no delete, profile edits, adding members and consents."""

import pytest
from django.urls import reverse

from members.models import ConsentRecord, Member

# Imports written `name as name` are fixtures: pytest looks them up by name in this module.
from tests.members.admin_helpers import alice as alice
from tests.members.admin_helpers import change

pytestmark = pytest.mark.django_db


def test_member_delete_is_disabled(admin_client, alice):
    # when
    response = admin_client.get(reverse("admin:members_member_delete", args=[alice.pk]))

    # then
    assert response.status_code == 403


def _extra_inline_prefixes():
    """Formset prefixes of the inlines higher apps add to the member page (e.g. loyalty's levels)."""
    from members.admin.members_admin import extra_member_inlines

    for inline in extra_member_inlines:
        fk = inline.model._meta.get_field(inline.fk_name or "member")
        yield fk.remote_field.get_accessor_name()


def _profile_form(member, **changes):
    data = {
        "name": member.name, "gender": member.gender, "birthday": member.birthday or "", "mobile": member.mobile,
        "email": member.email, "province": member.province, "city": member.city, "district": member.district,
        "address": member.address, "home_store": member.home_store_id or "", "attributes": "{}",
    }
    prefixes = ("identities", "source_profiles", "orders", "merges_as_survivor", *_extra_inline_prefixes())
    for prefix in prefixes:
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(changes)
    return data


def test_editing_name_records_a_manual_profile_that_wins(admin_client, alice):
    # when
    response = admin_client.post(change(alice), _profile_form(alice, name="王丽丽"))

    # then
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.name == "王丽丽"
    assert alice.source_profiles.filter(channel="manual").exists()


def test_invalid_edit_shows_the_service_error_and_changes_nothing(admin_client, alice):
    # when an undefined custom attribute is submitted
    response = admin_client.post(change(alice), _profile_form(alice, name="新名字", attributes='{"nope": 1}'))

    # then
    assert response.status_code == 200
    assert "未定义的自定义属性" in response.content.decode()
    alice.refresh_from_db()
    assert alice.name == "王丽"
    assert not alice.source_profiles.filter(channel="manual").exists()


def test_adding_a_member_creates_a_person_through_the_service(admin_client):
    # given
    data = _profile_form(Member(), name="赵敏", mobile="139 1234 5678", attributes="{}")

    # when
    response = admin_client.post(reverse("admin:members_member_add"), data)

    # then
    assert response.status_code == 302
    member = Member.objects.get(mobile="+8613912345678")
    assert member.name == "赵敏"
    assert member.identities.filter(kind="mobile", value="+8613912345678").exists()


def test_adding_a_consent_record_appends_history(admin_client, alice):
    # when
    response = admin_client.post(
        reverse("admin:members_consentrecord_add"),
        {"member": alice.pk, "channel": "sms", "status": "granted", "source": "门店纸质表单"},
    )

    # then
    assert response.status_code == 302
    record = ConsentRecord.objects.get(member=alice)
    assert record.status == "granted"
    assert record.actor.username == "admin"
