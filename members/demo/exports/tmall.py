"""Tmall seller-centre exports: the order report `ExportOrderList*.csv` and the item report
`ExportOrderDetailList*.csv` (GBK, CRLF, one order / one line per row, newest first).

Quirks reproduced on purpose (see DESIGN.md, "Real-world formats"): order numbers written
as Excel formulas `="1234…"`; some header names with a trailing space; mobiles with a
leading apostrophe, masked (138****1234), empty or junk; ~5 % of rows with dates as Excel
writes them back (`2024/5/12 20:31`); a few rows with amounts like `199.00元`; 订单关闭原因
"订单未关闭" on open orders; full refunds closed (交易关闭) with 退款金额 = paid.
"""

from __future__ import annotations

import random
import time
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..catalogue import BRAND
from .common import (
    BAD_AMOUNT,
    BAD_AMOUNTS,
    BAD_DATE,
    BAD_DATES,
    BAD_ORDER_NO,
    DAY,
    ORDER_BAD_KINDS,
    ExportSummary,
    LineSink,
    Output,
    Scrambler,
    cents,
    choose_bad_rows,
    csv_text,
    pick,
    summary_for,
    weighted_picker,
    write_blocks,
)
from .goods import LINE_PICKER, Item, add_gift, discounted, draw_lines, partial_refund
from .plan import Plan
from .population import GIVEN_POOL, SURNAMES, Person, Population, masked, tmall_address

ORDERS_KEY = "tmall"  # the importer's format keys (members.imports.formats)
ITEMS_KEY = "tmall_items"
ENCODING = "gb18030"  # every character written is in GBK, so GBK readers decode it too

# Trailing spaces as the seller centre writes them (parsers must strip header names).
ORDER_HEADER = [
    "订单编号 ", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "买家支付积分", "总金额", "返点积分",
    "买家实际支付金额", "买家实际支付积分", "订单状态", "买家留言", "收货人姓名", "收货地址 ", "运送方式", "联系电话 ",
    "联系手机", "订单创建时间", "订单付款时间 ", "宝贝标题 ", "宝贝种类 ", "物流单号 ", "物流公司", "订单备注",
    "宝贝总数量", "店铺Id", "店铺名称", "订单关闭原因", "卖家服务费", "买家服务费", "发票抬头", "是否手机订单",
    "分阶段订单信息", "特权订金订单id", "是否上传合同照片", "是否上传小票", "是否代付", "定金排名", "修改后的sku",
    "修改后的收货地址", "异常信息", "天猫卡券抵扣", "集分宝抵扣", "是否是O2O交易", "退款金额", "确认收货时间",
]
ITEM_HEADER = ["订单编号", "标题", "价格", "购买数量", "外部系统编号", "商品属性", "套餐信息", "备注", "订单状态", "商家编码"]
PII_COLUMNS = ("买家会员名", "收货人姓名", "收货地址", "联系手机")

WAITING_PAYMENT = "等待买家付款"
PAID = "买家已付款，等待卖家发货"
SHIPPED = "卖家已发货，等待买家确认"
SUCCESS = "交易成功"
CLOSED = "交易关闭"
CLOSED_BY_TAOBAO = "交易被淘宝关闭"
NOT_CLOSED = "订单未关闭"
REFUND_CLOSE_REASON = "退款"

SHOP_ID = "113865279"
SHOP_NAME = f"{BRAND}官方旗舰店"
BUYER_CLOSE_REASONS = weighted_picker((
    ("我不想买了", 40), ("信息填写错误，重新拍", 18), ("未及时付款", 20), ("其他原因", 12), ("卖家缺货", 6),
    ("同城见面交易", 4),
))
TAOBAO_CLOSE_REASONS = weighted_picker((("买家付款超时", 85), ("系统关闭", 15)))
CARRIERS = weighted_picker((
    (("顺丰速运", "SF", 13), 30), (("中通快递", "75", 13), 25), (("圆通速递", "YT", 13), 20),
    (("韵达快递", "43", 13), 15), (("申通快递", "77", 13), 5), (("EMS", "11", 11), 5),
))
MESSAGES = (
    "请尽快发货，谢谢", "送人的，不要放发票和价格单", "麻烦发顺丰,谢谢!", "能不能多送几个小样", "生日礼物，麻烦包装好一点",
    '贺卡上写"生日快乐"', "工作日派送，周末不在家", "不要放小票", "放快递柜就行", "和上一单一起发",
)
MEMOS = ("已备注赠品", "VIP客户，加送小样", "客服已承诺发顺丰", "预售尾款已付", "补发", "换货单")
COMPANY_WORDS = ("星辰", "云帆", "汇智", "锦程", "博远", "恒信", "瑞丰", "嘉禾")
COMPANY_KINDS = ("科技", "贸易", "文化传媒", "信息技术", "咨询", "电子商务")
JUNK_PHONES = ("00000000000", "'00000000000", "'13800000000", "-", "11111111111")


