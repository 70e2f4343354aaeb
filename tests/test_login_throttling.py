"""Login lockout (django-axes): 10 wrong passwords in a row for one username from one address lock that
pair for 15 minutes, on the staff login page, the admin login page and API basic auth; a right login
clears the count."""

import base64
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "right-password-1"
LIMIT = 10
LOGIN_PAGES = ["/accounts/login/", "/admin/login/"]


@pytest.fixture
def staff(db):
    user = get_user_model().objects.create_user(username="clerk", password=PASSWORD, is_staff=True)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="members", codename="view_member"))
    return user


def page_login(client, url, password, **extra):
    return client.post(url, {"username": "clerk", "password": password}, **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def basic(client, password, **extra):
    token = base64.b64encode(f"clerk:{password}".encode()).decode()
    return client.get("/api/members/", HTTP_AUTHORIZATION=f"Basic {token}", **extra)


def fail(times, attempt):
    for _ in range(times):
        attempt("wrong")


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_the_eleventh_try_on_a_login_page_is_refused_even_with_the_right_password(client, staff, url):
    fail(LIMIT, lambda password: page_login(client, url, password))

    response = page_login(client, url, PASSWORD)

    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode() and "15 分钟" in response.content.decode()
    assert not signed_in(client)


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_nine_wrong_tries_still_let_the_right_password_in(client, staff, url):
    fail(LIMIT - 1, lambda password: page_login(client, url, password))

    response = page_login(client, url, PASSWORD)

    assert response.status_code == 302 and signed_in(client)


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_a_right_login_on_a_page_clears_the_count(client, staff, url):
    fail(LIMIT - 1, lambda password: page_login(client, url, password))
    page_login(client, url, PASSWORD)
    client.logout()

    fail(LIMIT - 1, lambda password: page_login(client, url, password))
    response = page_login(client, url, PASSWORD)

    assert response.status_code == 302 and signed_in(client)


def test_the_eleventh_basic_auth_try_is_refused_even_with_the_right_password(client, staff):
    fail(LIMIT, lambda password: basic(client, password))

    response = basic(client, PASSWORD)

    assert response.status_code == 429
    assert "登录失败次数过多" in response.json()["detail"]
    assert int(response["Retry-After"]) == 15 * 60


def test_a_right_basic_auth_call_clears_the_count(client, staff):
    fail(LIMIT - 1, lambda password: basic(client, password))
    assert basic(client, PASSWORD).status_code == 200

    fail(LIMIT - 1, lambda password: basic(client, password))
    response = basic(client, PASSWORD)

    assert response.status_code == 200


def test_page_and_basic_auth_failures_count_together(client, staff):
    fail(LIMIT // 2, lambda password: page_login(client, LOGIN_PAGES[0], password))
    fail(LIMIT - LIMIT // 2, lambda password: basic(client, password))

    response = basic(client, PASSWORD)

    assert response.status_code == 429


def test_the_lockout_is_per_address_so_the_same_user_elsewhere_still_signs_in(client, staff):
    fail(LIMIT, lambda password: page_login(client, LOGIN_PAGES[0], password))

    response = page_login(client, LOGIN_PAGES[0], PASSWORD, REMOTE_ADDR="10.0.0.7")

    assert response.status_code == 302 and signed_in(client)


def test_the_lockout_ends_after_fifteen_minutes(client, staff):
    fail(LIMIT, lambda password: page_login(client, LOGIN_PAGES[0], password))
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    response = page_login(client, LOGIN_PAGES[0], PASSWORD)

    assert response.status_code == 302 and signed_in(client)
