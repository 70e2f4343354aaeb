"""Activity (活跃度): tiers by the days since the member's last activity — an order, or points earned
or redeemed — and lifecycle stages from the order history.

Tiers (configurable, ascending `max_days`; the last has none): 活跃 ≤ 30, 沉默 31–90, 睡眠 91–180,
流失 > 180 days; a member with no activity at all is 无活动. Days count Shanghai business dates:
activity on the evaluation date is 0 days ago.

Stages (precedence top-down): 未购客 (no order); 流失回流 (the latest purchase came more than the 流失
threshold after the one before it, and is at most `returned_days` old); 新客 (first order within
`new_days`); 忠诚客 (at least `loyal_orders` orders); 复购客 (two or more); 一次客 (one).
"""

from __future__ import annotations

from datetime import date

from django.db import connection

from members.models import Member, MemberStatus

from ..models import MemberMetrics
from .base import Tier, is_whole, tier_list_errors

NONE = Tier("none", "无活动")
DEFAULT_TIERS = [
    {"code": "active", "name": "活跃", "max_days": 30},
    {"code": "silent", "name": "沉默", "max_days": 90},
    {"code": "sleeping", "name": "睡眠", "max_days": 180},
    {"code": "lost", "name": "流失"},
]
DEFAULTS = {"tiers": DEFAULT_TIERS, "new_days": 30, "loyal_orders": 5, "returned_days": 90}
STAGES = {"never": "未购客", "returned": "流失回流", "new": "新客", "loyal": "忠诚客", "repeat": "复购客",
          "once": "一次客"}


def _config(config: dict) -> dict:
    return {**DEFAULTS, **(config or {})}


class ActivityScorer:
    label = "活跃度"

    def errors(self, config: dict) -> list[str]:
        config = _config(config)
        errors = tier_list_errors(config["tiers"], "max_days", bound_ok=is_whole, bound_hint="非负整数天数",
                                  order="ascending", reserved=NONE.code, example="，例如 活跃 ≤ 30 天、流失")
        for key in ("new_days", "returned_days"):
            if not is_whole(config[key]):
                errors.append(f"{key}：需要非负整数天数")
        if not is_whole(config["loyal_orders"], 2):
            errors.append("loyal_orders：需要不小于 2 的整数")
        return errors

    def tiers(self, config: dict) -> list[Tier]:
        return [Tier(t["code"], t["name"]) for t in _config(config)["tiers"]] + [NONE]

    def fill(self, model, as_of: date, table: str, *, members=None, previous=None) -> dict:
        config = _config(model.config)
        tiers = config["tiers"]
        lost_days = tiers[-2]["max_days"]
        tier_case = " ".join(f"WHEN days <= {int(t['max_days'])} THEN %(tier_{i})s"
                             for i, t in enumerate(tiers[:-1]))
        params = {"as_of": as_of, "active": MemberStatus.ACTIVE, "members": members, "none": NONE.code,
                  "last": tiers[-1]["code"], "lost_days": lost_days, **{f"tier_{i}": t["code"] for i, t in enumerate(tiers)},
                  **{k: config[k] for k in ("new_days", "loyal_orders", "returned_days")}}
        with connection.cursor() as cursor:
            cursor.execute(f"""
                INSERT INTO {table} (member_id, tier, score, detail)
                SELECT member_id,
                       CASE WHEN days IS NULL THEN %(none)s {tier_case} ELSE %(last)s END,
                       days,
                       jsonb_build_object('days_since_activity', days, 'last_order_date', last_order_date,
                                          'last_points_date', last_points_date, 'orders_total', orders_total,
                                          'stage', stage)
                FROM (SELECT m.id AS member_id, x.last_order_date, x.last_points_date,
                             coalesce(x.orders_total, 0) AS orders_total,
                             %(as_of)s::date - greatest(x.last_order_date, x.last_points_date) AS days,
                             CASE WHEN coalesce(x.orders_total, 0) = 0 THEN 'never'
                                  WHEN x.last_gap_days > %(lost_days)s
                                       AND %(as_of)s::date - x.last_order_date <= %(returned_days)s THEN 'returned'
                                  WHEN %(as_of)s::date - x.first_order_date <= %(new_days)s THEN 'new'
                                  WHEN x.orders_total >= %(loyal_orders)s THEN 'loyal'
                                  WHEN x.orders_total >= 2 THEN 'repeat'
                                  ELSE 'once' END AS stage
                      FROM {Member._meta.db_table} m
                      LEFT JOIN {MemberMetrics._meta.db_table} x ON x.member_id = m.id
                      WHERE m.status = %(active)s {"AND m.id = ANY(%(members)s)" if members is not None else ""}) a
            """, params)
        return {"tiers": tiers, "lost_days": lost_days, "stages": STAGES}