@dataclass(slots=True)
class TmallOrder:
    number: str
    person: Person
    created: int  # seconds after the calendar start
    paid_at: int | None
    confirmed_at: int | None
    status: str
    close_reason: str
    goods: int  # cents, list price of the lines
    paid: int  # cents the buyer paid (0 when never paid)
    refund: int
    lines: list[tuple[Item, int]]
    attributes: list[str]
    closed_line: int  # index of a line refunded whole (its item-report status is 交易关闭), or -1
    quantity: int
    phone: str
    receiver: str
    address: str
    message: str
    memo: str
    invoice: str
    mobile_order: bool
    carrier: str
    tracking_no: str
    excel_dates: bool
    yuan: bool


def iter_tmall_orders(
    population: Population, rows: int, *, buyers: int | None = None, excel_dates: float = 0.05,
    yuan: float = 0.03,
) -> Iterator[TmallOrder]:
    """The `rows` orders of the report, newest first; the same arguments give the same orders."""
    plan = Plan(population, "tmall", rows, buyers=buyers)
    for block in range(plan.blocks):
        yield from _tmall_block(population, plan, block, excel_dates, yuan)


def _tmall_block(population: Population, plan: Plan, block: int, excel_dates: float,
                 yuan: float) -> Iterator[TmallOrder]:
    seed = population.seed
    end = population.calendar.end_second
    people = population.people
    rng = random.Random(f"{seed}:tmall-orders:{block}")
    slots, packed_plan, buyer_ids = plan.slots, plan.packed, plan.buyer_ids
    scramble = Scrambler(f"{seed}:tmall-numbers", 10**8)
    surnames_values, surnames_cumulative, surnames_total = SURNAMES
    random_ = rng.random  # scaled by hand below: rng.randrange costs ~10x more

    for position in plan.positions(block):
        created, buyer = divmod(packed_plan[position] >> 3, slots)
        person = people[buyer_ids[buyer]]
        x = scramble(position)
        if random_() < 0.7:
            number = f"{1 + int(random_() * 3)}{x:016d}{person.index % 100:02d}"
        else:
            number = f"{1 + int(random_() * 3)}{x:016d}{person.index % 10}"

        lines = draw_lines(rng, pick(rng, LINE_PICKER))
        goods = 0
        for item, quantity in lines:
            goods += item.price * quantity
        add_gift(rng, lines, goods)
        attributes = []
        for item, _ in lines:
            choices = item.attributes
            attributes.append(choices[int(random_() * len(choices))] if len(choices) > 1 else choices[0])
        pay = discounted(rng, goods)

        paid_at = confirmed_at = None
        close_reason = NOT_CLOSED
        refund = 0
        closed_line = -1
        shipped = False
        roll = random_()
        if end - created < DAY and roll < 0.12:
            status = WAITING_PAYMENT
        elif roll < 0.065:
            status, close_reason = CLOSED, pick(rng, BUYER_CLOSE_REASONS)
        elif roll < 0.08:
            status, close_reason = CLOSED_BY_TAOBAO, pick(rng, TAOBAO_CLOSE_REASONS)
        else:
            delay = 5 + int(random_() * 1800) if random_() < 0.95 else 1800 + int(random_() * 20 * 3600)
            paid_at = created + delay
            ship = paid_at + 7200 + int(random_() * 46 * 3600)
            after = random_()
            if paid_at >= end:
                status, paid_at = WAITING_PAYMENT, None
            elif after < 0.05:  # refunded in full: closed, before or after shipping
                status, close_reason, refund = CLOSED, REFUND_CLOSE_REASON, pay
                shipped = random_() < 0.5 and ship < end
            elif ship >= end:
                status = PAID
            else:
                shipped = True
                confirm = ship + DAY + int(random_() * 9 * DAY)
                if confirm >= end:
                    status = SHIPPED
                else:
                    status, confirmed_at = SUCCESS, confirm
                    if after < 0.115:
                        refund, closed_line = partial_refund(rng, lines, goods, pay)
        if paid_at is None:
            pay = 0

        roll = random_()
        phone = person.tmall_phone
        if roll < 0.02:
            phone = ""
        elif roll < 0.026:
            phone = JUNK_PHONES[int(random_() * len(JUNK_PHONES))]
        elif person.second_mobile and roll < 0.25:
            phone = "'" + person.second_mobile
        elif roll < 0.07:
            phone = masked(person.mobile)

        roll = random_()
        receiver = person.name
        if roll < 0.04:
            receiver = f"{person.surname}\u3000{person.given}"
        elif roll < 0.07:  # a gift sent to someone else
            surname = surnames_values[bisect(surnames_cumulative, random_() * surnames_total)]
            receiver = surname + GIVEN_POOL[int(random_() * len(GIVEN_POOL))]
        elif roll < 0.08:
            receiver = f" {person.name} "

        city = person.city
        address = person.tmall_address
        if random_() < 0.06:  # the office address
            district = city.districts[int(random_() * len(city.districts))]
            road = city.roads[int(random_() * len(city.roads))]
            street = f"{road}{1 + int(random_() * 999)}号{city.city_short}中心大厦{2 + int(random_() * 30)}楼"
            address = tmall_address(person, district, street, person.postcode[:3] + "000")

        message = MESSAGES[int(random_() * len(MESSAGES))] if random_() < 0.06 else ""
        memo = MEMOS[int(random_() * len(MEMOS))] if random_() < 0.03 else ""
        roll = random_()
        invoice = ""
        if roll < 0.03:
            invoice = "个人"
        elif roll < 0.05:
            invoice = (f"{city.city_short}{COMPANY_WORDS[int(random_() * len(COMPANY_WORDS))]}"
                       f"{COMPANY_KINDS[int(random_() * len(COMPANY_KINDS))]}有限公司")
        carrier = tracking = ""
        if shipped:
            carrier, prefix, digits = pick(rng, CARRIERS)
            tracking = f"{prefix}{int(random_() * 10**digits):0{digits}d}"
        quantity = 0
        for _, q in lines:
            quantity += q
        yield TmallOrder(  # positional: a million keyword calls cost seconds
            number, person, created, paid_at, confirmed_at, status, close_reason, goods, pay, refund, lines,
            attributes, closed_line, quantity, phone, receiver, address, message, memo, invoice,
            random_() < 0.88, carrier, tracking, random_() < excel_dates, random_() < yuan,
        )


