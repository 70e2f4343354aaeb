"""Purchase cycle (购买周期): the median of the days between a member's consecutive counted orders
in the window, by Shanghai business date (two orders on one day: 0 days), named by configurable
bands ("30–60天"; a band includes its lower bound). It needs at least two orders whatever the
tag's minimum says: one order has no interval.
"""

from __future__ import annotations

from . import params as p
from .registry import Extractor
from .sql import SHANGHAI_DAY

DEFAULT_BANDS = [0, 7, 15, 30, 60, 90, 180]


def day_labels(bounds: list) -> list[str]:
    return p.band_labels(bounds, range_fmt="{low}–{high}天", above_fmt="{low}天以上", below_fmt="不足{high}天")


class PurchaseCycle(Extractor):
    code = "purchase_cycle"
    label = "购买周期（中位间隔天数）"
    help = ("按窗口内相邻两笔订单付款日（上海日期）相隔天数的中位数分段取值，例如 30–60天；至少需要 2 笔订单。"
            f"参数：{p.WINDOW_HELP}；"
            f"bands 分段的分界点（天），由小到大（默认 {DEFAULT_BANDS}，含下界）。")
    params = (p.window_days(), p.bands(DEFAULT_BANDS, "天数分界点，由小到大"))

    def query(self, params: dict, scope) -> tuple[str, dict]:
        band, band_params = p.band_case_sql("median", params["bands"], day_labels(params["bands"]))
        day = SHANGHAI_DAY.format(column="paid_at")
        sql = f"""WITH {scope.counted_cte()},
gaps AS (
    -- each counted order with the days since the member's previous one (NULL for the first)
    SELECT member_id, {day} - lag({day}) OVER (PARTITION BY member_id ORDER BY paid_at, id) AS gap
    FROM counted
),
cycles AS (
    -- per member with enough orders (two at least): the median gap
    SELECT member_id, count(*) AS orders,
           (percentile_cont(0.5) WITHIN GROUP (ORDER BY gap))::numeric AS median
    FROM gaps GROUP BY member_id HAVING count(*) >= greatest(2, %(min_orders)s)
)
SELECT member_id::bigint AS member_id, {band} AS value, jsonb_build_object(
        'text', '相邻订单间隔中位数 ' || median || ' 天，' || orders || ' 笔订单',
        'median_days', median, 'orders', orders) AS evidence
FROM cycles"""
        return sql, band_params


PURCHASE_CYCLE = PurchaseCycle()
