"""Demo insights for the quick start (`make run` → `seed_insights_demo`): the four kinds of value model,
a few segments, then the nightly job for three business dates a month apart — so the dashboards, the
tier migration, the CLV holdout and the segments' size history have something to show. Re-running
changes nothing: models and segments are created once by code, and each date's run writes only
differences.
"""

from __future__ import annotations

from datetime import date, timedelta

from members.conditions.windows import shanghai_today

from .models import ModelKind, Segment, ValueModel
from .scoring import EXAMPLES
from .services.nightly import NightlyResult, refresh_insights

MODELS = [
    ("rfm", "RFM 客户分群", ModelKind.RFM, "近 365 天的最近消费、消费次数、消费金额，五等分打分，八类客户"),
    ("activity", "活跃度", ModelKind.ACTIVITY, "按最近一次下单或积分活动距今天数分层，另给出生命周期阶段"),
    ("clv", "客户终身价值", ModelKind.CLV, "BG/NBD + Gamma-Gamma 预测未来 12 个月的价值、流失风险和购买倾向"),
    ("value", "客户价值模型", ModelKind.CUSTOM, "近一年消费、订单数和最近购买加权打分，按排名分为高、中、低价值和放弃"),
]

SEGMENTS = [
    ("女性高消费", "女性会员，近 365 天消费满 ¥500",
     {"all": [{"field": "member.gender", "op": "eq", "value": "F"},
              {"field": "metrics.paid_365d", "op": "gte", "value": 500}]}),
    ("重要挽留客户", "RFM 重要挽留：消费金额高，但最近不常来",
     {"field": "insights.tier.rfm", "op": "eq", "value": "important_retain"}),
    ("待唤醒的复购老客", "买过两天以上、90 天没来、有手机号，适合唤醒短信（流失风险字段 insights.churn_risk.clv 也可用）",
     {"all": [{"field": "metrics.purchase_days", "op": "gte", "value": 2},
              {"field": "metrics.days_since_last_order", "op": "gt", "value": 90},
              {"field": "member.has_mobile", "op": "eq", "value": True}]}),
    ("沉默或睡眠的高价值", "活跃度为沉默或睡眠，价值模型为高价值或中价值",
     {"all": [{"field": "insights.tier.activity", "op": "in", "value": ["silent", "sleeping"]},
              {"field": "insights.tier.value", "op": "in", "value": ["high", "mid"]}]}),
]
RUN_EVERY_DAYS = 30
RUNS = 3


def seed_insights_demo(today: date | None = None) -> list[NightlyResult]:
    for code, name, kind, description in MODELS:
        ValueModel.objects.get_or_create(code=code, defaults={"name": name, "kind": kind, "description": description,
                                                              "config": EXAMPLES[kind]})
    for name, description, condition in SEGMENTS:
        Segment.objects.get_or_create(name=name, defaults={"description": description, "condition": condition})
    today = today or shanghai_today()
    return [refresh_insights(today - timedelta(days=RUN_EVERY_DAYS * back)) for back in range(RUNS - 1, -1, -1)]