def write_tmall_reports(
    orders_path: Path | str | None,
    items_path: Path | str | None,
    population: Population,
    rows: int,
    *,
    buyers: int | None = None,
    drop_pii: bool = False,
    excel_dates: float = 0.05,
    yuan: float = 0.03,
    bad_rate: float = 0.0,
    jobs: int = 1,
) -> tuple[ExportSummary | None, ExportSummary | None]:
    """Write the order report and/or the item report in one pass over the same orders.

    `rows` orders by the first `buyers` Tmall buyers of the population (all by default).
    `drop_pii` leaves out 买家会员名, 收货人姓名, 收货地址 and 联系手机 (shops without the
    PII export permission). `excel_dates` / `yuan` are the shares of rows with Excel-style
    dates / amounts with a 元 suffix. `bad_rate` of the order rows get one fault each: an
    unparseable 买家实际支付金额, a bad 订单创建时间 or an empty 订单编号 (the item report keeps
    the real numbers). `jobs` > 1 writes blocks on that many forked processes (same bytes).
    """
    started = time.perf_counter()
    plan = Plan(population, "tmall", rows, buyers=buyers)
    header = [name for name in ORDER_HEADER if not (drop_pii and name.strip() in PII_COLUMNS)]
    outputs = []
    if orders_path is not None:
        outputs.append(Output(ORDERS_KEY, "orders", Path(orders_path), ENCODING, header))
    if items_path is not None:
        outputs.append(Output(ITEMS_KEY, "orders", Path(items_path), ENCODING, ITEM_HEADER))
    bad = choose_bad_rows(population.seed, "tmall", plan.orders, bad_rate, ORDER_BAD_KINDS) if orders_path else {}
    render = _TmallRender(population, plan, orders_path is not None, items_path is not None, drop_pii,
                          excel_dates, yuan, bad)
    counts, orders, _ = write_blocks(outputs, plan.blocks, render, jobs)
    seconds = time.perf_counter() - started
    summaries = iter([summary_for(output, count, orders, plan.buyers, seconds)
                      for output, count in zip(outputs, counts, strict=True)])
    order_summary = next(summaries) if orders_path is not None else None
    item_summary = next(summaries) if items_path is not None else None
    if order_summary is not None:
        order_summary.bad_rows = {position + 2: kind for position, kind in bad.items()}
    return order_summary, item_summary


