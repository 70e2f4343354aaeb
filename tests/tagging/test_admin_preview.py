"""The condition editor on the tag page: the live preview (count, sample, errors with paths), the
field list beside it, its permissions and CSRF, and the errors on save."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from core.roles import OPERATOR, sync_role_permissions
from tagging.models import Tag, TagKind
from tests.conftest import login
from tests.tagging.helpers import a_tag

pytestmark = pytest.mark.django_db

PREVIEW = "admin:tagging_tag_preview"
IN_SHANGHAI = {"field": "member.city", "op": "eq", "value": "上海市"}


@pytest.fixture
def members(person):
    sync_role_permissions()
    cities = ["上海市", "上海市", "杭州市"]
    return [person(channel="pos", external_id=f"card-{n}", mobile=f"1381234560{n}", name=f"顾客{n}",
                   city=city).member for n, city in enumerate(cities)]


def preview(client, condition):
    text = condition if isinstance(condition, str) else json.dumps(condition, ensure_ascii=False)
    return client.post(reverse(PREVIEW), {"condition": text})


def test_the_preview_counts_the_members_meeting_a_condition_and_shows_a_masked_sample(client, members):
    # given an operator and two of three members in Shanghai
    login(client, "operator", group=OPERATOR)

    # when they preview "city is Shanghai"
    response = preview(client, IN_SHANGHAI)

    # then two match, the newest first, each with a link and a masked mobile only
    data = response.json()
    assert response.status_code == 200 and data["errors"] == []
    assert data["count"] == 2
    assert [row["code"] for row in data["sample"]] == [members[1].code, members[0].code]
    assert data["sample"][0]["mobile"] == "138****5601"
    assert data["sample"][0]["url"] == reverse("admin:members_member_change", args=[members[1].pk])
    assert "13812345601" not in response.content.decode()


def test_the_preview_names_the_path_of_every_error(client, members):
    login(client, "operator", group=OPERATOR)
    condition = {"all": [IN_SHANGHAI, {"field": "orders.count", "op": "gte", "value": "多"},
                         {"field": "no.such", "op": "eq", "value": 1}]}

    response = preview(client, condition)

    data = response.json()
    assert response.status_code == 400 and data["count"] is None and data["sample"] == []
    paths = {error["path"]: error["message"] for error in data["errors"]}
    assert paths["all[1].value"] == "需要数字"
    assert "未知字段" in paths["all[2].field"]


def test_the_preview_refuses_text_that_is_not_json(client, members):
    login(client, "operator", group=OPERATOR)

    response = preview(client, '{"field": "member.city",')

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("条件不是合法的 JSON")


@pytest.mark.parametrize("perm", ["tagging.add_tag", "tagging.change_tag"])
def test_either_adding_or_changing_tags_is_enough_to_preview(client, members, perm):
    login(client, "editor", perms=[perm])

    assert preview(client, IN_SHANGHAI).status_code == 200


def test_a_reader_without_tag_editing_rights_is_refused_the_preview(client, members):
    login(client, "reader", perms=["tagging.view_tag"])

    response = preview(client, IN_SHANGHAI)

    assert response.status_code == 403
    assert '"count"' not in response.content.decode()  # no preview (the Chinese 403 page links /accounts/)


def test_the_preview_sends_anonymous_users_to_the_login(client, members):
    response = preview(client, IN_SHANGHAI)

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_preview_needs_the_csrf_token(members):
    # given an operator's browser that enforces CSRF, holding the token of the add page
    browser = Client(enforce_csrf_checks=True)
    login(browser, "operator", group=OPERATOR)
    browser.get(reverse("admin:tagging_tag_add"))
    token = browser.cookies["csrftoken"].value

    # when it previews without the token, and then with it in the header the page's script sends
    refused = browser.post(reverse(PREVIEW), {"condition": json.dumps(IN_SHANGHAI)})
    allowed = browser.post(reverse(PREVIEW), {"condition": json.dumps(IN_SHANGHAI)}, HTTP_X_CSRFTOKEN=token)

    # then only the second is answered
    assert refused.status_code == 403
    assert allowed.status_code == 200 and allowed.json()["count"] == 2


def test_the_preview_is_a_post(client, members):
    login(client, "operator", group=OPERATOR)

    assert client.get(reverse(PREVIEW)).status_code == 405


def test_the_add_page_offers_the_preview_and_the_list_of_fields(client, members):
    login(client, "operator", group=OPERATOR)

    page = client.get(reverse("admin:tagging_tag_add")).content.decode()

    assert f'data-preview-url="{reverse(PREVIEW)}"' in page
    assert "可用字段" in page and "<code>orders.count</code>" in page and "订单数" in page
    assert 'class="condition-json"' in page and "tagging/tag_form.js" in page


def test_a_dynamic_tags_condition_is_shown_indented_for_editing(client, members):
    login(client, "operator", group=OPERATOR)
    tag = a_tag("sh", kind=TagKind.DYNAMIC, condition={"all": [IN_SHANGHAI]})

    form = client.get(reverse("admin:tagging_tag_change", args=[tag.pk])).context["adminform"].form

    shown = form["condition"].value()
    assert json.loads(shown) == {"all": [IN_SHANGHAI]}
    assert '\n  "all": [\n' in shown and "上海市" in shown
    assert shown.index('"field"') < shown.index('"op"') < shown.index('"value"')  # as people write a leaf


def dynamic_tag_form(category, condition: str, code="buyer") -> dict:
    return {"code": code, "name": "购买者", "category": category.pk, "kind": TagKind.DYNAMIC, "colour": "#1677ff",
            "active": "on", "keep_days": "0", "min_orders": "1", "params": "{}", "condition": condition}


def test_saving_a_dynamic_tag_with_a_bad_condition_shows_every_error_with_its_path(client, members):
    # given an operator on the add page
    login(client, "operator", group=OPERATOR)
    category = a_tag("other").category
    bad = {"any": [{"field": "orders.count", "op": "gte", "value": "多"}, {"field": "member.city", "op": "bigger"}]}

    # when they save a dynamic tag whose condition has two errors
    response = client.post(reverse("admin:tagging_tag_add"), dynamic_tag_form(category, json.dumps(bad)))

    # then nothing is stored and both errors are on the condition, each with its path
    assert response.status_code == 200 and not Tag.objects.filter(code="buyer").exists()
    errors = response.context["adminform"].form.errors["condition"]
    assert "<code>any[0].value</code>：需要数字" in errors
    assert any(error.startswith("<code>any[1].") for error in errors)
    assert "<li><code>any[0].value</code>：需要数字</li>" in response.content.decode()


def test_saving_a_condition_with_broken_json_says_where(client, members):
    login(client, "operator", group=OPERATOR)
    category = a_tag("other").category

    response = client.post(reverse("admin:tagging_tag_add"),
                           dynamic_tag_form(category, '{\n  "field": "member.city",\n  "op" "eq"\n}'))

    errors = response.context["adminform"].form.errors["condition"]
    assert errors == ["不是合法的 JSON：第 3 行第 8 列附近有误（Expecting ':' delimiter）。"]


def test_an_operator_saves_a_dynamic_tag_from_the_add_page(client, members):
    login(client, "operator", group=OPERATOR)
    category = a_tag("other").category

    response = client.post(reverse("admin:tagging_tag_add"), dynamic_tag_form(category, json.dumps(IN_SHANGHAI)))

    assert response.status_code == 302
    assert Tag.objects.get(code="buyer").condition == IN_SHANGHAI


def test_a_reader_of_a_dynamic_tag_is_not_offered_the_preview(client, members):
    login(client, "reader", perms=["tagging.view_tag"])
    tag = a_tag("sh", kind=TagKind.DYNAMIC, condition=IN_SHANGHAI)

    page = client.get(reverse("admin:tagging_tag_change", args=[tag.pk])).content.decode()

    assert "上海市" in page and "data-preview-url" not in page
