"""Store guides and managers see the 经营看板 of their own stores only (issue 16, with issue 17's
staff → store link); operators see every place."""

import pytest

from core.roles import GUIDE, STORE_MANAGER
from members.models import StaffRole
from members.services.staff import assign_to_store

from .helpers import signed_in, staff_user
from .test_dashboard_page import RANGE, URL, breakdown, shop  # noqa: F401 - the shop fixture

pytestmark = pytest.mark.django_db


def store_staff(client, role: str, store, as_role=StaffRole.GUIDE):
    user = staff_user(role)
    assign_to_store(user=user, store=store, role=as_role)
    client.force_login(user)
    return user


def test_a_guide_sees_only_the_sales_and_members_of_their_store(client, shop):  # noqa: F811 - fixture
    # given a guide of the Shanghai store
    shanghai, _ = shop["stores"]
    store_staff(client, GUIDE, shanghai)
    # when they open the dashboard's breakdown by channel
    rows = breakdown(client, RANGE)
    # then only the store's POS sales (ann: 100 + 60) and its member (ann, home store Shanghai) count
    assert {name: (row[1], row[8]) for name, row in rows.items()} == {"门店POS": ("1", "160.00")}


def test_a_manager_of_another_store_sees_that_stores_figures_and_never_shanghais(client, shop):  # noqa: F811
    # given the manager of the Hangzhou store
    _, hangzhou = shop["stores"]
    store_staff(client, STORE_MANAGER, hangzhou, as_role=StaffRole.MANAGER)
    # when they open the page and its breakdown
    page = client.get(f"{URL}?{RANGE}")
    rows = breakdown(client, RANGE)
    # then cai's POS order in Hangzhou (500) is there, and nothing sold in Shanghai; the trail names the store
    assert page.status_code == 200 and "经营看板：<strong>杭州银泰店</strong>" in page.content.decode()
    assert {name: row[8] for name, row in rows.items() if row[8] != "0.00"} == {"门店POS": "500.00"}


def test_a_guide_in_no_store_is_told_to_ask_for_a_store(client, shop):  # noqa: F811 - fixture
    # given a guide not yet linked to a store
    signed_in(client, GUIDE)
    # when they open the dashboard
    response = client.get(URL)
    # then it is not found, with what to do
    assert response.status_code == 404 and "门店员工" in response.content.decode()
