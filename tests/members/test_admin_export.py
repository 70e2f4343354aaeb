"""Member and order CSV/XLSX export: Chinese headers, formula neutralizing, masked phones, numeric amounts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from members.models import Order, Store
from tests.members.admin_helpers import MOBILE, staff

# Imports written `name as name` are fixtures: pytest looks them up by name in this module.
from tests.members.admin_helpers import alice as alice

pytestmark = pytest.mark.django_db


def export_csv(client, resource="memberresource", model="member") -> str:
    from members.admin.resources import MemberResource, OrderResource

    fields = (MemberResource if model == "member" else OrderResource)._meta.fields
    data = {"format": "0", "resource": "0", **{f"{resource}_{name}": "on" for name in fields}}
    response = client.post(reverse(f"admin:members_{model}_export"), data)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode("utf-8-sig")


def test_export_csv_has_chinese_headers(admin_client, alice):
    # when
    content = export_csv(admin_client)

    # then
    assert content.splitlines()[0].startswith("会员编号,姓名,性别,生日,手机号")


def test_export_csv_neutralizes_a_formula_in_a_name(admin_client, person):
    # given a name crafted as a spreadsheet formula
    person(channel="mall", external_id="u-evil", name="=HYPERLINK(\"http://x\")", mobile="13500135000")

    # when
    content = export_csv(admin_client)

    # then
    assert "'=HYPERLINK" in content
    assert ",=HYPERLINK" not in content


def test_export_masks_mobile_for_staff_without_reveal_permission(client, alice):
    # given
    staff(client, "viewer", perms=("members.view_member",))

    # when
    content = export_csv(client)

    # then
    assert "138****8000" in content
    assert MOBILE not in content


def test_order_export_keeps_amounts_numeric(admin_client, alice):
    # given
    Order.objects.create(
        channel="jd", external_no="-JD-1", member=alice, status="paid", paid_amount=Decimal("12.50"),
        store=Store.objects.create(code="S1", name="静安店"),
    )

    # when
    content = export_csv(admin_client, resource="orderresource", model="order")

    # then
    row = content.splitlines()[1]
    assert "'-JD-1" in row
    assert "12.50" in row and "'12.50" not in row


def test_export_xlsx_neutralizes_a_formula_in_a_name(admin_client, person):
    # given
    import io

    from openpyxl import load_workbook

    from members.admin.resources import MemberResource

    person(channel="mall", external_id="u-evil", name="@SUM(1+1)", mobile="13500135000")
    data = {"format": "1", **{f"memberresource_{name}": "on" for name in MemberResource._meta.fields}}

    # when
    response = admin_client.post(reverse("admin:members_member_export"), data)

    # then
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert names == ["'@SUM(1+1)"]
    assert sheet.cell(row=2, column=2).data_type == "s"
