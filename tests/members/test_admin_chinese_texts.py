"""The admin speaks Chinese where the members models (or the installed packages) still carry English
labels and help texts: overridden in the admin (no members migration) or in locale/."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from members.models import ImportBatch, Order
from members.services import record_consent
from tests.conftest import at

# Imports written `name as name` are fixtures: pytest looks them up by name in this module.
from tests.members.admin_helpers import alice as alice
from tests.members.admin_helpers import change, changelist

pytestmark = pytest.mark.django_db


def test_the_order_page_explains_the_buyer_account_in_chinese(admin_client, alice):
    # given
    order = Order.objects.create(channel="tmall", external_no="T-1", member=alice, status="paid",
                                 source_profile=alice.source_profiles.get(), paid_amount=Decimal("9.90"))

    # when
    content = admin_client.get(change(order)).content.decode()

    # then
    assert "下单的渠道账号；撤销会员合并时，订单据此退回原来的会员" in content
    assert "the channel account that placed it" not in content


def test_consent_records_name_who_recorded_them_in_chinese(admin_client, alice, admin_user):
    # given
    record = record_consent(member_id=alice.pk, channel="sms", status="granted", source="门店纸质表单",
                            recorded_at=at("2026-01-02"), actor=admin_user)

    # when
    listing = admin_client.get(changelist("consentrecord")).content.decode()
    page = admin_client.get(change(record)).content.decode()
    add = admin_client.get(reverse("admin:members_consentrecord_add")).content.decode()

    # then
    assert "记录人" in listing and "记录人" in page
    assert "如：小程序注册时勾选、短信回复 T 退订、门店纸质表单" in add
    assert ">Actor<" not in listing and "Actor:" not in page and "e.g. wechat_mp" not in add


def test_the_import_batch_page_has_chinese_help_texts(admin_client):
    # given
    batch = ImportBatch.objects.create(kind="members", format="generic", file_name="a.csv", actor_label="command")

    # when
    content = admin_client.get(change(batch)).content.decode()

    # then
    assert "发起导入的命令、后台任务或用户" in content and "中断后继续导入时从下一行接着处理" in content
    assert "command, task or user name" not in content and "last file row committed" not in content


def test_the_export_page_lists_its_columns_in_chinese_with_select_all(admin_client, alice):
    # when
    content = admin_client.get(reverse("admin:members_member_export")).content.decode()

    # then
    assert "全选" in content and "Select all" not in content
    assert '<label for="id_memberresource_birthday">生日</label>' in content
    assert "Birthday (生日)" not in content


def test_the_two_box_selector_of_the_admin_speaks_chinese(admin_client):
    # when (the admin's JavaScript catalogue, which SelectFilter2 reads)
    content = admin_client.get(reverse("admin:jsi18n")).content.decode()

    # then (the catalogue is JSON: non-ASCII text is \u-escaped)
    assert json.dumps("全选%s") in content and json.dumps("移除全部%s") in content
