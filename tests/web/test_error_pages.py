"""Error pages of the staff UI: Chinese 403 / 404 / 500 with the navigation and a phone viewport;
with DEBUG on (the `make run` demo) only superusers (developers) get Django's technical pages;
/api/ keeps answering JSON."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from core import views
from core.roles import GUIDE
from tests.workspace.conftest import staff

TECHNICAL = ("URLconf", "urlpatterns", "Traceback", "DEBUG = True", "settings file")
NOT_FOUND_TEXT = "页面不存在或您无权查看该会员"


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    return settings


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = "tests.web.error_urls"


@pytest.fixture
def guide(client, staff):
    user = staff(GUIDE)
    client.force_login(user)
    return user


@pytest.fixture
def developer(client, db):
    user = get_user_model().objects.create_superuser("dev", password="pw-123456")
    client.force_login(user)
    return user


def assert_chinese_page(response, status, text):
    content = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert text in content
    assert 'name="viewport"' in content
    assert not [word for word in TECHNICAL if word in content]
    return content


def test_a_guide_on_a_missing_page_in_debug_gets_the_chinese_404_with_the_navigation(client, guide, debug):
    # when
    response = client.get("/no-such-page/")

    # then
    content = assert_chinese_page(response, 404, NOT_FOUND_TEXT)
    assert "返回首页" in content
    assert f"退出（{guide.username}）" in content  # the navigation of base.html


def test_a_guide_on_a_member_that_does_not_exist_in_debug_gets_the_chinese_404(client, guide, debug, failing_urls):
    # when a view raises Http404 (e.g. a member outside the guide's scope)
    response = client.get("/test-missing-member/")

    # then
    assert_chinese_page(response, 404, NOT_FOUND_TEXT)
    assert "No Member matches" not in response.content.decode()


def test_a_guide_hitting_a_bug_in_debug_gets_the_chinese_500(client, guide, debug, failing_urls, caplog):
    # when
    response = client.get("/test-broken/")

    # then the page is the plain Chinese one, and the error is still logged with its traceback
    assert_chinese_page(response, 500, "服务器出错了")
    assert "a bug in a view" not in response.content.decode()
    logged = [record for record in caplog.records if record.name == "django.request"]
    assert logged and logged[0].exc_info and "a bug in a view" in str(logged[0].exc_info[1])


def test_anonymous_visitors_in_debug_get_the_chinese_404_too(client, debug, db):
    # when
    response = client.get("/no-such-page/")

    # then
    assert_chinese_page(response, 404, NOT_FOUND_TEXT)


def test_developers_keep_the_technical_pages_in_debug(developer, debug, failing_urls):
    # given a client that returns the 500 page instead of raising
    client = Client(raise_request_exception=False)
    client.force_login(developer)

    # when
    missing = client.get("/no-such-page/")
    broken = client.get("/test-broken/")

    # then
    assert missing.status_code == 404 and "URLconf" in missing.content.decode()
    assert broken.status_code == 500 and "RuntimeError" in broken.content.decode()


def test_without_debug_everyone_gets_the_chinese_pages(developer, failing_urls):
    # given
    client = Client(raise_request_exception=False)
    client.force_login(developer)

    # when
    missing = client.get("/no-such-page/")
    broken = client.get("/test-broken/")

    # then
    assert_chinese_page(missing, 404, NOT_FOUND_TEXT)
    content = assert_chinese_page(broken, 500, "服务器出错了")
    assert "{%" not in content and 'href="/"' in content


def test_a_page_a_guide_may_not_open_is_a_chinese_403_with_the_navigation(client, guide, debug):
    # when a guide opens the import upload page
    response = client.get("/imports/new/")

    # then
    content = assert_chinese_page(response, 403, "没有权限")
    assert f"您的账号（{guide.username}）没有使用此页面或功能的权限" in content
    assert f"退出（{guide.username}）" in content


@pytest.mark.parametrize("url", ["/", "/imports/new/", "/insights/dashboard/"])
def test_anonymous_visitors_are_still_sent_to_the_login_page(client, debug, db, url):
    # when
    response = client.get(url)

    # then
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_missing_path_without_its_slash_still_redirects_to_the_slashed_one(client, guide, debug):
    # when
    response = client.get("/imports")

    # then
    assert response.status_code == 301 and response["Location"] == "/imports/"


@pytest.mark.parametrize("debug_on", [True, False])
def test_the_api_keeps_answering_json(client, guide, settings, debug_on):
    # given
    settings.DEBUG = debug_on

    # when
    missing = client.get("/api/no-such-endpoint/")
    forbidden = client.post("/api/members/resolve/", {"channel": "pos", "mobile": "13812345678"},
                            content_type="application/json")

    # then
    assert missing.status_code == 404 and missing.json() == {"detail": views.API_NOT_FOUND}
    assert forbidden.status_code == 403 and forbidden["Content-Type"] == "application/json"
    assert "detail" in forbidden.json()


def test_the_error_handlers_answer_json_under_the_api(rf):
    # given a request under /api/ that reaches Django's handlers (outside any DRF view)
    request = rf.get("/api/anything/")

    # when
    responses = [views.page_not_found(request), views.permission_denied(request), views.server_error(request)]

    # then
    assert [r.status_code for r in responses] == [404, 403, 500]
    assert [json.loads(r.content)["detail"] for r in responses] == [views.API_NOT_FOUND, views.API_FORBIDDEN,
                                                                    views.API_SERVER_ERROR]


def test_a_form_posted_without_its_csrf_token_gets_the_chinese_page_and_nothing_is_saved(db):
    # given a signed-in guide whose browser lost the CSRF cookie
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff("csrf-guide", "导购"))
    # when they post a form
    response = client.post("/workspace/register/", {"mobile": "13900001234"})
    # then the Chinese page says what happened and what to do
    text = response.content.decode()
    assert response.status_code == 403 and "页面已过期" in text and "刷新后重新填写" in text
    assert "CSRF verification failed" not in text
