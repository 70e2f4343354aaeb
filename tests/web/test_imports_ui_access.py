"""The import pages' gatekeeping: who may open them, the navigation, the batch list and the admin."""

import pytest
from django.contrib.auth.models import User

from core.roles import ADMIN, GUIDE, OPERATOR
from members.models import ImportBatch, ImportRowError

# Imports written `name as name` are fixtures: pytest looks them up by name in this module.
from .imports_ui_helpers import failed_batch as failed_batch
from .imports_ui_helpers import media_root as media_root
from .imports_ui_helpers import operator_client as operator_client


def batch_urls(batch_id):
    return [
        "/imports/", "/imports/new/", f"/imports/{batch_id}/", f"/imports/{batch_id}/progress.json",
        f"/imports/{batch_id}/errors.csv", "/imports/templates/members/generic.csv",
    ]


def test_anonymous_visitors_are_sent_to_login_from_every_import_page(client, failed_batch):
    for url in batch_urls(failed_batch.pk):
        response = client.get(url)

        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
    resume = client.post(f"/imports/{failed_batch.pk}/resume/")
    assert resume.status_code == 302 and resume["Location"].startswith("/accounts/login/")


def test_guides_are_refused_every_import_page(client, staff, failed_batch):
    client.force_login(staff(GUIDE))

    for url in batch_urls(failed_batch.pk):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/imports/{failed_batch.pk}/resume/").status_code == 403


@pytest.mark.parametrize("role", [OPERATOR, ADMIN])
def test_operators_and_admins_open_every_import_page(client, staff, failed_batch, role):
    client.force_login(staff(role))

    for url in batch_urls(failed_batch.pk):
        assert client.get(url).status_code == 200, url


def test_operators_and_admins_may_upload_but_guides_may_not(staff):
    # given the three roles
    admin, operator, guide = staff(ADMIN), staff(OPERATOR), staff(GUIDE)

    # then only admins and operators hold the import permissions
    for user in (admin, operator):
        assert {"members.add_importbatch", "members.view_importbatch"} <= user.get_all_permissions()
    assert not guide.has_perm("members.add_importbatch")
    assert not guide.has_perm("members.view_importbatch")


def test_home_and_navigation_link_to_imports_for_operators_only(client, staff):
    client.force_login(staff(OPERATOR))
    operator_home = client.get("/").content.decode()
    client.force_login(staff(GUIDE))
    guide_home = client.get("/", follow=True)  # a guide's start page is the workspace

    assert 'href="/imports/new/"' in operator_home and 'href="/imports/"' in operator_home
    assert guide_home.status_code == 200 and "/imports/" not in guide_home.content.decode()


def test_list_shows_recent_batches_with_counts_and_links(operator_client, failed_batch):
    page = operator_client.get("/imports/").content.decode()

    assert f'href="/imports/{failed_batch.pk}/"' in page
    assert "members.csv" in page and "失败" in page


def test_list_is_paginated_by_fifty(operator_client):
    ImportBatch.objects.bulk_create(
        ImportBatch(kind="members", format="generic", file_name=f"f{i}.csv") for i in range(51)
    )

    first = operator_client.get("/imports/").content.decode()
    second = operator_client.get("/imports/?page=2").content.decode()

    assert first.count('class="status status-') == 50 and second.count('class="status status-') == 1
    assert "第 1 / 2 页" in first and "第 2 / 2 页" in second


def test_admin_shows_batches_read_only_with_a_link_to_the_batch_page(client, staff, failed_batch):
    # given a failed batch with a row error
    ImportRowError.objects.create(batch=failed_batch, row_number=7, column="生日", value="1990-13-01", reason="日期无效")
    client.force_login(staff(ADMIN))

    changelist = client.get("/admin/members/importbatch/")
    change = client.get(f"/admin/members/importbatch/{failed_batch.pk}/change/")
    add = client.get("/admin/members/importbatch/add/")

    assert changelist.status_code == 200 and "members.csv" in changelist.content.decode()
    assert change.status_code == 200 and f'href="/imports/{failed_batch.pk}/"' in change.content.decode()
    assert "1990-13-01" in change.content.decode()
    assert add.status_code == 403


def test_admin_lists_pending_order_lines(client, staff):
    client.force_login(staff(ADMIN))

    assert client.get("/admin/members/pendingorderline/").status_code == 200


def test_staff_without_phone_permission_see_phones_in_row_errors_masked(client, failed_batch):
    # given a row error carrying a full mobile, and a user who may see imports but not full phones
    from django.contrib.auth.models import Permission

    ImportRowError.objects.create(batch=failed_batch, row_number=2, column="手机号", value="13800138000",
                                  reason="与渠道账号不符")
    user = User.objects.create_user(username="viewer", password="pw-123456", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_importbatch"))
    client.force_login(user)

    # when they open the batch page and download the errors
    page = client.get(f"/imports/{failed_batch.pk}/").content.decode()
    body = b"".join(client.get(f"/imports/{failed_batch.pk}/errors.csv").streaming_content).decode("utf-8")

    # then the number is masked in both
    assert "13800138000" not in page and "13800138000" not in body
    assert "138****8000" in page and "138****8000" in body
