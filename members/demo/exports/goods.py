"""The demo catalogue (`members.demo.catalogue`) as the channels list it: Tmall and JD
listing titles, JD SKU ids, SKU attributes; order lines, discounts and refunds in cents."""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass

from ..catalogue import BRAND, BRAND_EN, CATALOGUE, GIFT, WEIGHTS, Product
from ..orders import LINE_COUNT_WEIGHTS
from .common import cents, csv_text, weighted_picker

TMALL_KEYWORDS = {
    "护肤": "补水保湿提亮 官方正品", "彩妆": "持久显色 官方正品", "身体护理": "滋润保湿 官方正品",
    "香氛": "持久留香 送女友礼物", "服饰": "女装新款 官方旗舰店", "配饰": "百搭 官方正品",
    "礼盒": "生日礼物送女友 官方正品", "赠品": "",
}
JD_KEYWORDS = {
    "护肤": "补水保湿", "彩妆": "持久不脱色", "身体护理": "滋润保湿", "香氛": "淡香水", "服饰": "女装",
    "配饰": "女士配饰", "礼盒": "礼盒装 生日礼物", "赠品": "赠品",
}
COLORS = ("白色", "黑色", "燕麦色", "雾霾蓝", "酒红色")
SIZES = ("S", "M", "L", "XL")


@dataclass(frozen=True, slots=True)
class Item:
    sku: str
    title: str  # catalogue title, e.g. "栖澜 水光精华液 30ml"
    category: str
    price: int  # cents
    max_quantity: int
    tmall_title: str  # CSV-ready
    jd_title: str  # CSV-ready
    jd_sku_id: str
    attributes: tuple[str, ...]  # 商品属性 on the Tmall item report; one is drawn per line
    package: str  # 套餐信息
    tmall_head: str = ""  # ",标题,价格," of an item-report line


def _attributes(product: Product, base: str) -> tuple[str, ...]:
    if product.category == "服饰":
        return tuple(f"颜色分类：{c};尺码：{s}" for c in COLORS for s in SIZES)
    if product.category == "配饰":
        return tuple(f"颜色分类：{c}" for c in COLORS)
    name, _, rest = base.partition(" ")
    last = base.split(" ")[-1]
    if product.category == "彩妆":
        return (f"颜色分类：{rest or name}",)
    if any(unit in last for unit in ("ml", "g", "片", "支")):
        return (f"规格：{last}",)
    return ("",)


def _item(product: Product, jd_sku_id: str) -> Item:
    base = product.title.removeprefix(f"{BRAND} ")
    tmall = f"{BRAND}{BRAND_EN}{base} {TMALL_KEYWORDS.get(product.category, '')}".strip()
    jd = f"{BRAND}（{BRAND_EN}）{base} {JD_KEYWORDS.get(product.category, '')}".strip()
    price = int(product.price * 100)
    return Item(
        sku=product.sku, title=product.title, category=product.category, price=price,
        max_quantity=product.max_quantity, tmall_title=csv_text(tmall), jd_title=csv_text(jd), jd_sku_id=jd_sku_id,
        attributes=_attributes(product, base), package="官方标配" if product.category == "礼盒" else "",
        tmall_head=f",{csv_text(tmall)},{cents(price)},",
    )


_ids = random.Random("jd-sku-ids")
ITEMS: tuple[Item, ...] = tuple(_item(p, str(100_000_000_000 + _ids.randrange(10**11))) for p in CATALOGUE)
GIFT_ITEM = _item(GIFT, str(100_000_000_000 + _ids.randrange(10**11)))
ITEM_PICKER = weighted_picker(zip(range(len(ITEMS)), WEIGHTS, strict=True))
LINE_PICKER = weighted_picker(LINE_COUNT_WEIGHTS)


def draw_lines(rng: random.Random, count: int) -> list[tuple[Item, int]]:
    """`count` different catalogue items, each with a quantity (a few bought 2–4 at once)."""
    r = rng.random
    values, cumulative, total = ITEM_PICKER
    if count == 1:  # most orders
        item = ITEMS[values[bisect(cumulative, r() * total)]]
        most = item.max_quantity
        return [(item, 2 + int(r() * (most - 1)) if most > 1 and r() < 0.25 else 1)]
    chosen: list[int] = []
    while len(chosen) < count:
        index = values[bisect(cumulative, r() * total)]
        if index not in chosen:
            chosen.append(index)
    lines = []
    for index in chosen:
        item = ITEMS[index]
        most = item.max_quantity
        lines.append((item, 2 + int(r() * (most - 1)) if most > 1 and r() < 0.25 else 1))
    return lines


def add_gift(rng: random.Random, lines: list[tuple[Item, int]], goods: int) -> None:
    """Brands add a free sample to bigger orders."""
    if goods >= 80_000 and len(lines) < 4 and rng.random() < 0.5:
        lines.append((GIFT_ITEM, 1))


def discounted(rng: random.Random, goods: int) -> int:
    """What the buyer pays for `goods` cents: list price, 满减 (every 300 minus 30/40/50,
    at most 30 %) or a percentage coupon — the same habits as `members.demo.orders`."""
    roll = rng.random()
    if roll < 0.45:
        return goods
    if roll < 0.8:
        off = (goods // 30_000) * (3_000, 4_000, 5_000)[int(rng.random() * 3)]
        return max(goods - min(off, goods * 3 // 10), 1)
    return goods * (95, 90, 88, 85)[int(rng.random() * 4)] // 100


def partial_refund(rng: random.Random, lines: list[tuple[Item, int]], goods: int, paid: int) -> tuple[int, int]:
    """(refund cents, index of a line refunded whole or -1): one unit or line returned at its
    share of the discount, or a 价保 / goodwill refund on a single item."""
    paying = [i for i, (item, _) in enumerate(lines) if item.price > 0]
    index = paying[int(rng.random() * len(paying))]
    item, quantity = lines[index]
    if len(paying) == 1 and quantity == 1:
        return paid * (10, 15, 20, 30)[int(rng.random() * 4)] // 100, -1
    unit = item.price if quantity > 1 else item.price * quantity
    refund = min(unit * paid // max(goods, 1), paid - 1)
    return max(refund, 1), (index if quantity == 1 else -1)
