"""JD merchant order export: one row per SKU, the order number repeating on each, GBK."""

from collections.abc import Iterator
from decimal import Decimal

from members.models.choices import Channel
from members.services.records import IncomingRecord

from ..rows import Column, HeaderMatch, LineRow, OrderRow, RowError
from . import limits, statuses, values
from .base import REQUIRED_EMPTY, ImportFormat, ParsedRow, TableRows
from .buyers import latest
from .grouping import OrderAssembler
from .values import MissingValue, ValueProblem

ZERO = Decimal("0.00")
JD = Channel.JD.value
ACCOUNT = limits.account("jd_account")
LINE_KEYS = frozenset({"sku", "title", "quantity", "price"})
ORDER_KEYS = frozenset({
    "order_no", "ordered_at", "order_amount", "payable", "status", "paid_at", "completed_at", "refund",
    "account", "name", "address", "mobile",
})


def parse_status(raw: str) -> str | None:
    """JD's status, without the "(删除)" prefix it puts on orders the buyer deleted."""
    rest, _ = statuses.split_deleted(raw)
    return statuses.JD.parse(rest)


class JdOrdersFormat(ImportFormat):
    key = "jd"
    label = "京东商家订单导出"
    kind = "orders"
    channel = JD
    columns = [
        Column("order_no", "订单号", aliases=("订单编号",), required=True),
        Column("sku", "商品ID", aliases=("商品编号", "SKU")),
        Column("title", "商品名称"),
        Column("quantity", "订购数量", aliases=("商品数量", "数量")),
        Column("ordered_at", "下单时间", required=True),
        Column("price", "京东价", aliases=("商品单价",)),
        Column("order_amount", "订单金额"),
        Column("payable", "应付金额", required=True),
        Column("status", "订单状态", required=True),
        Column("account", "下单帐号", aliases=("下单账号", "用户账号")),
        Column("name", "客户姓名", aliases=("收货人",)),
        Column("address", "客户地址", aliases=("收货地址",)),
        Column("mobile", "联系电话", aliases=("联系手机", "手机号")),
        Column("paid_at", "付款确认时间", aliases=("付款时间",)),
        Column("completed_at", "订单完成时间", aliases=("完成时间",)),
        Column("refund", "退款金额"),
    ]
    parsers = {
        "order_no": values.order_number,
        "sku": limits.SKU,
        "title": limits.TITLE,
        "quantity": values.quantity,
        "ordered_at": values.datetime,
        "price": values.amount,
        "order_amount": values.amount,
        "payable": values.amount,
        "status": parse_status,
        "paid_at": values.datetime,
        "completed_at": values.datetime,
        "refund": values.amount,
        "account": ACCOUNT,
        "name": limits.NAME,
        "address": limits.ADDRESS,
        "mobile": limits.MOBILE,
    }
    ignored = ("支付方式", "结算金额", "订单类型", "订单来源", "订单渠道", "订单备注", "商家备注", "运费金额", "余额支付")

    def parse(self, rows: TableRows, match: HeaderMatch) -> Iterator[ParsedRow]:
        h = match.columns
        h_no = h["order_no"]
        with_lines = "sku" in h or "title" in h
        orders = OrderAssembler(h_no, h.values())
        for number, row in rows:
            try:
                external_no = values.order_number(row[h_no])
            except ValueProblem as problem:
                # The order being assembled ends here, so output stays in file order and every
                # order covers consecutive rows (a later row of it starts a repeat).
                yield from orders.finish(with_lines=with_lines)
                yield from self.row_errors(number, row, match, problem.reason)
                continue
            if orders.is_new(external_no):
                yield from orders.finish(with_lines=with_lines)
                order, errors = self._order(number, row, match, external_no)
                orders.start(external_no, external_no, order, errors)
            cut: list[str] = []
            try:
                line = self._line(row, h, orders.next_line_no(), cut) if with_lines else None
            except ValueProblem:
                orders.add(number, row, None, 0, self.row_errors(number, row, match, keys=LINE_KEYS))
                continue
            orders.add(number, row, line, line.quantity if line else 0, cut=cut)
        yield from orders.finish(with_lines=with_lines)

    def _order(
        self, number: int, row: dict[str, str], match: HeaderMatch, external_no: str
    ) -> tuple[OrderRow | None, list[RowError]]:
        """The order-level values of an order's first row: (OrderRow, []) or (None, errors)."""
        h, get = match.columns, row.get
        payable = None
        cut: list[str] = []
        try:
            raw_status = row[h["status"]].strip()
            status_text, is_deleted = statuses.split_deleted(raw_status)
            status = statuses.JD.parse(status_text)
            payable = values.amount(row[h["payable"]])
            if payable is None:
                payable = values.amount(get(h.get("order_amount"), ""))
            ordered_at = values.datetime(row[h["ordered_at"]])
            if status is None or payable is None or ordered_at is None:
                raise MissingValue("")
            refunded = values.amount(get(h.get("refund"), "")) or ZERO
            paid_at = values.datetime(get(h.get("paid_at"), ""))
            completed_at = values.datetime(get(h.get("completed_at"), ""))
            buyer = self._buyer(row, h, latest(ordered_at, paid_at, completed_at), cut)
        except ValueProblem as problem:
            errors = self.row_errors(number, row, match, problem.reason, keys=ORDER_KEYS)
            if payable is not None:  # an empty 应付金额 was filled in from 订单金额
                errors = [e for e in errors if not (e.column == h["payable"] and e.reason == REQUIRED_EMPTY)]
            return None, errors or [RowError(number, "", "", problem.reason or "此行无法导入")]
        # JD's export has no "actually paid" column: 应付金额 is what the buyer paid once the
        # order is paid; an unpaid (pending, or cancelled before payment) order paid nothing.
        unpaid = status == statuses.PENDING or (status == statuses.CLOSED and paid_at is None and not refunded)
        paid = ZERO if unpaid else payable
        order = OrderRow(
            row_number=number,
            channel=JD,
            external_no=external_no,
            status=statuses.with_refund(status, paid, refunded),
            raw_status=raw_status[:limits.RAW_STATUS],
            payable_amount=payable,
            paid_amount=paid,
            refunded_amount=refunded,
            is_deleted=is_deleted,
            ordered_at=ordered_at,
            paid_at=paid_at,
            completed_at=completed_at,
            buyer=buyer,
            cut=cut,
        )
        return order, []

    @staticmethod
    def _line(row: dict[str, str], h: dict[str, str], line_no: int, cut: list[str]) -> LineRow:
        get = row.get
        quantity = values.quantity(get(h.get("quantity"), ""))
        return LineRow(
            line_no=line_no,
            sku=limits.SKU(get(h.get("sku"), "")),
            title=limits.TITLE.fit(values.text(get(h.get("title"), "")), cut),
            quantity=1 if quantity is None else quantity,
            price=values.amount(get(h.get("price"), "")) or ZERO,
        )

    @staticmethod
    def _buyer(row: dict[str, str], h: dict[str, str], seen_at, cut: list[str]) -> IncomingRecord | None:
        """The buyer, its long name or address cut to fit (noted in `cut`); TextError for an absurd value."""
        get = row.get
        account, mobile = values.text(get(h.get("account"), "")), values.text(get(h.get("mobile"), ""))
        if not (account or mobile):
            return None
        account, mobile = ACCOUNT.fit(account, cut), limits.MOBILE.fit(mobile, cut)
        return IncomingRecord(
            channel=JD,
            external_id=account,
            name=limits.NAME.fit(get(h.get("name"), "").strip(), cut),
            mobile=mobile,
            address=limits.ADDRESS.fit(get(h.get("address"), "").strip(), cut),
            seen_at=seen_at,
            identifiers={"jd_account": account} if account else {},
        )

