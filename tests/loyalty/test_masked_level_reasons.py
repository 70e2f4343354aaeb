"""A phone typed into a manual level's reason is masked on every level page for staff without
members.reveal_phone; admins see it."""

import pytest
from django.contrib.auth.models import Group, User

from core.roles import ADMIN
from loyalty.levels.services import member_level_for, set_manual_level
from loyalty.models import JobRun, Level, LevelScheme
from loyalty.services import open_role
from tests.masked_viewer import masked_viewer

pytestmark = pytest.mark.django_db

REASON = "投诉补偿，回访 139-1234-5678"
MASKED = "139****5678"


def staff(role):
    user = User.objects.create_user(username=f"s-{role}", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def manual_level(member, consumer):
    """A member given 金卡 by hand, with a reason that quotes their phone."""
    scheme = LevelScheme.objects.get(code="consumer")
    row = member_level_for(member_role=open_role(member=member(), role_type=consumer), scheme=scheme)
    return set_manual_level(member_level=row, level=Level.objects.get(scheme=scheme, code="gold"), reason=REASON)


def level_pages(client, row):
    return [
        client.get(f"/admin/loyalty/memberlevel/{row.pk}/change/"),
        client.get("/admin/loyalty/levelchange/"),
        client.get(f"/admin/members/member/{row.member_id}/change/"),
    ]


def test_a_viewer_sees_the_manual_level_reason_masked_on_every_level_page(client, manual_level):
    # Given staff who may read levels and members but not see phones
    masked_viewer(client, "loyalty.view_memberlevel", "loyalty.view_levelchange", "members.view_member")

    # When they open the member level, the level history and the member page
    pages = level_pages(client, manual_level)

    # Then each shows the reason with the number masked
    for page in pages:
        body = page.content.decode()
        assert page.status_code == 200
        assert MASKED in body
        assert "1234-5678" not in body and "12345678" not in body


def test_an_admin_sees_the_manual_level_reason_in_full(client, manual_level):
    client.force_login(staff(ADMIN))

    for page in level_pages(client, manual_level):
        assert page.status_code == 200
        assert "139-1234-5678" in page.content.decode()


def test_a_viewer_sees_a_job_error_masked(client):
    # Given a failed job whose error message quoted a phone
    run = JobRun.objects.create(job="expire_lots", business_date="2026-12-01", as_of="2026-11-30T16:00:00Z", status="failed",
                                error="ValueError: bad row 13912345678")
    masked_viewer(client, "loyalty.view_jobrun")

    # When staff who may read job runs but not see phones open it, then the number is masked
    body = client.get(f"/admin/loyalty/jobrun/{run.pk}/change/").content.decode()
    assert "139****5678" in body and "13912345678" not in body
