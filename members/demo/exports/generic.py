"""Our own generic import templates (UTF-8 with BOM, CRLF): an order file (here: POS receipts,
one row per line with the order columns repeated) and a member file (here: WeChat
mini-program or POS members). Statuses are our labels (已完成 / 已退款 / 部分退款)."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..stores import STORES, store_name, stores_in_region
from .common import (
    BAD_ACCOUNT,
    BAD_AMOUNT,
    BAD_AMOUNTS,
    BAD_DATE,
    BAD_DATES,
    BAD_ORDER_NO,
    DAY,
    MEMBER_BAD_KINDS,
    ORDER_BAD_KINDS,
    ExportSummary,
    LineSink,
    Output,
    Scrambler,
    cents,
    choose_bad_rows,
    summary_for,
    write_blocks,
)
from .goods import Item, draw_lines
from .plan import Plan
from .population import Person, Population, stores_near

ORDERS_KEY = MEMBERS_KEY = "generic"  # one template key, told apart by kind
ENCODING = "utf-8-sig"
ORDER_HEADER = [
    "渠道", "订单编号", "会员渠道账号", "会员手机号", "会员姓名", "门店编码", "订单状态", "应付金额", "实付金额", "退款金额",
    "下单时间", "付款时间", "完成时间", "店铺名称", "SKU", "商品名称", "品类", "数量", "单价",
]
MEMBER_HEADER = [
    "渠道", "渠道账号", "姓名", "性别", "生日", "手机号", "邮箱", "省份", "城市", "区县", "地址", "门店编码", "注册时间",
    "微信UnionID", "微信OpenID", "会员卡号", "短信营销授权", "授权时间",
]
COMPLETED = "已完成"
REFUNDED = "已退款"
PARTIALLY_REFUNDED = "部分退款"
STORE_CODES = tuple(code for code, *_ in STORES)
STORE_REGION = {code: region for code, _, _, _, region in STORES}
# 注册时间 is optional, so an all-zero date would read as blank: only plainly broken values here.
BAD_MEMBER_DATES = tuple(d for d in BAD_DATES if not d.startswith("0000"))
IDENTITY_COLUMNS = tuple(MEMBER_HEADER.index(c) for c in ("渠道账号", "手机号", "邮箱", "微信UnionID", "微信OpenID", "会员卡号"))
MEMBER_CHANNELS = {"wechat_mp": "wechat", "pos": "pos"}


@dataclass(slots=True)
class PosOrder:
    number: str
    person: Person
    store: str
    created: int
    status: str
    payable: int
    paid: int
    refund: int
    lines: list[tuple[Item, int]]
    mobile: str
    name: str


def iter_pos_orders(population: Population, rows: int, *, buyers: int | None = None) -> Iterator[PosOrder]:
    """The POS receipts behind `rows` file rows, oldest first; the same arguments give the same orders."""
    plan = Plan(population, "pos", rows=rows, buyers=buyers, shop=True)
    for block in range(plan.blocks):
        yield from _pos_block(population, plan, block)


def _pos_block(population: Population, plan: Plan, block: int) -> Iterator[PosOrder]:
    seed = population.seed
    calendar = population.calendar
    people = population.people
    rng = random.Random(f"{seed}:pos-orders:{block}")
    random_ = rng.random
    scramble = Scrambler(f"{seed}:pos-numbers", 10**4)
    slots, packed_plan, buyer_ids = plan.slots, plan.packed, plan.buyer_ids
    last = len(packed_plan) - 1
    for position in plan.positions(block):
        packed = packed_plan[last - position]  # the till's export runs oldest first
        created, buyer = divmod(packed >> 3, slots)
        person = people[buyer_ids[buyer]]
        store = person.pos_store
        if random_() < 0.2:
            nearby = stores_in_region(STORE_REGION[store]) or STORE_CODES
            store = nearby[int(random_() * len(nearby))]
        number = f"{store}{calendar.compact_date(created)}{scramble(position):08d}"
        lines = draw_lines(rng, packed & 7)
        payable = 0
        for item, quantity in lines:
            payable += item.price * quantity
        roll = random_()
        paid = payable if roll < 0.6 else payable * 95 // 100 if roll < 0.8 else payable * 90 // 100  # member price
        roll = random_()
        refund = 0
        status = COMPLETED
        if roll < 0.03:
            status, refund = REFUNDED, paid
        elif roll < 0.08:
            status = PARTIALLY_REFUNDED
            item, quantity = lines[int(random_() * len(lines))]
            refund = max(min(item.price * paid // max(payable, 1), paid - 1), 1)
        roll = random_()
        m = person.mobile
        mobile = m if roll < 0.9 else f"{m[:3]} {m[3:7]} {m[7:]}" if roll < 0.95 else ""
        name = person.name
        if random_() < 0.04:
            name = person.surname + ("女士" if person.gender == "F" else "先生")
        yield PosOrder(number, person, store, created, status, payable, paid, refund, lines, mobile, name)


def write_generic_orders(
    path: Path | str,
    population: Population,
    rows: int,
    *,
    buyers: int | None = None,
    bad_rate: float = 0.0,
    jobs: int = 1,
) -> ExportSummary:
    """POS receipts of the population's POS members in the generic order template, `rows` rows.

    `bad_rate` of the orders get one fault on all their rows: an unparseable 实付金额, a bad
    下单时间 or an empty 订单编号.
    """
    started = time.perf_counter()
    plan = Plan(population, "pos", rows=rows, buyers=buyers, shop=True)
    output = Output(ORDERS_KEY, "orders", Path(path), ENCODING, ORDER_HEADER)
    bad = choose_bad_rows(population.seed, "pos", plan.orders, bad_rate, ORDER_BAD_KINDS)
    (count,), orders, _ = write_blocks([output], plan.blocks, _PosRender(population, plan, bad), jobs)
    summary = summary_for(output, count, orders, plan.buyers, time.perf_counter() - started)
    # file position p holds plan entry (orders - 1 - p); its rows follow the rows of the earlier positions
    row = 2
    last = plan.orders - 1
    for position in range(plan.orders):
        lines = plan.lines(last - position)
        if position in bad:
            for r in range(row, row + lines):
                summary.bad_rows[r] = bad[position]
        row += lines
    return summary


class _PosRender:
    def __init__(self, population: Population, plan: Plan, bad: dict[int, str]):
        self.population, self.plan, self.bad = population, plan, bad

    def __call__(self, block: int, sinks: list[LineSink]) -> int:
        text = self.population.calendar.text
        bad = self.bad
        out: list[str] = []
        position = block * self.plan.block_size - 1
        for order in _pos_block(self.population, self.plan, block):
            position += 1
            number = order.number
            moment = text(order.created)
            created = moment
            paid = cents(order.paid)
            fault = bad.get(position) if bad else None
            if fault is not None:
                if fault == BAD_AMOUNT:
                    paid = BAD_AMOUNTS[position % len(BAD_AMOUNTS)]
                elif fault == BAD_DATE:
                    created = BAD_DATES[position % len(BAD_DATES)]
                elif fault == BAD_ORDER_NO:
                    number = ""
            head = (
                f"pos,{number},{order.person.pos_card},{order.mobile},{order.name},{order.store},{order.status},"
                f"{cents(order.payable)},{paid},{cents(order.refund)},{created},{moment},{moment},"
                f"{store_name(order.store)},"
            )
            for item, quantity in order.lines:
                out.append(f"{head}{item.sku},{item.title},{item.category},{quantity},{cents(item.price)}\r\n")
        sinks[0].add_many(out)
        return len(self.plan.positions(block))


def write_generic_members(
    path: Path | str,
    population: Population,
    *,
    channel: str = "wechat_mp",
    limit: int | None = None,
    bad_rate: float = 0.0,
) -> ExportSummary:
    """One row per member of `channel` ("wechat_mp" or "pos") in the generic member template,
    oldest registration first. `bad_rate` of the rows get an unparseable 注册时间, or lose every
    identifying value (渠道账号, 手机号, 邮箱, WeChat ids, 会员卡号)."""
    if channel not in MEMBER_CHANNELS:
        raise ValueError(f"no member file for channel {channel!r}; choose one of {sorted(MEMBER_CHANNELS)}")
    ids = getattr(population, MEMBER_CHANNELS[channel])
    ids = ids if limit is None else ids[:limit]
    rng = random.Random(f"{population.seed}:{channel}-members")
    people = population.people
    calendar = population.calendar
    if channel == "pos":
        registered = {i: calendar.draw(rng, shop=True) - int(rng.random() * 700) * DAY for i in ids}
    else:
        registered = {i: people[i].wechat_registered for i in ids}
    ordered = sorted(ids, key=lambda i: (registered[i], i))
    bad = choose_bad_rows(population.seed, f"{channel}-members", len(ordered), bad_rate, MEMBER_BAD_KINDS)
    output = Output(MEMBERS_KEY, "members", Path(path), ENCODING, MEMBER_HEADER)

    def render(block: int, sinks: list[LineSink]) -> int:  # one block: the whole (small, sequential) file
        for position, index in enumerate(ordered):
            values = _member_row(rng, calendar, channel, people[index], registered[index])
            fault = bad.get(position)
            if fault == BAD_DATE:
                values[12] = BAD_MEMBER_DATES[position % len(BAD_MEMBER_DATES)]
            elif fault == BAD_ACCOUNT:  # nothing left to tell who the member is
                for column in IDENTITY_COLUMNS:
                    values[column] = ""
            sinks[0].add(",".join(values) + "\r\n")
        return 0

    (count,), _, seconds = write_blocks([output], 1, render, jobs=1)
    return summary_for(output, count, 0, len(ordered), seconds, {p + 2: kind for p, kind in bad.items()})


def _member_row(rng: random.Random, calendar, channel: str, person: Person, registered: int) -> list[str]:
    r = rng.random
    city = person.city
    gender = ("女" if person.gender == "F" else "男") if r() < 0.8 else ""
    birthday = person.birthday.isoformat() if r() < 0.55 else ""
    roll = r()
    if channel == "pos":
        mobile = person.mobile if roll < 0.95 else ""
        name = person.name
    else:  # many mini-program users never authorize their phone number or name
        mobile = person.mobile if roll < 0.62 else person.second_mobile if roll < 0.65 else ""
        name = person.name if r() < 0.88 else ""
    province = city.province if r() < 0.7 else city.province_short
    city_name = city.city if r() < 0.7 else city.city_short
    district = person.district if r() < 0.5 else ""
    address = person.street if r() < 0.15 else ""
    consent = consent_at = ""
    if mobile:
        roll = r()
        consent = "是" if roll < 0.55 else "否" if roll < 0.65 else ""
        if consent:
            consent_at = calendar.text(min(registered + int(r() * 30 * DAY), calendar.end_second - 1))
    if channel == "pos":
        account, store, unionid, openid, card = person.pos_card, person.pos_store, "", "", person.pos_card
    else:
        account, unionid, openid = person.wechat_openid, person.wechat_unionid, person.wechat_openid
        store = ""
        if r() < 0.2:  # registered by scanning a store guide's QR code
            nearby = (person.pos_store,) if person.pos_store else stores_near(city.city, city.region)
            store = nearby[int(r() * len(nearby))]
        card = person.pos_card if person.pos_card and r() < 0.5 else ""
    return [
        channel, account, name, gender, birthday, mobile, person.email, province, city_name, district, address,
        store, calendar.text(registered), unionid, openid, card, consent, consent_at,
    ]
