"""The tags API: categories and tags, a member's tags with the why, putting static tags on and taking
them off with an Idempotency-Key; permissions (guides tag in the workspace, not here) and masking."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from core.roles import GUIDE, OPERATOR, sync_role_permissions
from members.models import MemberStatus
from tagging.models import TagCategory, TagChange, TagKind, TagMembership
from tagging.services import put_on
from tests.conftest import in_thread, join_all, login, start_together
from tests.members.conditions.helpers import make_member
from tests.tagging.helpers import a_tag, tag_codes

pytestmark = pytest.mark.django_db

BIG_SPENDER = {"all": [{"field": "member.gender", "op": "eq", "value": "F"},
                       {"field": "member.city", "op": "eq", "value": "上海市"}]}


@pytest.fixture
def api(client):
    sync_role_permissions()

    def _login(*, group=None, perms=()):
        return login(client, f"tags-{group or '-'.join(perms) or 'none'}", group=group, perms=perms, staff=False)

    return _login


@pytest.fixture
def ann(db):
    return make_member(name="ann", gender="F", city="上海市")


@pytest.fixture
def bob(db):
    return make_member(name="bob", gender="M", city="杭州市")


def apply(client, action, body, key="k-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(f"/api/tags/{action}/", body, content_type="application/json", **headers)


# ---- categories and tags -------------------------------------------------------------------------

def test_categories_are_listed_in_display_order(api, client):
    TagCategory.objects.create(code="life", name="生命周期", sort_order=2)
    TagCategory.objects.create(code="pref", name="消费偏好", sort_order=1)
    api(perms=["tagging.view_tagcategory"])

    response = client.get("/api/tags/categories/")

    assert response.status_code == 200
    assert [c["code"] for c in response.json()["results"]] == ["pref", "life"]


def test_tags_are_filtered_by_kind_category_and_active(api, client):
    a_tag("vip", guide_usable=True, colour="#ff0000", description="重要客户")
    a_tag("sleepy", kind=TagKind.DYNAMIC, condition=BIG_SPENDER)
    a_tag("old", active=False)
    coffee = a_tag("coffee")
    coffee.category = TagCategory.objects.create(code="pref", name="消费偏好", sort_order=1)
    coffee.save()
    api(perms=["tagging.view_tag"])

    static = client.get("/api/tags/", {"kind": "static", "active": "true"}).json()["results"]
    in_pref = client.get("/api/tags/", {"category": "pref"}).json()["results"]

    assert [t["code"] for t in static] == ["vip", "coffee"]  # by category order, then code
    assert static[0] == {"code": "vip", "name": "VIP", "category": "ops", "category_name": "门店运营", "kind": "static",
                   "colour": "#ff0000", "description": "重要客户", "active": True, "guide_usable": True}
    assert [t["code"] for t in in_pref] == ["coffee"]


def test_an_unknown_kind_filter_is_a_400_naming_the_parameter(api, client):
    api(perms=["tagging.view_tag"])

    response = client.get("/api/tags/", {"kind": "bogus"})

    assert response.status_code == 400 and "kind" in response.json()


# ---- a member's tags with the why ----------------------------------------------------------------

def test_a_static_tag_says_who_put_it_on_when_and_why(api, client, ann):
    operator = api(group=OPERATOR)
    put_on(tag=a_tag("vip"), member_ids=[ann.pk], actor=operator, reason="老客户 13912345678 推荐",
           ends_on=timezone.localdate() + timedelta(days=30))

    response = client.get(f"/api/tags/members/{ann.code}/")

    assert response.status_code == 200
    [row] = response.json()["tags"]
    assert (row["tag"], row["kind"], row["category"]) == ("vip", "static", "ops")
    why = row["why"]
    assert why["actor"] == operator.username and why["reason"] == "老客户 13912345678 推荐"
    assert why["ends_on"] == (timezone.localdate() + timedelta(days=30)).isoformat()
    assert why["since"] and why["from_member"] is None


MASKED_READER = ["members.view_member", "tagging.view_tagmembership"]  # a member's tags, not members.reveal_phone


def test_a_reader_who_may_not_see_phones_reads_static_reasons_with_phones_masked(api, client, ann):
    put_on(tag=a_tag("vip"), member_ids=[ann.pk], reason="老客户 13912345678 推荐")
    api(perms=MASKED_READER)

    [row] = client.get(f"/api/tags/members/{ann.code}/").json()["tags"]

    assert row["why"]["reason"] == "老客户 139****5678 推荐"


def dynamic_membership(member, tag, **fields):
    return TagMembership.objects.create(member=member, tag=tag, since=timezone.now(), origin_member=member,
                                        **fields)


def test_a_dynamic_tag_gives_its_rule_version_the_leaf_values_then_and_the_explanation_now(api, client, ann):
    tag = a_tag("sh_women", kind=TagKind.DYNAMIC, condition=BIG_SPENDER)
    dynamic_membership(ann, tag, rule_version=1, leaf_values={"all[0]": "F", "all[1]": "上海市"})
    ann.city = "杭州市"  # she moved since the tag went on
    ann.save()
    api(group=OPERATOR)

    [row] = client.get(f"/api/tags/members/{ann.code}/").json()["tags"]

    why = row["why"]
    assert (why["rule_version"], why["current_rule_version"]) == (1, 1)
    assert why["leaf_values"] == {"all[0]": "F", "all[1]": "上海市"}
    assert why["explain_now"]["matches"] is False
    assert [leaf["actual"] for leaf in why["explain_now"]["tree"]["children"]] == ["F", "杭州市"]
    assert why["explain_errors"] == []


def test_a_dynamic_tag_whose_condition_no_longer_parses_says_why_instead_of_failing(api, client, ann):
    tag = a_tag("broken", kind=TagKind.DYNAMIC, condition={"field": "member.gone_field", "op": "eq", "value": 1})
    dynamic_membership(ann, tag, rule_version=1)
    api(group=OPERATOR)

    [row] = client.get(f"/api/tags/members/{ann.code}/").json()["tags"]

    assert row["why"]["explain_now"] is None and "未知字段" in row["why"]["explain_errors"][0]


def test_a_variable_tag_gives_its_value_and_evidence_masked_for_readers_who_may_not_see_phones(api, client, ann):
    tag = a_tag("fav_store", kind=TagKind.VARIABLE, extractor="top_store")
    evidence = {"text": "静安店 5 笔 / 共 6 笔", "note": "店长 13912345678"}
    dynamic_membership(ann, tag, value="静安店", evidence=evidence)
    api(perms=MASKED_READER)

    [row] = client.get(f"/api/tags/members/{ann.code}/").json()["tags"]

    assert row["value"] == "静安店" and row["why"]["value"] == "静安店"
    assert row["why"]["evidence"] == {"text": "静安店 5 笔 / 共 6 笔", "note": "店长 139****5678"}


def test_an_unknown_or_merged_away_member_is_404(api, client, ann):
    ann.status = MemberStatus.MERGED
    ann.save()
    api(group=OPERATOR)

    assert client.get("/api/tags/members/NOPE/").status_code == 404
    assert client.get(f"/api/tags/members/{ann.code}/").status_code == 404


def test_reading_a_members_tags_needs_the_membership_view_permission(api, client, ann):
    api(perms=["members.view_member", "tagging.view_tag"])

    response = client.get(f"/api/tags/members/{ann.code}/")

    assert response.status_code == 403 and "detail" in response.json()


def test_guides_are_refused_the_tag_lists_and_a_members_tags(api, client, ann):
    # given a guide: they read tags and their why on the workspace card, not here
    api(group=GUIDE)

    # when / then
    for url in ("/api/tags/", "/api/tags/categories/", f"/api/tags/members/{ann.code}/"):
        assert client.get(url).status_code == 403, url


# ---- putting on and taking off -------------------------------------------------------------------

def test_an_operator_puts_a_tag_on_many_members_once(api, client, ann, bob):
    operator = api(group=OPERATOR)
    tag = a_tag("vip")

    response = apply(client, "put-on", {"tag": "vip", "member_ids": [ann.pk, bob.pk], "reason": "活动"})

    assert response.status_code == 201
    assert response.json() == {"tag": "vip", "action": "put_on", "requested": 2, "changed": 2,
                               "changed_member_ids": sorted([ann.pk, bob.pk]), "replayed": False}
    assert tag_codes(ann) == tag_codes(bob) == {"vip"}
    change = TagChange.objects.filter(tag=tag).first()
    assert (change.actor, change.actor_label, change.reason) == (operator, operator.username, "活动")


def test_members_may_be_named_by_code(api, client, ann, bob):
    api(group=OPERATOR)
    a_tag("vip")

    response = apply(client, "put-on", {"tag": "vip", "member_codes": [ann.code]})

    assert response.status_code == 201 and response.json()["changed_member_ids"] == [ann.pk]
    assert tag_codes(ann) == {"vip"} and tag_codes(bob) == set()


def test_a_retry_with_the_same_key_returns_the_first_result_and_changes_nothing(api, client, ann, bob):
    api(group=OPERATOR)
    a_tag("vip")
    body = {"tag": "vip", "member_ids": [ann.pk], "reason": "活动"}
    first = apply(client, "put-on", body)
    # someone takes it off in between: a retry of the first request must not put it back
    TagMembership.objects.all().delete()

    again = apply(client, "put-on", body)

    assert again.status_code == 200 and again.json()["replayed"] is True
    assert {k: v for k, v in again.json().items() if k != "replayed"} == \
        {k: v for k, v in first.json().items() if k != "replayed"}
    assert TagChange.objects.count() == 1 and tag_codes(ann) == set()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sends_of_one_key_at_once_apply_once_and_answer_alike(api, client, ann, bob):
    # given an operator whose request is sent twice at the same moment (a client retrying on a timeout)
    user = api(group=OPERATOR)
    a_tag("vip")
    clients = [Client(), Client()]
    for each in clients:
        each.force_login(user)
    errors, answers, barrier = [], [], start_together(2)

    def send(each):
        def work():
            barrier.wait()
            answers.append(apply(each, "put-on", {"tag": "vip", "member_ids": [ann.pk, bob.pk]}, key="twice"))
        return work

    # when both arrive together
    join_all([in_thread(send(each), errors, name=f"send-{n}") for n, each in enumerate(clients)])

    # then one applied and the other replayed it: one history row per member, the same answer
    assert errors == []
    assert sorted(a.status_code for a in answers) == [200, 201]
    assert {tuple(a.json()["changed_member_ids"]) for a in answers} == {tuple(sorted([ann.pk, bob.pk]))}
    assert TagChange.objects.count() == 2


def test_the_same_key_with_another_body_is_a_conflict(api, client, ann, bob):
    api(group=OPERATOR)
    a_tag("vip")
    apply(client, "put-on", {"tag": "vip", "member_ids": [ann.pk]})

    response = apply(client, "put-on", {"tag": "vip", "member_ids": [ann.pk, bob.pk]})

    assert response.status_code == 409 and response.json()["code"] == "idempotency_conflict"
    assert tag_codes(bob) == set()


def test_a_request_that_changed_nothing_still_holds_its_key(api, client, ann, bob):
    # given a put-on that changed nothing (ann held the tag already)
    api(group=OPERATOR)
    a_tag("vip")
    apply(client, "put-on", {"tag": "vip", "member_ids": [ann.pk]}, key="k-1")
    first = apply(client, "put-on", {"tag": "vip", "member_ids": [ann.pk]}, key="k-2")
    assert first.status_code == 201 and first.json()["changed"] == 0
    # when its key is reused for another body, then it is a conflict and bob gets nothing
    response = apply(client, "put-on", {"tag": "vip", "member_ids": [bob.pk]}, key="k-2")
    assert response.status_code == 409 and tag_codes(bob) == set()
    # and its own retry replays the empty result
    again = apply(client, "put-on", {"tag": "vip", "member_ids": [ann.pk]}, key="k-2")
    assert again.status_code == 200 and again.json()["replayed"] and again.json()["changed"] == 0


def test_the_same_key_for_another_tag_is_a_conflict(api, client, ann):
    api(group=OPERATOR)
    a_tag("vip"), a_tag("kol")
    apply(client, "put-on", {"tag": "vip", "member_ids": [ann.pk]}, key="k-1")

    response = apply(client, "put-on", {"tag": "kol", "member_ids": [ann.pk]}, key="k-1")

    assert response.status_code == 409 and tag_codes(ann) == {"vip"}


def test_a_new_key_is_a_new_request(api, client, ann):
    api(group=OPERATOR)
    a_tag("vip")
    apply(client, "put-on", {"tag": "vip", "member_ids": [ann.pk]}, key="k-1")
    apply(client, "take-off", {"tag": "vip", "member_ids": [ann.pk]}, key="k-2")

    response = apply(client, "put-on", {"tag": "vip", "member_ids": [ann.pk]}, key="k-3")

    assert response.status_code == 201 and response.json()["changed"] == 1
    assert TagChange.objects.count() == 3


@pytest.mark.parametrize("key", [None, "   ", "x" * 81])
def test_the_idempotency_key_is_required_and_at_most_80_characters(api, client, ann, key):
    api(group=OPERATOR)
    a_tag("vip")

    response = apply(client, "put-on", {"tag": "vip", "member_ids": [ann.pk]}, key=key)

    assert response.status_code == 400 and "Idempotency-Key" in response.json()["detail"]
    assert tag_codes(ann) == set()


def test_an_unknown_tag_code_is_named(api, client, ann):
    api(group=OPERATOR)

    response = apply(client, "put-on", {"tag": "nope", "member_ids": [ann.pk]})

    assert response.status_code == 400 and "nope" in response.json()["tag"][0]


def test_unknown_members_are_listed_and_nothing_is_applied(api, client, ann, bob):
    api(group=OPERATOR)
    a_tag("vip")
    bob.status = MemberStatus.MERGED
    bob.save()

    response = apply(client, "put-on", {"tag": "vip", "member_ids": [ann.pk, bob.pk, 10**12]})

    assert response.status_code == 400
    message = response.json()["member_ids"][0]
    assert str(bob.pk) in message and str(10**12) in message and str(ann.pk) not in message.split("：")[1]
    assert not TagMembership.objects.exists()


@pytest.mark.parametrize("body", [
    {"tag": "vip"}, {"tag": "vip", "member_ids": []}, {"tag": "vip", "member_ids": [0]},
    {"tag": "vip", "member_ids": ["x"]}, {"tag": "vip", "member_ids": [1], "member_codes": ["A"]},
])
def test_the_member_list_is_required_once_and_well_formed(api, client, ann, body):
    api(group=OPERATOR)
    a_tag("vip")

    response = apply(client, "put-on", body)

    assert response.status_code == 400 and set(response.json()) <= {"member_ids", "member_codes"}


def test_an_end_date_in_the_past_is_refused(api, client, ann):
    api(group=OPERATOR)
    a_tag("vip")

    response = apply(client, "put-on", {"tag": "vip", "member_ids": [ann.pk],
                                        "ends_on": (timezone.localdate() - timedelta(days=1)).isoformat()})

    assert response.status_code == 400 and "ends_on" in response.json()


def test_the_end_date_is_kept_on_the_membership(api, client, ann):
    api(group=OPERATOR)
    a_tag("vip")
    ends = timezone.localdate() + timedelta(days=7)

    apply(client, "put-on", {"tag": "vip", "member_ids": [ann.pk], "ends_on": ends.isoformat()})

    assert TagMembership.objects.get().ends_on == ends


def test_a_dynamic_tag_cannot_be_put_on_by_hand(api, client, ann):
    api(group=OPERATOR)
    a_tag("sh_women", kind=TagKind.DYNAMIC, condition=BIG_SPENDER)

    response = apply(client, "put-on", {"tag": "sh_women", "member_ids": [ann.pk]})

    assert response.status_code == 400 and "动态标签" in response.json()["detail"]


def test_an_operator_takes_a_tag_off(api, client, ann, bob):
    api(group=OPERATOR)
    tag = a_tag("vip")
    put_on(tag=tag, member_ids=[ann.pk, bob.pk])

    response = apply(client, "take-off", {"tag": "vip", "member_ids": [ann.pk], "reason": "误打"})

    assert response.status_code == 201
    assert response.json()["action"] == "take_off" and response.json()["changed_member_ids"] == [ann.pk]
    assert tag_codes(ann) == set() and tag_codes(bob) == {"vip"}
    assert TagChange.objects.filter(added=False).get().reason == "误打"


def test_take_off_retried_with_its_key_removes_nothing_more(api, client, ann):
    api(group=OPERATOR)
    tag = a_tag("vip")
    put_on(tag=tag, member_ids=[ann.pk])
    apply(client, "take-off", {"tag": "vip", "member_ids": [ann.pk]}, key="off-1")
    put_on(tag=tag, member_ids=[ann.pk])  # put back by someone else

    again = apply(client, "take-off", {"tag": "vip", "member_ids": [ann.pk]}, key="off-1")

    assert again.status_code == 200 and again.json()["replayed"] is True
    assert tag_codes(ann) == {"vip"}


@pytest.mark.parametrize("action", ["put-on", "take-off"])
@pytest.mark.parametrize("guide_usable", [True, False])
def test_a_guide_is_refused_putting_on_or_taking_off_tags_through_the_api(api, client, ann, action, guide_usable):
    # given a guide (tagging.apply_guide_tags: they tag customers of their scope on the workspace card),
    # and a member who holds the tag when it is to be taken off
    api(group=GUIDE)
    tag = a_tag("coffee", guide_usable=guide_usable)
    held = action == "take-off"
    if held:
        put_on(tag=tag, member_ids=[ann.pk])

    # when they call the API, which takes any member
    response = apply(client, action, {"tag": "coffee", "member_ids": [ann.pk]})

    # then it is refused, pointing them to the workspace, and nothing changed
    assert response.status_code == 403 and "导购工作台" in response.json()["detail"]
    assert tag_codes(ann) == ({"coffee"} if held else set())
    assert TagChange.objects.count() == int(held)


def test_staff_without_an_apply_permission_are_refused(api, client, ann):
    api(perms=["tagging.view_tag", "members.view_member"])
    a_tag("coffee", guide_usable=True)

    response = apply(client, "put-on", {"tag": "coffee", "member_ids": [ann.pk]})

    assert response.status_code == 403 and tag_codes(ann) == set()


def test_anonymous_callers_get_401(client, ann):
    a_tag("vip")

    assert client.get("/api/tags/").status_code == 401
    assert client.get(f"/api/tags/members/{ann.code}/").status_code == 401
    assert apply(client, "put-on", {"tag": "vip", "member_ids": [ann.pk]}).status_code == 401
    assert not TagMembership.objects.exists()


def test_a_body_that_is_not_json_is_a_400(api, client):
    api(group=OPERATOR)

    response = client.post("/api/tags/put-on/", "{oops", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 400 and "detail" in response.json()


def test_the_schema_documents_the_tag_endpoints(api, client):
    api(group=GUIDE)

    schema = client.get("/api/schema/").content.decode()

    for path in ("/api/tags/", "/api/tags/categories/", "/api/tags/members/{code}/", "/api/tags/put-on/",
                 "/api/tags/take-off/"):
        assert path in schema


def test_a_form_body_is_refused_as_an_unsupported_content_type(api, client, ann):
    api(group=OPERATOR)
    a_tag("vip")

    response = client.post("/api/tags/put-on/", {"tag": "vip", "member_ids": [ann.pk]}, HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 415 and not TagMembership.objects.exists()
