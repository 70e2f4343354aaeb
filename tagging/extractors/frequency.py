"""Most frequent store (常购门店) and preferred channel (偏好渠道): by the number of counted orders.

Ties go to the key with more net spend, then to the lower key (store code, channel code, in byte
order), so the same data always gives the same value. The evidence is the orders that have a key:
orders without a store (online) neither name a store nor count towards the tag's minimum of orders
or the share — ten online orders and one at 静安店 are not "enough evidence" of a favourite store.
"""

from __future__ import annotations

from . import params as p
from .registry import Extractor
from .sql import STORES, channel_label_sql, money_text, value_text


class TopByOrders(Extractor):
    def __init__(self, code: str, label: str, what: str, *, key: str, join: str, key_code: str, name: str,
                 code_evidence: str, note: str = ""):
        self.code, self.label = code, label
        self.key, self.join, self.key_code, self.name, self.code_evidence = key, join, key_code, name, code_evidence
        self.params = (p.window_days(), p.top())
        self.help = (f"按窗口内已付款订单（扣除全额退款单）的笔数取会员{what}；笔数相同时取金额高的，"
                     f"再按编码排序。{note}参数：{p.WINDOW_HELP}；"
                     f"top 取前几名（默认 1，最多 {p.MAX_TOP}）。")

    def query(self, params: dict, scope) -> tuple[str, dict]:
        # Store names are not unique (two 静安店 in two cities) and a value is held once: of the top
        # N, a name that repeats keeps its best rank. Top 1 cannot repeat and skips the sort.
        distinct, order = ("DISTINCT ON (member_id, value) ", "\nORDER BY member_id, value, rank") \
            if params["top"] > 1 else ("", "")
        sql = f"""WITH {scope.counted_cte()},
per_key AS (
    -- per member and key: orders and net spend
    SELECT member_id, {self.key} AS key, count(*) AS key_orders, sum(net) AS amount
    FROM counted WHERE {self.key} IS NOT NULL GROUP BY member_id, {self.key}
),
ranked AS (
    -- every member's keys by orders, spend, code; with the member's orders over all keys
    SELECT k.*, {self.key_code} AS key_code, {self.name} AS name, sum(k.key_orders) OVER m AS orders,
           row_number() OVER (PARTITION BY k.member_id
                              ORDER BY k.key_orders DESC, k.amount DESC, {self.key_code} COLLATE "C") AS rank
    FROM per_key k {self.join}
    WINDOW m AS (PARTITION BY k.member_id)
)
SELECT {distinct}member_id::bigint AS member_id, {value_text("name")} AS value, jsonb_build_object(
        'text', name || ' ' || key_orders || ' 笔 / 共 ' || orders || ' 笔订单（' ||
                round(100.0 * key_orders / orders) || '%%），¥' || {money_text("amount")},
        'key_orders', key_orders, 'orders', orders, 'share', round(1.0 * key_orders / orders, 4),
        'amount', round(amount, 2)::text, 'rank', rank, '{self.code_evidence}', key_code) AS evidence
FROM ranked
WHERE rank <= %(top)s AND orders >= %(min_orders)s{order}"""
        return sql, {"top": params["top"]}


FREQUENT_STORE = TopByOrders(
    "frequent_store", "常购门店（按订单数）", "最常光顾的门店", key="store_id",
    join=f"LEFT JOIN {STORES} s ON s.id = k.key", key_code="s.code",
    name="coalesce(nullif(s.name, ''), s.code)", code_evidence="store_code",
    note="线上订单（无门店）不计入，最少订单数也只计门店订单。")
PREFERRED_CHANNEL = TopByOrders(
    "preferred_channel", "偏好渠道（按订单数）", "最常下单的渠道", key="channel", join="", key_code="k.key",
    name=channel_label_sql("k.key"), code_evidence="channel")
