"""Tmall/Taobao order report (ExportOrderList*.csv): one row per order, GBK, many versions."""

from collections.abc import Iterator
from decimal import Decimal

from members.models.choices import Channel
from members.services.records import IncomingRecord

from ..fingerprints import RowFingerprints
from ..rows import Column, HeaderMatch, KnownRow, OrderRow
from . import limits, statuses, values
from .base import ImportFormat, Memo, ParsedRow, TableRows, TakenIn
from .buyers import strip_postcode
from .values import MissingValue, ValueProblem

ZERO = Decimal("0.00")
NO_REFUND = ("", "0.00", "0")
TMALL = Channel.TMALL.value
NICK = limits.account("tmall_nick")  # the account's key and its tmall_nick identifier


class TmallOrdersFormat(ImportFormat):
    key = "tmall"
    label = "天猫/淘宝订单报表（ExportOrderList）"
    kind = "orders"
    channel = TMALL
    columns = [
        Column("order_no", "订单编号", required=True),
        Column("buyer_nick", "买家会员名", aliases=("买家昵称",)),
        Column("payable", "买家应付货款", aliases=("总金额",)),
        Column("paid", "买家实际支付金额", required=True),
        Column("status", "订单状态", required=True),
        Column("receiver", "收货人姓名", aliases=("收货人",)),
        Column("address", "收货地址", aliases=("收货人地址",)),
        Column("mobile", "联系手机", aliases=("联系电话", "手机", "手机号")),
        Column("ordered_at", "订单创建时间", aliases=("创建时间", "下单时间"), required=True),
        Column("paid_at", "订单付款时间", aliases=("付款时间",)),
        Column("item_count", "宝贝总数量", aliases=("宝贝数量",)),
        Column("shop", "店铺名称"),
        Column("close_reason", "订单关闭原因"),
        Column("refund", "退款金额"),
        Column("completed_at", "确认收货时间"),
    ]
    parsers = {
        "order_no": values.order_number,
        "payable": values.amount,
        "paid": values.amount,
        "status": statuses.TMALL.parse,
        "ordered_at": values.datetime,
        "paid_at": values.datetime,
        "item_count": values.quantity,
        "refund": values.amount,
        "completed_at": values.datetime,
        "buyer_nick": NICK,
        "receiver": limits.NAME,
        "address": limits.ADDRESS,
        "mobile": limits.MOBILE,
        "shop": limits.SHOP,
    }
    # Columns of other export versions that carry nothing the CRM keeps.
    ignored = (
        "买家应付邮费", "买家支付宝账号", "买家支付积分", "返点积分", "买家实际支付积分", "买家留言", "运送方式",
        "宝贝标题", "宝贝种类", "物流单号", "物流公司", "订单备注", "店铺Id", "卖家服务费", "买家服务费",
        "发票抬头", "是否手机订单", "分阶段订单信息", "特权订金订单id", "是否上传合同照片", "是否上传小票",
        "是否代付", "定金排名", "修改后的sku", "修改后的收货地址", "异常信息", "天猫卡券抵扣", "集分宝抵扣",
        "是否是O2O交易", "预约门店", "打款商家金额",
    )

    single_row_orders = True

    def parse(self, rows: TableRows, match: HeaderMatch, taken_in: TakenIn | None = None) -> Iterator[ParsedRow]:
        # Hot loop (a million rows per report): headers and functions live in locals, a
        # missing optional column reads as "" through row.get(None, ""), and the rows are
        # built positionally (field order checked in base.py).
        h = match.columns
        h_no, h_status, h_paid, h_ordered = h["order_no"], h["status"], h["paid"], h["ordered_at"]
        h_payable, h_refund, h_paid_at, h_done = h.get("payable"), h.get("refund"), h.get("paid_at"), h.get("completed_at")
        h_count, h_shop = h.get("item_count"), h.get("shop")
        h_nick, h_mobile, h_name, h_address = h.get("buyer_nick"), h.get("mobile"), h.get("receiver"), h.get("address")
        with_buyer = h_nick is not None or h_mobile is not None
        order_number, amount, when, quantity, text = (
            values.order_number, values.amount, values.datetime, values.quantity, values.text
        )
        exact_status, parse_status, with_refund = statuses.TMALL.exact.get, statuses.TMALL.parse, statuses.with_refund
        shops = Memo(_shop)  # one or a few shops per report
        nick_max, mobile_max, name_max, address_max = (
            NICK.max_length, limits.MOBILE.max_length, limits.NAME.max_length, limits.ADDRESS.max_length
        )
        fingerprint = RowFingerprints(h.values()).of
        for number, row in rows:
            get = row.get
            row_print = fingerprint(row)
            if taken_in is not None and taken_in(row_print):
                try:
                    yield KnownRow(number, TMALL, order_number(row[h_no]), row_print, row,
                                   with_buyer and bool(text(get(h_nick, "")) or text(get(h_mobile, ""))))
                    continue
                except ValueProblem:
                    pass  # parsed below, which reports it
            try:
                external_no = order_number(row[h_no])
                raw_status = row[h_status]
                status = exact_status(raw_status) or parse_status(raw_status)
                raw_paid = row[h_paid]
                paid = amount(raw_paid)
                ordered_at = when(row[h_ordered])
                if status is None or paid is None or ordered_at is None:
                    raise MissingValue("")
                raw_payable = get(h_payable, "")
                payable = paid if raw_payable == raw_paid else amount(raw_payable)  # mostly equal: parse once
                if payable is None:
                    payable = paid  # older exports have no 买家应付货款
                raw_refund = get(h_refund, "")
                refunded = ZERO if raw_refund in NO_REFUND else (amount(raw_refund) or ZERO)
                paid_at = when(get(h_paid_at, ""))
                completed_at = when(get(h_done, ""))
                item_count = quantity(get(h_count, "")) or 0
                shop, cut = shops(get(h_shop, ""))
            except ValueProblem as problem:
                yield from self.row_errors(number, row, match, problem.reason)
                continue
            if refunded:
                status = with_refund(status, paid, refunded)
            buyer = None
            if with_buyer:
                nick, mobile = text(get(h_nick, "")), text(get(h_mobile, ""))
                if nick or mobile:  # masked numbers (138****1234) are kept: cleaning knows them
                    name, address = get(h_name, "").strip(), get(h_address, "").strip()
                    if (len(nick) > nick_max or len(mobile) > mobile_max or len(name) > name_max
                            or len(address) > address_max):
                        try:
                            cut = list(cut)
                            nick, mobile = NICK.fit(nick, cut), limits.MOBILE.fit(mobile, cut)
                            name, address = limits.NAME.fit(name, cut), limits.ADDRESS.fit(address, cut)
                        except ValueProblem as problem:
                            yield from self.row_errors(number, row, match, problem.reason)
                            continue
                    seen_at = ordered_at
                    if paid_at is not None and paid_at > seen_at:
                        seen_at = paid_at
                    if completed_at is not None and completed_at > seen_at:
                        seen_at = completed_at
                    # Profile fields go as in the file (trimmed): clean_record cleans them.
                    # (channel, external_id, name, gender, birthday, mobile, email, province, city,
                    #  district, address, store_code, registered_at, seen_at, identifiers)
                    buyer = IncomingRecord(
                        TMALL, nick, name, "", None, mobile, "", "", "", "", strip_postcode(address), "", None,
                        seen_at, {"tmall_nick": nick} if nick else {},
                    )
            yield OrderRow(
                number, TMALL, external_no, status, raw_status.strip()[:limits.RAW_STATUS], payable, paid, refunded,
                False, item_count, ordered_at, paid_at, completed_at, shop, "", buyer, None, 1, row_print, cut,
            )


_NOTHING_CUT: tuple[str, ...] = ()


def _shop(raw: str) -> tuple[str, tuple[str, ...]]:
    """(shop name fitted to its column, the cut it took); TextError for a cell no shop name fills."""
    cut: list[str] = []
    return limits.SHOP.fit(values.text(raw), cut), tuple(cut) or _NOTHING_CUT
