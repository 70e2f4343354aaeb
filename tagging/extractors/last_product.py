"""Last product bought (最近购买商品): the title of the top line (highest price × quantity, then
lowest line number) of the member's latest counted order that has a titled line (latest by payment
time, then by order id). Titles are cut to 64 characters; the evidence keeps the whole title.
"""

from __future__ import annotations

from . import params as p
from .registry import Extractor
from .sql import LINES, SHANGHAI_DAY, money_text, value_text


class LastProduct(Extractor):
    code = "last_product"
    label = "最近购买商品"
    help = ("取窗口内最近一笔已付款订单中金额最高的一行商品名称（超过 64 字截断）。"
            f"参数：{p.WINDOW_HELP}。")
    params = (p.window_days(),)

    def query(self, params: dict, scope) -> tuple[str, dict]:
        day = SHANGHAI_DAY.format(column="paid_at")
        sql = f"""WITH {scope.counted_cte()},
{scope.enough_cte()},
latest AS (
    -- per member: the latest counted order with a titled line, and that order's top line
    SELECT DISTINCT ON (c.member_id) c.member_id, c.paid_at, l.title, l.sku, l.price, l.quantity
    FROM counted c JOIN {LINES} l ON l.order_id = c.id
    WHERE l.title <> ''
    ORDER BY c.member_id, c.paid_at DESC, c.id DESC, l.price * l.quantity DESC, l.line_no
)
SELECT t.member_id::bigint AS member_id, {value_text("t.title")} AS value, jsonb_build_object(
        'text', to_char({day}, 'YYYY-MM-DD') || ' 购买 ' || t.title || ' ¥' || {money_text("t.price")}
                || ' × ' || t.quantity || '，共 ' || e.orders || ' 笔订单',
        'title', t.title, 'sku', t.sku, 'paid_on', to_char({day}, 'YYYY-MM-DD'),
        'price', t.price::text, 'quantity', t.quantity, 'orders', e.orders) AS evidence
FROM latest t JOIN enough e ON e.member_id = t.member_id"""
        return sql, {}


LAST_PRODUCT = LastProduct()
