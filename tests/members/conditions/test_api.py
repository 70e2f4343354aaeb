"""The condition API: count (with sample), explain and the field list; permissions, error paths, masking."""

import pytest

from core.roles import GUIDE, OPERATOR, sync_role_permissions
from members.models import AttributeDefinition, MemberStatus
from tests.conftest import login

from .helpers import make_member

pytestmark = pytest.mark.django_db

WOMEN_IN_SHANGHAI = {"all": [{"field": "member.gender", "op": "eq", "value": "F"},
                             {"field": "member.city", "op": "in", "value": ["上海市"]}]}


@pytest.fixture
def api(client):
    sync_role_permissions()

    def _login(*, group=None, perms=()):
        login(client, f"cond-{group or '-'.join(perms) or 'none'}", group=group, perms=perms, staff=False)
        return client

    return _login


@pytest.fixture
def people(db):
    return {
        "ann": make_member(name="ann", gender="F", city="上海市"),
        "cat": make_member(name="cat 13912345678", gender="F", city="上海市"),
        "bob": make_member(name="bob", gender="M", city="上海市"),
        "eve": make_member(name="eve", gender="F", city="杭州市"),
        "gone": make_member(name="gone", gender="F", city="上海市", status=MemberStatus.MERGED),
    }


def post(client, path, body):
    return client.post(f"/api/conditions/{path}/", body, content_type="application/json")


# ---- count ---------------------------------------------------------------------------------------

def test_count_answers_how_many_active_members_meet_the_condition(api, people):
    response = post(api(group=OPERATOR), "count", {"condition": WOMEN_IN_SHANGHAI})

    assert response.status_code == 200
    assert response.json()["count"] == 2  # ann and cat; the merged-away person never counts
    assert response.json()["sample"] == []


def test_count_with_a_sample_lists_the_newest_members_first(api, people):
    response = post(api(group=OPERATOR), "count", {"condition": WOMEN_IN_SHANGHAI, "sample": 5})

    assert [row["code"] for row in response.json()["sample"]] == [people["cat"].code, people["ann"].code]
    assert response.json()["sample"][0]["name"] == "cat 13912345678"  # operators may see phones


READER = ["members.view_member"]  # reads members, not members.reveal_phone


def test_a_reader_who_may_not_see_phones_sees_sample_names_masked(api, people):
    response = post(api(perms=READER), "count", {"condition": WOMEN_IN_SHANGHAI, "sample": 5})

    assert response.status_code == 200
    assert response.json()["sample"][0]["name"] == "cat 139****5678"


def test_count_takes_the_evaluation_date(api, people):
    condition = {"field": "member.registered_at", "op": "within_last_days", "value": 3}
    people["ann"].registered_at = "2026-03-01T10:00:00+08:00"
    people["ann"].save()
    client = api(group=OPERATOR)

    on_the_day = post(client, "count", {"condition": condition, "as_of": "2026-03-02"})
    later = post(client, "count", {"condition": condition, "as_of": "2026-04-02"})

    assert (on_the_day.json()["count"], later.json()["count"]) == (1, 0)
    assert on_the_day.json()["as_of"] == "2026-03-02"


def test_an_invalid_condition_answers_every_error_with_its_path(api, people):
    condition = {"all": [
        {"field": "member.gender", "op": "eq", "value": "F"},
        {"any": [{"field": "member.age", "op": "gte", "value": "old"}, {"field": "nope", "op": "eq", "value": 1}]},
    ]}

    response = post(api(group=OPERATOR), "count", {"condition": condition})

    assert response.status_code == 400
    errors = response.json()["condition"]
    assert "all[1].any[0].value: 需要数字" in errors
    assert any(e.startswith("all[1].any[1].field: 未知字段") for e in errors)


def test_a_condition_sent_as_a_string_that_is_not_json_is_refused(api, people):
    response = post(api(group=OPERATOR), "count", {"condition": "{not json"})

    assert response.status_code == 400
    assert response.json()["condition"][0].startswith("条件不是合法的 JSON")


def test_a_body_that_is_not_json_answers_400_with_a_detail(api, people):
    response = api(group=OPERATOR).post("/api/conditions/count/", "{oops", content_type="application/json")

    assert response.status_code == 400 and "detail" in response.json()


def test_a_missing_condition_is_a_field_error(api, people):
    response = post(api(group=OPERATOR), "count", {})

    assert response.status_code == 400 and "condition" in response.json()


def test_a_window_too_long_to_compute_is_refused_not_a_server_error(api, people):
    condition = {"field": "orders.count", "op": "gte", "value": 1, "window": {"last_days": 10**9}}

    response = post(api(group=OPERATOR), "count", {"condition": condition})

    assert response.status_code == 400
    assert response.json()["condition"] == ["window.last_days: 需要 0 到 36600 之间的整数天数"]


@pytest.mark.parametrize("body", [{"sample": 51}, {"sample": -1}, {"as_of": "0001-01-01"}, {"as_of": "nope"}])
def test_bad_sample_sizes_and_dates_are_field_errors(api, people, body):
    response = post(api(group=OPERATOR), "count", {"condition": WOMEN_IN_SHANGHAI, **body})

    assert response.status_code == 400 and set(response.json()) == set(body)


# ---- explain -------------------------------------------------------------------------------------

