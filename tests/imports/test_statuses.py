"""Platform status texts → OrderStatus, the "(删除)" marker and refunds."""

from decimal import Decimal

import pytest

from members.imports.formats import statuses
from members.imports.formats.values import ChoiceError


@pytest.mark.parametrize(
    ("text", "status"),
    [("等待买家付款", "pending"), ("买家已付款，等待卖家发货", "paid"), ("买家已付款,等待卖家发货", "paid"),
     ("卖家已发货，等待买家确认", "shipped"), ("交易成功", "completed"), ("交易关闭", "closed"),
     ("交易被淘宝关闭", "closed"), ("交易被天猫关闭", "closed"), (" 交易成功 ", "completed")],
)
def test_tmall_statuses(text, status):
    assert statuses.TMALL.parse(text) == status


@pytest.mark.parametrize(
    ("text", "status"),
    [("等待付款", "pending"), ("待付款", "pending"), ("等待出库", "paid"), ("待出库", "paid"), ("锁定", "paid"),
     ("锁定订单", "paid"), ("等待确认收货", "shipped"), ("已发货", "shipped"), ("完成", "completed"),
     ("已完成", "completed"), ("已取消", "closed"), ("取消", "closed")],
)
def test_jd_statuses(text, status):
    assert statuses.JD.parse(text) == status


@pytest.mark.parametrize(("text", "status"), [("completed", "completed"), ("已完成", "completed"), ("部分退款", "partially_refunded")])
def test_generic_statuses_are_our_codes_or_labels(text, status):
    assert statuses.GENERIC.parse(text) == status


def test_an_unknown_status_is_refused_listing_the_known_ones():
    with pytest.raises(ChoiceError) as raised:
        statuses.TMALL.parse("交易神秘")
    assert "等待买家付款" in raised.value.reason and "交易成功" in raised.value.reason


def test_an_empty_status_is_none():
    assert statuses.TMALL.parse("  ") is None


@pytest.mark.parametrize("text", ["(删除)等待出库", "（删除）等待出库", " ( 删除 ) 等待出库"])
def test_the_jd_deleted_prefix_is_split_off(text):
    assert statuses.split_deleted(text) == ("等待出库", True)


def test_a_status_without_the_prefix_is_not_deleted():
    assert statuses.split_deleted("等待出库") == ("等待出库", False)


@pytest.mark.parametrize(
    ("status", "paid", "refunded", "result"),
    [("closed", "199.00", "199.00", "refunded"), ("completed", "300.00", "100.00", "partially_refunded"),
     ("completed", "300.00", "300.00", "refunded"), ("closed", "0.00", "0.00", "closed"),
     ("completed", "300.00", "0.00", "completed"), ("pending", "0.00", "10.00", "pending")],
)
def test_refunds_decide_between_refunded_and_partially_refunded(status, paid, refunded, result):
    assert statuses.with_refund(status, Decimal(paid), Decimal(refunded)) == result
