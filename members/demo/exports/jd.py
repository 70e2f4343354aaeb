"""JD (京东) merchant back-office order export: GBK, CRLF, one row per SKU with the order-level
columns repeated on every row of the order (rows of one order are consecutive), newest first.

Amounts: 订单金额 = list price of the lines, 应付金额 = what the customer pays after promotions,
结算金额 = what JD settles to the shop (= 应付金额 once paid, 0.00 when never paid), 京东价 = unit
price of the row's SKU. Statuses 等待付款, 等待出库, 等待确认收货 (shipped), 完成, 已取消, 锁定,
and a few deleted by the merchant with a `(删除)` prefix, e.g. `(删除)等待出库`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
    pick,
    summary_for,
    weighted_picker,
    write_blocks,
)
from .goods import Item, discounted, draw_lines
from .plan import Plan
from .population import Person, Population, masked

FORMAT_KEY = "jd"
ENCODING = "gb18030"
HEADER = [
    "订单号", "商品ID", "商品名称", "订购数量", "支付方式", "下单时间", "京东价", "订单金额", "结算金额", "应付金额",
    "订单状态", "订单类型", "下单帐号", "客户姓名", "客户地址", "联系电话", "付款确认时间", "订单完成时间", "订单来源",
    "订单渠道",
]
WAITING_PAYMENT = "等待付款"
WAITING_SHIPMENT = "等待出库"
SHIPPED = "等待确认收货"
COMPLETED = "完成"
CANCELLED = "已取消"
LOCKED = "锁定"
DELETED_PREFIX = "(删除)"

PAYMENT = weighted_picker((("在线支付", 96), ("货到付款", 3), ("公司转账", 1)))
ORDER_TYPES = weighted_picker((("普通订单", 94), ("预售订单", 3), ("秒杀订单", 3)))
SOURCES = weighted_picker((("京东APP订单", 62), ("微信订单", 14), ("PC订单", 12), ("M端订单", 8), ("QQ订单", 1),
                           ("京东小程序订单", 3)))
CHANNELS = weighted_picker((("京东商城", 92), ("京喜", 5), ("京东到家", 3)))


@dataclass(slots=True)
class JdOrder:
    number: str
    person: Person
    created: int
    paid_at: int | None
    completed_at: int | None
    status: str
    payment: str
    order_type: str
    goods: int  # cents, 订单金额
    payable: int  # cents, 应付金额
    settled: int  # cents, 结算金额
    lines: list[tuple[Item, int]]
    name: str
    address: str
    phone: str
    source: str
    channel: str


def iter_jd_orders(population: Population, rows: int, *, buyers: int | None = None) -> Iterator[JdOrder]:
    """The orders behind `rows` file rows, newest first; the same arguments give the same orders."""
    plan = Plan(population, "jd", rows=rows, buyers=buyers)
    for block in range(plan.blocks):
        yield from _jd_block(population, plan, block)


def _jd_block(population: Population, plan: Plan, block: int) -> Iterator[JdOrder]:
    seed = population.seed
    end = population.calendar.end_second
    people = population.people
    rng = random.Random(f"{seed}:jd-orders:{block}")
    random_ = rng.random  # scaled by hand below: rng.randrange costs ~10x more
    scramble = Scrambler(f"{seed}:jd-numbers", 10**5)
    slots, packed_plan, buyer_ids = plan.slots, plan.packed, plan.buyer_ids

    for position in plan.positions(block):
        packed = packed_plan[position]
        created, buyer = divmod(packed >> 3, slots)
        person = people[buyer_ids[buyer]]
        number = f"{2 + int(random_() * 2)}{int(random_() * 10)}{scramble(position):010d}"
        lines = draw_lines(rng, packed & 7)
        goods = 0
        for item, quantity in lines:
            goods += item.price * quantity
        payable = discounted(rng, goods)
        payment = pick(rng, PAYMENT)

        paid_at = completed_at = None
        roll = random_()
        if end - created < DAY and roll < 0.10:
            status = WAITING_PAYMENT
        elif roll < 0.08:
            status = CANCELLED  # never paid
        else:
            paid_at = created + 5 + int(random_() * 1800)
            ship = paid_at + 7200 + int(random_() * 34 * 3600)
            done = ship + DAY + int(random_() * 7 * DAY)
            if paid_at >= end:
                status, paid_at = WAITING_PAYMENT, None
            elif roll < 0.115:
                status = CANCELLED  # paid, then cancelled and refunded
            elif roll < 0.125:
                status = LOCKED  # held by risk control / after-sales
            elif ship >= end:
                status = WAITING_SHIPMENT
            elif done >= end:
                status = SHIPPED
            else:
                status, completed_at = COMPLETED, done
            if payment == "货到付款":  # paid to the courier on delivery
                paid_at = completed_at
        settled = payable if paid_at is not None and status != CANCELLED else 0
        if random_() < 0.01:
            status = DELETED_PREFIX + status

        city = person.city
        roll = random_()
        if roll < 0.7:
            address = f"{city.province_short}{city.city}{person.district}{person.street}"
        else:
            address = f"{city.province_short} {city.city_short} {person.district} {person.street}"
        roll = random_()
        phone = person.mobile
        if roll < 0.02:
            phone = ""
        elif roll < 0.12:
            phone = masked(person.mobile)
        elif roll < 0.16 and person.second_mobile:
            phone = person.second_mobile
        name = person.name
        if random_() < 0.1:
            name = f"{person.surname} {person.given}"
        yield JdOrder(
            number, person, created, paid_at, completed_at, status, payment, pick(rng, ORDER_TYPES), goods,
            payable, settled, lines, name, address, phone, pick(rng, SOURCES), pick(rng, CHANNELS),
        )


def write_jd_orders(
    path: Path | str,
    population: Population,
    rows: int,
    *,
    buyers: int | None = None,
    bad_rate: float = 0.0,
    jobs: int = 1,
) -> ExportSummary:
    """Write exactly `rows` file rows (one per SKU) of orders by the population's JD buyers.

    `bad_rate` of the orders get one fault on all their rows: an unparseable 应付金额, a bad
    下单时间 or an empty 订单号; `bad_rows` in the summary lists every affected file row.
    """
    started = time.perf_counter()
    plan = Plan(population, "jd", rows=rows, buyers=buyers)
    output = Output(FORMAT_KEY, "orders", Path(path), ENCODING, HEADER)
    bad = choose_bad_rows(population.seed, "jd", plan.orders, bad_rate, ORDER_BAD_KINDS)
    (count,), orders, _ = write_blocks([output], plan.blocks, _JdRender(population, plan, bad), jobs)
    summary = summary_for(output, count, orders, plan.buyers, time.perf_counter() - started)
    for position, file_rows in plan.file_rows(bad).items():
        for row in file_rows:
            summary.bad_rows[row] = bad[position]
    return summary


class _JdRender:
    def __init__(self, population: Population, plan: Plan, bad: dict[int, str]):
        self.population, self.plan, self.bad = population, plan, bad

    def __call__(self, block: int, sinks: list[LineSink]) -> int:
        calendar = self.population.calendar
        text = calendar.text
        bad = self.bad
        out: list[str] = []
        add = out.append
        position = block * self.plan.block_size - 1
        for order in _jd_block(self.population, self.plan, block):
            position += 1
            number = order.number
            created = text(order.created)
            payable = cents(order.payable)
            fault = bad.get(position) if bad else None
            if fault is not None:
                if fault == BAD_AMOUNT:
                    payable = BAD_AMOUNTS[position % len(BAD_AMOUNTS)]
                elif fault == BAD_DATE:
                    created = BAD_DATES[position % len(BAD_DATES)]
                elif fault == BAD_ORDER_NO:
                    number = ""
            paid_at = text(order.paid_at) if order.paid_at is not None else ""
            completed = text(order.completed_at) if order.completed_at is not None else ""
            middle = f",{order.payment},{created},"
            tail = (
                f",{cents(order.goods)},{cents(order.settled)},{payable},{order.status},{order.order_type},"
                f"{order.person.jd_account},{order.name},{order.address},{order.phone},{paid_at},{completed},"
                f"{order.source},{order.channel}\r\n"
            )
            for item, quantity in order.lines:
                add(f"{number},{item.jd_sku_id},{item.jd_title},{quantity}{middle}{cents(item.price)}{tail}")
        sinks[0].add_many(out)
        return len(self.plan.positions(block))