def test_explain_shows_each_leaf_with_the_members_value(api, people):
    response = post(api(group=OPERATOR), "explain", {"condition": WOMEN_IN_SHANGHAI, "member_code": people["eve"].code})

    assert response.status_code == 200
    body = response.json()
    assert body["matches"] is False and body["member_code"] == people["eve"].code
    gender, city = body["tree"]["children"]
    assert (gender["actual"], gender["passed"]) == ("F", True)
    assert (city["path"], city["actual"], city["passed"]) == ("all[1]", "杭州市", False)


def test_explain_takes_a_member_id_too(api, people):
    response = post(api(group=OPERATOR), "explain", {"condition": WOMEN_IN_SHANGHAI, "member_id": people["ann"].pk})

    assert response.json()["matches"] is True and response.json()["member_id"] == people["ann"].pk


@pytest.fixture
def note_with_a_phone(people):
    """Given ann's free-text note carries a phone, and a condition on that note."""
    AttributeDefinition.objects.create(key="note", label="备注", type="text")
    people["ann"].attributes = {"note": "请打 13912345678 联系"}
    people["ann"].save()
    return {"condition": {"field": "member.attr.note", "op": "contains", "value": "联系"},
            "member_code": people["ann"].code}


def test_explain_masks_phones_in_values_for_readers_who_may_not_see_phones(api, note_with_a_phone):
    response = post(api(perms=READER), "explain", note_with_a_phone)

    assert response.status_code == 200 and response.json()["matches"] is True
    assert response.json()["tree"]["actual"] == "请打 139****5678 联系"


def test_explain_shows_the_full_value_to_operators(api, note_with_a_phone):
    response = post(api(group=OPERATOR), "explain", note_with_a_phone)

    assert response.json()["tree"]["actual"] == "请打 13912345678 联系"


@pytest.mark.parametrize("who", [{"member_code": "NOPE"}, {"member_id": 10**12}, {}])
def test_explain_needs_one_known_active_member(api, people, who):
    response = post(api(group=OPERATOR), "explain", {"condition": WOMEN_IN_SHANGHAI, **who})

    assert response.status_code == 400 and set(response.json()) & {"member_code", "member_id"}


def test_explain_refuses_a_merged_away_member(api, people):
    response = post(api(group=OPERATOR), "explain", {"condition": WOMEN_IN_SHANGHAI, "member_code": people["gone"].code})

    assert response.status_code == 400 and "已合并" in response.json()["member_code"][0]


def test_explain_with_an_invalid_condition_names_the_path(api, people):
    body = {"condition": {"not": {"field": "member.gender", "op": "gte", "value": "F"}}, "member_code": people["ann"].code}

    response = post(api(group=OPERATOR), "explain", body)

    assert response.status_code == 400 and response.json()["condition"][0].startswith("not.op: ")


# ---- fields --------------------------------------------------------------------------------------

def test_fields_lists_every_registered_field_with_operators_and_choices(api, people):
    AttributeDefinition.objects.create(key="skin", label="肤质", type="choice", choices=["干性", "油性"])

    response = api(perms=READER).get("/api/conditions/fields/")

    assert response.status_code == 200
    rows = {row["key"]: row for row in response.json()}
    assert rows["member.gender"]["type"] == "choice"
    assert {"op": "eq", "label": "等于"} in rows["member.gender"]["operators"]
    assert rows["orders.count"]["windowed"] is True and rows["member.gender"]["windowed"] is False
    assert rows["member.city"]["choices"] is None
    assert [c["value"] for c in rows["member.attr.skin"]["choices"]] == ["干性", "油性"]


# ---- permissions ---------------------------------------------------------------------------------

def test_anonymous_callers_get_401_with_the_basic_challenge(client, people):
    response = post(client, "count", {"condition": WOMEN_IN_SHANGHAI})

    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Basic")
    assert client.get("/api/conditions/fields/").status_code == 401


@pytest.mark.parametrize("path", ["count", "explain"])
def test_staff_who_may_not_read_members_are_refused(api, people, path):
    client = api(perms=["tagging.view_tag"])

    response = post(client, path, {"condition": WOMEN_IN_SHANGHAI, "member_code": people["ann"].code})

    assert response.status_code == 403 and "detail" in response.json()
    assert client.get("/api/conditions/fields/").status_code == 403


@pytest.mark.parametrize("path", ["count", "explain"])
def test_guides_are_refused_the_condition_api(api, people, path):
    # given a guide: they find their customers in the workspace, within their scope
    client = api(group=GUIDE)

    response = post(client, path, {"condition": WOMEN_IN_SHANGHAI, "member_code": people["ann"].code, "sample": 5})

    assert response.status_code == 403 and "detail" in response.json()
    assert client.get("/api/conditions/fields/").status_code == 403


def test_reading_members_is_enough_to_count(api, people):
    response = post(api(perms=["members.view_member"]), "count", {"condition": WOMEN_IN_SHANGHAI})

    assert response.status_code == 200 and response.json()["count"] == 2


def test_the_schema_documents_the_condition_endpoints(api, db):
    schema = api(group=GUIDE).get("/api/schema/").content.decode()

    assert "/api/conditions/count/" in schema and "/api/conditions/explain/" in schema
    assert "/api/conditions/fields/" in schema


def test_options_describes_the_count_input(api, people):
    response = api(group=OPERATOR).options("/api/conditions/count/")

    assert response.status_code == 200 and "condition" in response.json()["actions"]["POST"]


def test_a_form_body_is_refused_as_an_unsupported_content_type(api, people):
    response = api(group=OPERATOR).post("/api/conditions/count/", {"condition": "x"})  # multipart

    assert response.status_code == 415 and "detail" in response.json()
