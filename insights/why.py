"""Why a member holds a model's tier: the breakdown of the score in one line per model kind — what
the member page and the guide's card show."""

from __future__ import annotations

from datetime import date

from members.conditions.windows import shanghai_today

from .models import MemberValue, ModelKind, ModelRun
from .scoring import scorer_for
from .scoring.activity import STAGES
from .scoring.custom import breakdown
from .scoring.rfm import figures_of


def custom_breakdown(value: MemberValue) -> list[dict]:
    """A custom model's score per metric, with the labels and weights of the run that wrote it."""
    if hasattr(value, "run_metrics"):  # annotated by the caller (insights/card.py): no query here
        run_metrics = value.run_metrics
    else:
        run = ModelRun.objects.filter(model_id=value.model_id, as_of=value.as_of).first()
        run_metrics = run.summary.get("metrics") if run else None
    run_metrics = run_metrics or [
        {"field": m["field"], "label": m["field"], "weight": m["weight"]} for m in value.model.config["metrics"]]
    return breakdown(value.figures, run_metrics)


def tier_name(value: MemberValue) -> str:
    names = {t.code: t.name for t in scorer_for(value.model.kind).tiers(value.model.config)}
    return names.get(value.tier, value.tier)


def explain_value(value: MemberValue, today: date | None = None) -> str:
    """`today` (Shanghai; default now) is what "… days ago" counts from."""
    detail, kind = value.detail or {}, value.model.kind
    if kind == ModelKind.RFM:
        rfm = figures_of(value)
        if not rfm.get("f"):
            return f"窗口内没有消费（{value.model.config.get('window_days', 365)} 天），不参与打分"
        orders, r, f, m = (int(rfm[k]) for k in ("f", "r_score", "f_score", "m_score"))
        last, days = rfm["last_order"], ((today or shanghai_today()) - rfm["last_order"]).days
        return (f"最近一次消费 {last:%Y-%m-%d}（{days} 天前）→ R{r}；{orders} 单 → F{f}；¥{rfm['m']:,.2f} → M{m}"
                f"（与平均分比较高低）")
    if kind == ModelKind.ACTIVITY:
        stage = STAGES.get(detail.get("stage"), detail.get("stage"))
        if detail.get("days_since_activity") is None:
            return f"没有订单或积分活动；阶段：{stage}"
        return f"距最近一次活动 {detail['days_since_activity']} 天；阶段：{stage}"
    if kind == ModelKind.CLV:
        if "clv" not in detail:
            return "没有购买记录，无法预测"
        return (f"预测 {value.model.config.get('horizon_months', 12)} 个月价值 ¥{detail['clv']}；存活概率 "
                f"{detail['p_alive']:.0%}（流失风险 {detail['churn_risk']:.0%}）；未来 90 天预期购买 "
                f"{detail['expected_purchases_90d']} 次；每次约 ¥{detail['expected_spend']}")
    parts = sorted(custom_breakdown(value), key=lambda part: -part["contribution"])
    return "；".join(f"{p['label']} {p['value'] if p['value'] is not None else '空'} → {p['normalised']:.0%} × 权重 "
                    f"{p['weight']} = {p['contribution']}" for p in parts) + f"（合计 {value.score}）"
