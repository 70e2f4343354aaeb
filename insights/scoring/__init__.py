"""The kinds of value model and their scorers; runner.py runs any of them the same way."""

from ..models import ModelKind
from .activity import ActivityScorer
from .base import Scorer, Tier
from .clv import CLVScorer
from .custom import CustomScorer
from .rfm import RFMScorer

SCORERS: dict[str, Scorer] = {
    ModelKind.RFM: RFMScorer(),
    ModelKind.ACTIVITY: ActivityScorer(),
    ModelKind.CUSTOM: CustomScorer(),
    ModelKind.CLV: CLVScorer(),
}


# What the admin shows as a starting point for each kind's parameters.
EXAMPLES: dict[str, dict] = {
    ModelKind.RFM: {"window_days": 365, "scoring": "quintile"},
    ModelKind.ACTIVITY: {"tiers": [{"code": "active", "name": "活跃", "max_days": 30},
                                   {"code": "silent", "name": "沉默", "max_days": 90},
                                   {"code": "sleeping", "name": "睡眠", "max_days": 180},
                                   {"code": "lost", "name": "流失"}],
                         "new_days": 30, "loyal_orders": 5, "returned_days": 90},
    ModelKind.CLV: {"horizon_months": 12, "discount_rate": 0.01, "holdout_days": 180,
                     "tiers": [{"code": "high", "name": "高价值", "min_clv": 1000},
                               {"code": "mid", "name": "中价值", "min_clv": 300}, {"code": "low", "name": "低价值"}]},
    ModelKind.CUSTOM: {"metrics": [
        {"field": "metrics.paid_365d", "direction": "higher", "normalisation": "percentile", "weight": 40},
        {"field": "metrics.orders_365d", "direction": "higher", "normalisation": "percentile", "weight": 30},
        {"field": "metrics.days_since_last_order", "direction": "lower", "normalisation": "minmax",
         "cap_low": 0, "cap_high": 365, "weight": 30}],
        "tiering": "top_percent",
        "tiers": [{"code": "high", "name": "高价值", "percent": 10}, {"code": "mid", "name": "中价值", "percent": 30},
                  {"code": "low", "name": "低价值", "percent": 40}, {"code": "abandon", "name": "放弃"}]},
}


def scorer_for(kind: str) -> Scorer:
    return SCORERS[kind]


__all__ = ["EXAMPLES", "SCORERS", "Scorer", "Tier", "scorer_for"]
