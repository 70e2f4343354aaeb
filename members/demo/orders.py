"""Two years of demo orders per person, placed through the person's own channel accounts.

Pure data like `people`: each person's orders come from `random.Random(f"{seed}:orders:{i}")`
and every time is an offset from the person's account registration / the anchor, so the
order numbers are the same whichever day the command runs (a re-run skips them).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .catalogue import BRAND, CATALOGUE, GIFT, WEIGHTS, Product
from .people import Account, Person, _weighted, awake
from .stores import store_name, stores_in_region

CENT = Decimal("0.01")
HISTORY_DAYS = 730

ACTIVITY = ((0.3, 25), (2.0, 45), (5.0, 22), (10.0, 8))  # (mean orders in two years, share of people)
CHANNEL_ORDER_WEIGHT = {"tmall": 3.0, "jd": 2.0, "wechat_mp": 2.0, "pos": 2.5, "mall": 1.2}
LINE_COUNT_WEIGHTS = ((1, 55), (2, 28), (3, 12), (4, 5))
SHOP_NAMES = {
    "tmall": f"{BRAND}官方旗舰店",
    "jd": f"{BRAND}京东官方旗舰店",
    "wechat_mp": f"{BRAND}会员小程序",
    "mall": f"{BRAND}官方商城",
}
RAW_STATUS = {
    "tmall": {
        "pending": "等待买家付款", "paid": "买家已付款，等待卖家发货", "shipped": "卖家已发货，等待买家确认",
        "completed": "交易成功", "closed": "交易关闭", "refunded": "交易关闭", "partially_refunded": "交易成功",
    },
    "jd": {
        "pending": "待付款", "paid": "待出库", "shipped": "已发货", "completed": "已完成", "closed": "已取消",
        "refunded": "已取消", "partially_refunded": "已完成",
    },
    "pos": {"completed": "已完成", "refunded": "已退货", "partially_refunded": "部分退货"},
    "default": {
        "pending": "待付款", "paid": "待发货", "shipped": "已发货", "completed": "已完成", "closed": "已关闭",
        "refunded": "已退款", "partially_refunded": "部分退款",
    },
}


@dataclass
class DemoLine:
    line_no: int
    product: Product
    quantity: int

    @property
    def total(self) -> Decimal:
        return self.product.price * self.quantity


@dataclass
class DemoOrder:
    account: Account
    channel: str
    external_no: str
    store_code: str
    shop_name: str
    status: str
    raw_status: str
    payable_amount: Decimal
    paid_amount: Decimal
    refunded_amount: Decimal
    item_count: int
    ordered_at: datetime
    paid_at: datetime | None
    completed_at: datetime | None
    lines: list[DemoLine] = field(default_factory=list)


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class OrderGenerator:
    def __init__(self, seed: int, anchor: datetime):
        self.seed = seed
        self.anchor = anchor
        self.taken: set[tuple[str, str]] = set()

    def for_person(self, person: Person) -> list[DemoOrder]:
        rng = random.Random(f"{self.seed}:orders:{person.index}")
        mean = _weighted(rng, ACTIVITY)
        count = min(_poisson(rng, mean), 15)
        accounts = [(a, CHANNEL_ORDER_WEIGHT[a.channel]) for a in person.accounts]
        orders = [self._order(rng, person, _weighted(rng, accounts)) for _ in range(count)]
        return sorted(orders, key=lambda o: o.ordered_at)

    def _number(self, rng, account: Account, store_code: str) -> str:
        channel = account.channel
        while True:
            if channel == "tmall":
                digits = rng.choice((18, 19))
                number = str(rng.randint(10 ** (digits - 1), 4 * 10 ** (digits - 1) - 1))
            elif channel == "jd":
                number = str(rng.randint(2 * 10**11, 4 * 10**11 - 1))
            elif channel == "wechat_mp":
                number = f"WX{rng.randint(10**17, 10**18 - 1)}"
            elif channel == "pos":
                number = f"{store_code}{rng.randint(10**9, 10**10 - 1)}"
            else:
                number = f"QL{rng.randint(10**15, 10**16 - 1)}"
            if (channel, number) not in self.taken:
                self.taken.add((channel, number))
                return number

    def _lines(self, rng) -> list[DemoLine]:
        count = _weighted(rng, LINE_COUNT_WEIGHTS)
        products: list[Product] = []
        while len(products) < count:
            product = rng.choices(CATALOGUE, weights=WEIGHTS)[0]
            if product not in products:
                products.append(product)
        lines = []
        for no, product in enumerate(products, start=1):
            quantity = rng.randint(2, product.max_quantity) if product.max_quantity > 1 and rng.random() < 0.25 else 1
            lines.append(DemoLine(no, product, quantity))
        return lines

    def _paid(self, rng, channel: str, payable: Decimal) -> Decimal:
        roll = rng.random()
        if channel == "pos":
            rate = Decimal("0.9") if roll < 0.2 else Decimal("0.95") if roll < 0.4 else Decimal(1)
            return _money(payable * rate)
        if roll < 0.45:
            return payable
        if roll < 0.8:  # 满减: every 300 minus 30/40/50, at most 30 %
            off = (payable // 300) * rng.choice((30, 40, 50))
            return _money(max(payable - min(off, payable * Decimal("0.3")), CENT))
        return _money(payable * Decimal(rng.choice(("0.95", "0.9", "0.88", "0.85"))))

    def _status(self, rng, channel: str, ordered_at: datetime) -> str:
        age_days = (self.anchor - ordered_at).total_seconds() / 86400
        roll = rng.random()
        if channel == "pos":
            return "refunded" if roll < 0.03 else "partially_refunded" if roll < 0.08 else "completed"
        if age_days < 2:
            return "pending" if roll < 0.1 else "paid" if roll < 0.5 else "shipped"
        if roll < 0.06:
            return "closed"
        if roll < 0.10:
            return "refunded"
        if roll < 0.16:
            return "partially_refunded"
        return "completed"

    def _order(self, rng, person: Person, account: Account) -> DemoOrder:
        channel = account.channel
        earliest = max(account.registered_at, self.anchor - timedelta(days=HISTORY_DAYS))
        window = (self.anchor - timedelta(hours=1) - earliest).total_seconds()
        ordered_at = earliest + timedelta(seconds=int(rng.uniform(0, window)))
        ordered_at = awake(ordered_at, 10, 22) if channel == "pos" else awake(ordered_at, 7, 24)
        ordered_at = max(ordered_at, account.registered_at + timedelta(minutes=3))
        store_code = ""
        if channel == "pos":
            store_code = account.store_code
            if rng.random() < 0.2:
                store_code = rng.choice(stores_in_region(person.city.region) or [account.store_code])
        lines = self._lines(rng)
        payable = sum((line.total for line in lines), Decimal(0))
        if payable >= 800 and len(lines) < 4 and rng.random() < 0.5:
            lines.append(DemoLine(len(lines) + 1, GIFT, 1))
        paid = self._paid(rng, channel, payable)
        status = self._status(rng, channel, ordered_at)
        paid_at = ordered_at + timedelta(seconds=rng.randint(5, 1800))
        completed_at = None
        if channel == "pos":
            paid_at = completed_at = ordered_at
        elif status in ("completed", "partially_refunded"):
            completed_at = ordered_at + timedelta(days=rng.uniform(3, 10))
            if completed_at >= self.anchor:  # not yet confirmed by the buyer
                status, completed_at = "shipped", None
        refunded = Decimal(0)
        if status in ("pending", "closed"):
            paid, paid_at = Decimal(0), None
        elif status == "refunded":
            refunded = paid
        elif status == "partially_refunded":
            refunded = self._partial_refund(rng, lines, payable, paid)
        return DemoOrder(
            account=account, channel=channel, external_no=self._number(rng, account, store_code),
            store_code=store_code, shop_name=store_name(store_code) if store_code else SHOP_NAMES[channel],
            status=status, raw_status=RAW_STATUS.get(channel, RAW_STATUS["default"])[status],
            payable_amount=payable, paid_amount=paid, refunded_amount=refunded,
            item_count=sum(line.quantity for line in lines), ordered_at=ordered_at, paid_at=paid_at,
            completed_at=completed_at, lines=lines,
        )

    @staticmethod
    def _partial_refund(rng, lines: list[DemoLine], payable: Decimal, paid: Decimal) -> Decimal:
        """One line (or one unit of it) returned, at the share of the discount it carried."""
        paying = [line for line in lines if line.product.price > 0]
        line = rng.choice(paying)
        if len(paying) == 1 and line.quantity == 1:  # 价保 / goodwill refund on a single item
            share = Decimal(rng.choice(("0.1", "0.15", "0.2", "0.3")))
            return _money(paid * share)
        unit = line.product.price if line.quantity > 1 else line.total
        return min(_money(unit * paid / payable), paid - CENT)
