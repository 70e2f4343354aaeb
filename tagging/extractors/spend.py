"""Favourite category / SKU by spend (偏好品类 / 偏好SKU): the member's top keys by money spent.

A line's spend is its share of its order's net amount (paid minus refunded), shared out by line
gross (unit price × quantity), or equally per line when the order's lines are all free. So a
member's spend over all keys adds up to the net paid amount the order fields report (orders
without lines count in the total only), and a refund lowers every line of its order alike.
Keys are ranked by spend rounded to the fen (what the evidence shows), then by key: the same data
always gives the same values. Blank keys and keys with no spend never become a value.
"""

from __future__ import annotations

from . import params as p
from .registry import Extractor
from .sql import LINES, money_text, value_text


class TopBySpend(Extractor):
    column = ""  # the order line's key column

    def __init__(self, code: str, column: str, label: str, noun: str):
        self.code, self.column, self.label = code, column, label
        self.params = (p.window_days(), p.top())
        self.help = (f"按窗口内订单明细的消费金额（实付扣除退款，按明细金额分摊到每行）取会员花钱最多的{noun}。"
                     f"参数：{p.WINDOW_HELP}；"
                     f"top 取前几名（默认 1，最多 {p.MAX_TOP}），证据含金额、占比与订单数。")

    def query(self, params: dict, scope) -> tuple[str, dict]:
        sql = f"""WITH {scope.counted_cte()},
{scope.enough_cte()},
per_order AS (
    -- each counted order's line gross per key, over all of its lines
    SELECT c.id AS order_id, c.member_id, c.net, l.{self.column} AS key,
           sum(l.price * l.quantity) AS gross, count(*) AS lines
    FROM counted c JOIN {LINES} l ON l.order_id = c.id
    GROUP BY c.id, c.member_id, c.net, l.{self.column}
),
allocated AS (
    -- the order's net amount shared out by gross (equally per line when the order is all free)
    SELECT member_id, key,
           CASE WHEN sum(gross) OVER o > 0 THEN net * gross / sum(gross) OVER o
                ELSE net * lines / sum(lines) OVER o END AS amount
    FROM per_order WINDOW o AS (PARTITION BY order_id)
),
spend AS (
    -- per member and key: the spend, rounded as shown, and how many orders it came from
    SELECT member_id, key, round(sum(amount), 2) AS amount, count(*) AS key_orders
    FROM allocated WHERE key <> '' GROUP BY member_id, key HAVING round(sum(amount), 2) > 0
),
ranked AS (
    -- the keys of members with enough orders, by spend then key
    SELECT s.member_id, s.key, s.amount, s.key_orders, e.orders, round(e.total, 2) AS total,
           row_number() OVER (PARTITION BY s.member_id ORDER BY s.amount DESC, s.key COLLATE "C") AS rank
    FROM spend s JOIN enough e ON e.member_id = s.member_id
)
SELECT member_id::bigint AS member_id, {value_text("key")} AS value, jsonb_build_object(
        'text', key || ' ¥' || {money_text("amount")} || ' / 总 ¥' || {money_text("total")}
                || '（' || round(100 * amount / total) || '%%），' || orders || ' 笔订单',
        'amount', amount::text, 'total', total::text, 'share', round(amount / total, 4),
        'orders', orders, 'key_orders', key_orders, 'rank', rank) AS evidence
FROM ranked WHERE rank <= %(top)s"""
        return sql, {"top": params["top"]}


FAVOURITE_CATEGORY = TopBySpend("favourite_category", "category", "偏好品类（按消费金额）", "品类")
FAVOURITE_SKU = TopBySpend("favourite_sku", "sku", "偏好SKU（按消费金额）", "SKU")
