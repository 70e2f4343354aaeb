"""Phone masking for staff without the reveal permission, what staff who may only read members may not do,
and that store guides are kept out of the member admin."""

import pytest

from members.models import Member, MemberStatus, MergeRecord
from members.services import merge_members
from tests.masked_viewer import sent_to_admin_login, sign_in_guide
from tests.members.admin_helpers import E164, MOBILE, change, changelist, post_merge, staff

# Imports written `name as name` are fixtures: pytest looks them up by name in this module.
from tests.members.admin_helpers import alice as alice
from tests.members.admin_helpers import bob as bob

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer_client(client):
    """Staff who may read members and their rows but not see full phones."""
    perms = ("view_member", "view_identity", "view_sourceprofile", "view_order", "view_mergerecord")
    staff(client, "viewer", perms=tuple(f"members.{p}" for p in perms))
    return client


def test_viewer_without_reveal_sees_masked_phone_in_member_list(viewer_client, alice):
    # when
    response = viewer_client.get(changelist("member"))

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "138****8000" in content
    assert MOBILE not in content


def test_viewer_without_reveal_sees_masked_phones_on_member_page(viewer_client, alice):
    # when
    response = viewer_client.get(change(alice))

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "138****8000" in content
    assert MOBILE not in content  # neither the profile, the identity nor the channel account shows it


def test_viewer_without_reveal_sees_no_full_phone_in_member_rows(viewer_client, person, alice):
    # given a channel account whose id was derived from the mobile ("mobile:+86…")
    person(channel="pos", mobile=MOBILE)

    # when
    response = viewer_client.get(change(alice))

    # then the identity and channel-account rows are shown, masked
    content = response.content.decode()
    assert "lili_2020" in content and "ouid-alice" in content
    assert "mobile:138****8000" in content
    assert MOBILE not in content


def test_identity_page_title_is_masked_without_reveal(viewer_client, alice):
    # given
    identity = alice.identities.get(kind="mobile")

    # when
    response = viewer_client.get(change(identity))

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "手机号:138****8000" in content
    assert MOBILE not in content


def test_superuser_sees_full_phone(admin_client, alice):
    # when
    response = admin_client.get(changelist("member"))

    # then
    assert E164 in response.content.decode()


def test_a_reader_is_not_offered_the_merge_action(viewer_client, alice):
    # when
    response = viewer_client.get(changelist("member"))

    # then
    assert response.status_code == 200
    assert "merge_selected" not in response.content.decode()


def test_a_reader_cannot_merge_by_posting_the_action(viewer_client, alice, bob):
    # when
    post_merge(viewer_client, alice, bob, confirm="yes", reason="同一人")

    # then
    assert not MergeRecord.objects.exists()
    assert Member.objects.filter(status=MemberStatus.ACTIVE).count() == 2


def test_a_reader_cannot_edit_or_delete_members(viewer_client, alice):
    # when
    response = viewer_client.post(change(alice), {"name": "改名"})

    # then
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.name == "王丽"


def test_merge_record_hides_phones_from_viewer_without_reveal(client, alice, person):
    # given a merge triggered by a shared mobile, seen by staff allowed to view merges but not phones
    other = person(channel="jd", external_id="jd-1", mobile="13700137000").member
    record = merge_members(
        survivor_id=alice.pk, absorbed_id=other.pk, rule="mobile", identifier_value="+8613700137000",
        reason="jd 记录 mobile:+8613700137000 同时关联两人",
    )
    staff(client, "auditor", perms=("members.view_mergerecord",))

    # when
    pages = [client.get(changelist("mergerecord")), client.get(change(record))]

    # then
    for page in pages:
        content = page.content.decode()
        assert page.status_code == 200
        assert "13700137000" not in content
        assert "13800138000" not in content
        assert "137****7000" in content


def test_a_guide_is_sent_to_the_admin_login_from_the_member_list_and_page_and_cannot_merge(client, alice, bob):
    # given a guide (not is_staff: they read their customers in the workspace)
    sign_in_guide(client)

    # when they open the member list and page, and post the merge action
    pages = [client.get(changelist("member")), client.get(change(alice)),
             post_merge(client, alice, bob, confirm="yes", reason="同一人")]

    # then the admin sends them to its login each time, and nothing was merged
    assert sent_to_admin_login(pages[0]) and sent_to_admin_login(pages[1])
    assert pages[2].redirect_chain[0][0].startswith("/admin/login/")
    assert MOBILE not in "".join(page.content.decode() for page in pages)
    assert not MergeRecord.objects.exists()
