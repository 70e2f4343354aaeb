"""Price band (价格带) of the average unit price: the quantity-weighted mean of the unit prices of
the lines the member bought (lines with a positive quantity in counted orders), rounded to the fen,
then named by configurable bands ("¥100–300"; a band includes its lower bound). Unit prices are
list prices on the line: a partial refund does not make an item cheaper, a wholly refunded order
does not count at all.
"""

from __future__ import annotations

from . import params as p
from .registry import Extractor
from .sql import LINES, money_text

DEFAULT_BANDS = [0, 100, 300, 500, 1000]


def price_labels(bounds: list) -> list[str]:
    return p.band_labels(bounds, range_fmt="¥{low}–{high}", above_fmt="¥{low}以上", below_fmt="¥{high}以下")


class PriceBand(Extractor):
    code = "price_band"
    label = "价格带（平均单价）"
    help = ("按窗口内所买商品的平均单价（明细单价按数量加权，保留两位小数）分段取值，例如 ¥100–300。"
            f"参数：{p.WINDOW_HELP}；"
            f"bands 分段的分界点，由小到大（默认 {DEFAULT_BANDS}，得到 ¥0–100 … ¥1000以上，含下界）。")
    params = (p.window_days(), p.bands(DEFAULT_BANDS, "金额分界点（元），由小到大"))

    def query(self, params: dict, scope) -> tuple[str, dict]:
        band, band_params = p.band_case_sql("average", params["bands"], price_labels(params["bands"]))
        sql = f"""WITH {scope.counted_cte()},
{scope.enough_cte()},
units AS (
    -- per member: items bought and their gross at the lines' unit prices
    SELECT c.member_id, sum(l.quantity) AS items, sum(l.price * l.quantity) AS gross
    FROM counted c JOIN {LINES} l ON l.order_id = c.id
    WHERE l.quantity > 0 GROUP BY c.member_id
),
averaged AS (
    -- the average unit price, rounded as shown, of members with enough orders
    SELECT u.member_id, u.items, round(u.gross / u.items, 2) AS average, e.orders
    FROM units u JOIN enough e ON e.member_id = u.member_id
)
SELECT member_id::bigint AS member_id, {band} AS value, jsonb_build_object(
        'text', '平均单价 ¥' || {money_text("average")} || '，' || items || ' 件商品，' || orders || ' 笔订单',
        'average', average::text, 'items', items, 'orders', orders) AS evidence
FROM averaged"""
        return sql, band_params


PRICE_BAND = PriceBand()
