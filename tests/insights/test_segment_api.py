"""The segments API: CRUD with checked conditions, count, portrait with comparison, masked members,
snapshots, and who may use it."""


import pytest
from rest_framework.test import APIClient

from core.roles import GUIDE, OPERATOR
from insights.models import Segment, SegmentSnapshot

from .helpers import make_member, staff_user

pytestmark = pytest.mark.django_db
WOMEN = {"field": "member.gender", "op": "eq", "value": "F"}


def api(role=None, perms=()) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff_user(role, perms))
    return client


@pytest.fixture
def women():
    make_member(gender="F", name="王芳", mobile="+8613812345678", city="上海市")
    make_member(gender="F", name="李娜", mobile="+8613900001111", city="杭州市")
    make_member(gender="M", name="张伟")
    return Segment.objects.create(name="女性", condition=WOMEN)


def test_an_operator_creates_a_segment_and_a_bad_condition_gets_each_path(db):
    client = api(OPERATOR)
    bad = client.post("/api/segments/", {"name": "坏", "condition": {"all": [
        {"field": "member.gender", "op": "gt", "value": "F"}]}}, format="json")
    good = client.post("/api/segments/", {"name": "女性", "condition": WOMEN}, format="json")
    assert bad.status_code == 400 and bad.json()["condition"][0].startswith("all[0]")
    assert good.status_code == 201 and good.json()["owner"].startswith("staff-")


def test_count_portrait_and_comparison(women):
    client = api(OPERATOR)
    assert client.get(f"/api/segments/{women.pk}/count/").json()["count"] == 2
    body = client.get(f"/api/segments/{women.pk}/portrait/?compare=all").json()
    assert (body["size"], body["total"]) == (2, 3)
    gender = next(d for d in body["compare"] if d["key"] == "gender")
    female = next(r for r in gender["rows"] if r["label"] == "女")
    assert (female["left_share"], female["right_share"], female["notable"]) == (100.0, 66.7, True)


def test_members_are_masked_without_reveal_permission(women):
    # given an analyst who may read segments but not reveal phones, and an operator who may
    page = api(perms=["view_segment"]).get(f"/api/segments/{women.pk}/members/").json()
    assert page["count"] == 2
    assert {row["mobile"] for row in page["results"]} == {"138****5678", "139****1111"}
    revealed = api(OPERATOR).get(f"/api/segments/{women.pk}/members/").json()
    assert "+8613812345678" in {row["mobile"] for row in revealed["results"]}


def test_a_snapshot_is_taken_through_the_api(women):
    response = api(OPERATOR).post(f"/api/segments/{women.pk}/snapshot/", {"purpose": "活动"}, format="json")
    assert response.status_code == 201 and response.json()["members"] == 2
    assert SegmentSnapshot.objects.get().purpose == "活动"


def test_guides_and_anonymous_callers_are_refused(women):
    assert api(GUIDE).get("/api/segments/").status_code == 403
    assert api(GUIDE).get(f"/api/segments/{women.pk}/members/").status_code == 403
    assert APIClient().get("/api/segments/").status_code in (401, 403)


def test_an_unknown_comparison_is_a_clear_error(women):
    response = api(OPERATOR).get(f"/api/segments/{women.pk}/portrait/?compare=999")
    assert response.status_code == 400 and "没有这个人群" in response.json()["compare"][0]