class _TmallRender:
    """Renders one block of orders into the order-report and/or item-report sinks."""

    def __init__(self, population, plan, orders, items, drop_pii, excel_dates, yuan, bad):
        self.population, self.plan = population, plan
        self.orders, self.items, self.keep_pii = orders, items, not drop_pii
        self.excel_dates, self.yuan, self.bad = excel_dates, yuan, bad

    def __call__(self, block: int, sinks: list[LineSink]) -> int:
        calendar = self.population.calendar
        text, excel = calendar.text, calendar.excel_text
        order_lines: list[str] = []
        item_lines: list[str] = []
        order_add = order_lines.append if self.orders else None
        item_add = item_lines.append if self.items else None
        keep_pii, bad = self.keep_pii, self.bad
        position = block * self.plan.block_size - 1
        count = 0
        for order in _tmall_block(self.population, self.plan, block, self.excel_dates, self.yuan):
            position += 1
            count += 1
            number = f'="{order.number}"'
            if order_add is not None:
                when = excel if order.excel_dates else text
                unit = "元" if order.yuan else ""
                lines = order.lines
                goods = cents(order.goods) + unit
                paid = cents(order.paid) + unit
                created = when(order.created)
                listed = number
                fault = bad.get(position) if bad else None
                if fault is not None:
                    if fault == BAD_AMOUNT:
                        paid = BAD_AMOUNTS[position % len(BAD_AMOUNTS)]
                    elif fault == BAD_DATE:
                        created = BAD_DATES[position % len(BAD_DATES)]
                    elif fault == BAD_ORDER_NO:
                        listed = ""
                paid_at = when(order.paid_at) if order.paid_at is not None else ""
                confirmed = when(order.confirmed_at) if order.confirmed_at is not None else ""
                if len(lines) == 1:
                    titles = lines[0][0].tmall_title
                else:
                    titles = "，".join(item.tmall_title for item, _ in lines)
                if keep_pii:
                    nick = order.person.tmall_nick + ","
                    consignee = f"{order.receiver},{order.address},"
                    phone = order.phone + ","
                else:
                    nick = consignee = phone = ""
                message = csv_text(order.message) if order.message else ""
                order_add(
                    f"{listed},{nick},{goods},0.00{unit},0,{goods},0,{paid},0,{order.status},{message},{consignee}"
                    f"快递,,{phone}{created},{paid_at},{titles},{len(lines)},{order.tracking_no},{order.carrier},"
                    f"{order.memo},{order.quantity},{SHOP_ID},{SHOP_NAME},{order.close_reason},0,"
                    f"{'0元' if unit else '0.00'},{order.invoice},{'手机订单' if order.mobile_order else ''},"
                    f",,否,否,否,,,,,0.00,0.00,,{cents(order.refund)}{unit},{confirmed}\r\n"
                )
            if item_add is not None:
                status = order.status
                attributes = order.attributes
                for index, (item, quantity) in enumerate(order.lines):
                    item_add(
                        f"{number}{item.tmall_head}{quantity},{item.sku if index % 2 == 0 else ''},"
                        f"{attributes[index]},{item.package},,{CLOSED if index == order.closed_line else status},"
                        f"{item.sku}\r\n"
                    )
        if order_add is not None:
            sinks[0].add_many(order_lines)
        if item_add is not None:
            sinks[-1].add_many(item_lines)
        return count


def write_tmall_orders(path: Path | str, population: Population, rows: int, **options) -> ExportSummary:
    """The order report `ExportOrderList*.csv`; options as `write_tmall_reports`."""
    return write_tmall_reports(path, None, population, rows, **options)[0]


def write_tmall_items(path: Path | str, population: Population, rows: int, **options) -> ExportSummary:
    """The item report `ExportOrderDetailList*.csv` of the same orders (same `rows` and options)."""
    options.pop("drop_pii", None)
    options.pop("bad_rate", None)
    return write_tmall_reports(None, path, population, rows, **options)[1]
