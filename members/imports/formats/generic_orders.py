"""Our own order template: one row per order line, any channel, documented column by column."""

from collections.abc import Iterator
from decimal import Decimal

from members.services.records import IncomingRecord

from ..rows import Column, HeaderMatch, LineRow, OrderRow, RowError
from . import limits, statuses, values
from .base import ImportFormat, ParsedRow, TableRows
from .buyers import ACCOUNT_IDENTIFIER, latest
from .grouping import OrderAssembler
from .values import MissingValue, ValueProblem

ZERO = Decimal("0.00")
LINE_KEYS = frozenset({"sku", "title", "category", "quantity", "price"})
ORDER_KEYS = frozenset({
    "status", "payable", "paid", "refund", "ordered_at", "paid_at", "completed_at", "store_code", "shop", "account",
    "mobile", "name",
})


class GenericOrdersFormat(ImportFormat):
    key = "generic"
    label = "通用订单模板"
    kind = "orders"
    channel = ""
    columns = [
        Column("channel", "渠道", required=True,
               help="渠道代码或中文名：天猫(tmall)、京东(jd)、微信小程序(wechat_mp)、门店POS(pos)、品牌商城(mall)、接口(api)、手工录入(manual)"),
        Column("order_no", "订单编号", required=True,
               help="同一渠道内唯一；一个订单有多件商品时每件一行，这些行的渠道和订单编号相同且上下相邻"),
        Column("account", "会员渠道账号",
               help="会员在该渠道的账号：门店会员卡号、商城用户ID、京东账号、天猫昵称或微信OpenID"),
        Column("mobile", "会员手机号", help="11 位手机号；与会员渠道账号都不填时，订单不关联会员"),
        Column("name", "会员姓名"),
        Column("store_code", "门店编码", help="门店订单填写，须与系统中的门店编码一致"),
        Column("status", "订单状态", required=True,
               help="待付款、已付款、已发货、已完成、已关闭、已退款、部分退款（也可填英文代码，如 completed）"),
        Column("payable", "应付金额", help="单位元；不填则等于实付金额"),
        Column("paid", "实付金额", required=True, help="单位元，最多两位小数，如 128.00"),
        Column("refund", "退款金额", help="单位元；不填为 0"),
        Column("ordered_at", "下单时间", required=True, help="如 2024-01-31 13:45:00 或 2024/1/31 13:45"),
        Column("paid_at", "付款时间", help="时间格式同下单时间"),
        Column("completed_at", "完成时间", help="时间格式同下单时间"),
        Column("shop", "店铺名称"),
        Column("sku", "SKU", help="商品编码；SKU 与商品名称都不填的行不记为订单明细"),
        Column("title", "商品名称"),
        Column("category", "品类"),
        Column("quantity", "数量", help="整数；填了商品时不填为 1"),
        Column("price", "单价", help="单位元"),
    ]
    parsers = {
        "channel": values.channel,
        "order_no": values.order_number,
        "account": limits.ANY_ACCOUNT,
        "mobile": limits.MOBILE,
        "name": limits.NAME,
        "store_code": limits.STORE_CODE,
        "status": statuses.GENERIC.parse,
        "payable": values.amount,
        "paid": values.amount,
        "refund": values.amount,
        "ordered_at": values.datetime,
        "paid_at": values.datetime,
        "completed_at": values.datetime,
        "shop": limits.SHOP,
        "sku": limits.SKU,
        "title": limits.TITLE,
        "category": limits.CATEGORY,
        "quantity": values.quantity,
        "price": values.amount,
    }
    examples = {
        "channel": "门店POS", "order_no": "POS20240131000123", "account": "8800123456", "mobile": "13812345678",
        "name": "张三", "store_code": "SH001", "status": "已完成", "payable": "299.00", "paid": "269.00",
        "refund": "0", "ordered_at": "2024-01-31 13:45:00", "paid_at": "2024-01-31 13:46:10",
        "completed_at": "2024-01-31 13:46:10", "shop": "上海南京西路店", "sku": "TS-001-BLK-L",
        "title": "纯棉T恤 黑色 L", "category": "服装", "quantity": "1", "price": "269.00",
    }

    def parse(self, rows: TableRows, match: HeaderMatch) -> Iterator[ParsedRow]:
        h = match.columns
        with_lines = "sku" in h or "title" in h
        orders = OrderAssembler(h["order_no"], h.values())
        for number, row in rows:
            try:
                channel = values.channel(row[h["channel"]])
                external_no = values.order_number(row[h["order_no"]])
            except ValueProblem as problem:
                # The order being assembled ends here, so output stays in file order and every
                # order covers consecutive rows (a later row of it starts a repeat).
                yield from orders.finish(with_lines=with_lines)
                yield from self.row_errors(number, row, match, problem.reason)
                continue
            key = f"{channel}\x1f{external_no}"
            if orders.is_new(key):
                yield from orders.finish(with_lines=with_lines)
                order, errors = self._order(number, row, match, channel, external_no)
                orders.start(key, external_no, order, errors)
            cut: list[str] = []
            try:
                line, quantity = self._line(row, h, orders, cut)
            except ValueProblem:
                orders.add(number, row, None, 0, self.row_errors(number, row, match, keys=LINE_KEYS))
                continue
            orders.add(number, row, line, quantity, cut=cut)
        yield from orders.finish(with_lines=with_lines)

    def _order(
        self, number: int, row: dict[str, str], match: HeaderMatch, channel: str, external_no: str
    ) -> tuple[OrderRow | None, list[RowError]]:
        h, get = match.columns, row.get
        cut: list[str] = []
        try:
            raw_status = row[h["status"]].strip()
            status = statuses.GENERIC.parse(raw_status)
            paid = values.amount(row[h["paid"]])
            ordered_at = values.datetime(row[h["ordered_at"]])
            if status is None or paid is None or ordered_at is None:
                raise MissingValue("")
            payable = values.amount(get(h.get("payable"), ""))
            refunded = values.amount(get(h.get("refund"), "")) or ZERO
            paid_at = values.datetime(get(h.get("paid_at"), ""))
            completed_at = values.datetime(get(h.get("completed_at"), ""))
            store_code = limits.STORE_CODE(get(h.get("store_code"), ""))
            shop_name = limits.SHOP.fit(values.text(get(h.get("shop"), "")), cut)
            buyer = self._buyer(row, h, channel, store_code, latest(ordered_at, paid_at, completed_at), cut)
        except ValueProblem as problem:
            return None, self.row_errors(number, row, match, problem.reason, keys=ORDER_KEYS)
        order = OrderRow(
            row_number=number,
            channel=channel,
            external_no=external_no,
            status=status,  # our own statuses: taken as given, refunds included
            raw_status=raw_status[:limits.RAW_STATUS],
            payable_amount=paid if payable is None else payable,
            paid_amount=paid,
            refunded_amount=refunded,
            ordered_at=ordered_at,
            paid_at=paid_at,
            completed_at=completed_at,
            shop_name=shop_name,
            store_code=store_code,
            buyer=buyer,
            cut=cut,
        )
        return order, []

    @staticmethod
    def _line(row: dict[str, str], h: dict[str, str], orders: OrderAssembler,
              cut: list[str]) -> tuple[LineRow | None, int]:
        """The row's order line (None when it names no product) and its quantity; long text cut into `cut`."""
        get = row.get
        raw_sku, raw_title = get(h.get("sku"), ""), get(h.get("title"), "")
        is_line = bool(values.text(raw_sku) or values.text(raw_title))
        # Numbered before its values are checked: a bad row keeps its place (see OrderAssembler).
        line_no = orders.next_line_no() if is_line else 0
        quantity = values.quantity(get(h.get("quantity"), ""))
        if not is_line:
            return None, quantity or 0
        quantity = 1 if quantity is None else quantity
        line = LineRow(
            line_no=line_no,
            sku=limits.SKU(raw_sku),
            title=limits.TITLE.fit(values.text(raw_title), cut),
            category=limits.CATEGORY.fit(values.text(get(h.get("category"), "")), cut),
            quantity=quantity,
            price=values.amount(get(h.get("price"), "")) or ZERO,
        )
        return line, quantity

    @staticmethod
    def _buyer(
        row: dict[str, str], h: dict[str, str], channel: str, store_code: str, seen_at, cut: list[str]
    ) -> IncomingRecord | None:
        get = row.get
        account, mobile = values.text(get(h.get("account"), "")), values.text(get(h.get("mobile"), ""))
        if not (account or mobile):
            return None
        kind = ACCOUNT_IDENTIFIER.get(channel)
        account, mobile = limits.ANY_ACCOUNT.fit(account, cut), limits.MOBILE.fit(mobile, cut)
        return IncomingRecord(
            channel=channel,
            external_id=account,
            name=limits.NAME.fit(values.text(get(h.get("name"), "")), cut),
            mobile=mobile,
            store_code=store_code,
            seen_at=seen_at,
            identifiers={kind: account} if kind and account else {},
        )
