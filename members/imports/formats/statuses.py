"""Platform order-status texts → OrderStatus values, kept as data so a new text is one line.

Lookups ignore whitespace and full-/half-width differences, so "买家已付款，等待卖家发货"
and "买家已付款,等待卖家发货" are the same status.
"""

import re
from decimal import Decimal

from members.cleaning import to_halfwidth
from members.models.choices import OrderStatus

from .values import ChoiceError, text

PENDING, PAID, SHIPPED = OrderStatus.PENDING.value, OrderStatus.PAID.value, OrderStatus.SHIPPED.value
COMPLETED, CLOSED = OrderStatus.COMPLETED.value, OrderStatus.CLOSED.value
REFUNDED, PARTIALLY_REFUNDED = OrderStatus.REFUNDED.value, OrderStatus.PARTIALLY_REFUNDED.value

TMALL_STATUSES = {
    "等待买家付款": PENDING,
    "买家已付款，等待卖家发货": PAID,
    "等待卖家发货": PAID,
    "买家已付款": PAID,
    "卖家部分发货": SHIPPED,
    "卖家已发货，等待买家确认": SHIPPED,
    "等待买家确认收货": SHIPPED,
    "买家已签收": SHIPPED,
    "交易成功": COMPLETED,
    "交易关闭": CLOSED,
    "交易被淘宝关闭": CLOSED,
    "交易被天猫关闭": CLOSED,
    "交易自动关闭": CLOSED,
    "付款以后用户退款成功，交易自动关闭": CLOSED,
}

JD_STATUSES = {
    "等待付款": PENDING,
    "待付款": PENDING,
    "等待出库": PAID,
    "待出库": PAID,
    "等待发货": PAID,
    "锁定": PAID,
    "锁定订单": PAID,
    "暂停": PAID,
    "等待确认收货": SHIPPED,
    "待确认收货": SHIPPED,
    "已出库": SHIPPED,
    "已发货": SHIPPED,
    "完成": COMPLETED,
    "已完成": COMPLETED,
    "已取消": CLOSED,
    "取消": CLOSED,
    "取消订单": CLOSED,
}

# Our own template: the code or the Chinese label of every OrderStatus.
GENERIC_STATUSES = {
    **{value: value for value in OrderStatus.values},
    **{str(label): value for value, label in OrderStatus.choices},
}

_SPACES = re.compile(r"\s+")
_DELETED_PREFIX = re.compile(r"^\s*[(（]\s*删除\s*[)）]\s*")  # JD: "(删除)等待出库"


def _key(text: str) -> str:
    return _SPACES.sub("", to_halfwidth(text)).lower()


class StatusTable:
    """One platform's status texts; `known` lists them for error messages."""

    def __init__(self, mapping: dict[str, str]):
        self.exact = dict(mapping)
        self.loose = {_key(text): status for text, status in mapping.items()}
        self.known = "、".join(mapping)

    def parse(self, raw: str) -> str | None:
        """The OrderStatus for a status text; None when empty, ChoiceError when unknown."""
        status = self.exact.get(raw)
        if status is not None:
            return status
        value = text(raw)
        if not value:
            return None
        status = self.loose.get(_key(value))
        if status is None:
            raise ChoiceError(f"无法识别的订单状态，可用的状态：{self.known}")
        return status


TMALL = StatusTable(TMALL_STATUSES)
JD = StatusTable(JD_STATUSES)
GENERIC = StatusTable(GENERIC_STATUSES)


def split_deleted(raw: str) -> tuple[str, bool]:
    """JD marks orders the buyer deleted with a "(删除)" prefix on the status."""
    if "删除" not in raw:
        return raw, False
    rest = _DELETED_PREFIX.sub("", raw, count=1)
    return rest, rest != raw


def with_refund(status: str, paid: Decimal, refunded: Decimal) -> str:
    """The status once a refund is taken into account.

    Platforms keep the fulfilment status (交易成功, 交易关闭) after a refund; what matters
    for revenue is whether all of the payment went back.
    """
    if refunded <= 0 or status == PENDING:
        return status
    return REFUNDED if refunded >= paid else PARTIALLY_REFUNDED
