"""CLV (客户终身价值): historical value from the metrics (net paid, lifetime and 12 months) and
predictive value — BG/NBD for the probability of being alive (流失风险 is its complement) and the
expected purchases (购买倾向: next 90 days), Gamma-Gamma for the value of a purchase, and the CLV over
the horizon at a monthly discount rate (insights/clv/fitting.py). Tiers by predicted CLV thresholds;
members without a purchase are 无购买记录.

The fit's quality is checked on a holdout: the model is fitted again on the history up to
`holdout_days` before the date, and its expected purchases in the holdout are set beside the actual
ones, per number of repeat purchases in the calibration period (the model page draws them).

Config: {"horizon_months": 12, "discount_rate": 0.01, "holdout_days": 180,
         "tiers": [{"code": "high", "name": "高价值", "min_clv": 1000}, …, {"code": "low", "name": "低价值"}]}
"""

from __future__ import annotations

import io
import time
from datetime import date, timedelta

import numpy as np
from django.db import connection

from members.conditions.windows import start_of_day
from members.models import Member, MemberStatus

from ..clv import fitting
from ..errors import InsightsError
from ..metrics.figures import COUNTED, LOCAL_DAY, paid_orders_sql, paid_statuses
from ..models import MemberMetrics
from .base import Tier, is_number, tier_list_errors

NO_HISTORY = Tier("no_history", "无购买记录")
DEFAULTS = {"horizon_months": 12, "discount_rate": 0.01, "holdout_days": 180,
            "tiers": [{"code": "high", "name": "高价值", "min_clv": 1000},
                      {"code": "mid", "name": "中价值", "min_clv": 300},
                      {"code": "low", "name": "低价值"}]}
HOLDOUT_BUCKETS = 7  # calibration repeat purchases 0, 1, …, 5, 6+
PREDICTIONS = "clv_predictions"


def _config(config: dict) -> dict:
    return {**DEFAULTS, **(config or {})}


class CLVScorer:
    label = "CLV"

    def errors(self, config: dict) -> list[str]:
        config = _config(config)
        errors = []
        if not isinstance(config["horizon_months"], int) or not 1 <= config["horizon_months"] <= 60:
            errors.append("horizon_months：预测月数需为 1–60 的整数")
        if not is_number(config["discount_rate"]) or not 0 <= config["discount_rate"] < 1:
            errors.append("discount_rate：月折现率需在 0 到 1 之间（如 0.01）")
        if not isinstance(config["holdout_days"], int) or not 0 <= config["holdout_days"] <= 730:
            errors.append("holdout_days：留出期天数需为 0–730 的整数（0 不做检验）")
        return errors + tier_list_errors(config["tiers"], "min_clv", bound_ok=lambda b: is_number(b) and b >= 0,
                                         bound_hint="非负金额", order="descending", reserved=NO_HISTORY.code)

    def tiers(self, config: dict) -> list[Tier]:
        return [Tier(t["code"], t["name"]) for t in _config(config)["tiers"]] + [NO_HISTORY]

    def fill(self, model, as_of: date, table: str, *, members=None, previous=None) -> dict:
        config = _config(model.config)
        ids, summary = _summary_from_metrics(as_of, members)
        started = time.perf_counter()
        if members is not None and previous:
            parameters = previous["parameters"]
        else:
            try:
                parameters = fitting.fit(summary)
            except fitting.NotEnoughData as error:
                raise InsightsError(str(error)) from error
        fitted = time.perf_counter()
        predicted = fitting.predict(parameters, summary, horizon_months=config["horizon_months"],
                                    discount_rate=config["discount_rate"]) if len(ids) else None
        predicted_at = time.perf_counter()
        with connection.cursor() as cursor:
            _load_predictions(cursor, ids, summary, predicted)
            cursor.execute(*_rows_sql(table, config, members))
            cursor.execute(f"DROP TABLE {PREDICTIONS}")
        result = {"parameters": parameters, "buyers": len(ids), "repeat_buyers": int((summary.frequency > 0).sum()),
                  "horizon_months": config["horizon_months"], "discount_rate": config["discount_rate"],
                  "seconds": {"fit": round(fitted - started, 1), "predict": round(predicted_at - fitted, 1)}}
        if members is None and config["holdout_days"]:
            result["holdout"] = holdout_check(as_of, config["holdout_days"])
        elif previous and "holdout" in previous:
            result["holdout"] = previous["holdout"]
        return result


def _summary_from_metrics(as_of: date, members) -> tuple[np.ndarray, fitting.Summary]:
    """The buyers' (member id, frequency, recency, T, monetary) in days, from the metrics rows."""
    scope = "AND m.id = ANY(%(members)s)" if members is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT m.id, x.purchase_days - 1, x.last_order_date - x.first_order_date,
                   %(as_of)s::date - x.first_order_date, coalesce(x.repeat_purchase_value, 0)
            FROM {Member._meta.db_table} m JOIN {MemberMetrics._meta.db_table} x ON x.member_id = m.id
            WHERE m.status = %(active)s AND x.purchase_days > 0 AND x.first_order_date <= %(as_of)s {scope}
            ORDER BY m.id""", {"as_of": as_of, "active": MemberStatus.ACTIVE, "members": members})
        rows = np.array(cursor.fetchall(), dtype=float).reshape(-1, 5)
    # a repeat value of ¥0 or less (refunds) is no spend Gamma-Gamma can model: such a member counts as
    # one without repeat value
    monetary = np.where(rows[:, 4] > 0, rows[:, 4], 0.0)
    frequency = np.where(monetary > 0, rows[:, 1], 0.0)
    recency = np.where(frequency > 0, rows[:, 2], 0.0)
    return rows[:, 0].astype(np.int64), fitting.Summary(frequency=frequency, recency=recency, T=rows[:, 3],
                                                          monetary=monetary)


def _load_predictions(cursor, ids, summary: fitting.Summary, predicted) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {PREDICTIONS}")
    cursor.execute(f"CREATE TEMP TABLE {PREDICTIONS} (member_id bigint PRIMARY KEY, frequency int, recency int, "
                   f"t int, p_alive float8, purchases_90d float8, purchases_horizon float8, spend float8, "
                   f"clv float8) ON COMMIT DROP")
    if predicted is None:
        return
    columns = np.column_stack([ids, summary.frequency, summary.recency, summary.T, predicted.p_alive,
                               predicted.purchases_90d, predicted.purchases_horizon, predicted.spend, predicted.clv])
    text = io.StringIO()
    np.savetxt(text, columns, fmt=["%d", "%d", "%d", "%d", "%.6f", "%.6f", "%.6f", "%.4f", "%.4f"], delimiter="\t")
    with cursor.cursor.copy(f"COPY {PREDICTIONS} FROM STDIN") as copy:
        copy.write(text.getvalue())
    cursor.execute(f"ANALYZE {PREDICTIONS}")


def _rows_sql(table: str, config: dict, members) -> tuple[str, dict]:
    tiers = config["tiers"]
    tier = " ".join(f"WHEN p.clv >= %(bound{i})s THEN %(tier{i})s" for i in range(len(tiers) - 1))
    params = {"active": MemberStatus.ACTIVE, "members": members, "none": NO_HISTORY.code,
              "last": tiers[-1]["code"], **{f"bound{i}": t["min_clv"] for i, t in enumerate(tiers[:-1])},
              **{f"tier{i}": t["code"] for i, t in enumerate(tiers[:-1])}}
    scope = "AND m.id = ANY(%(members)s)" if members is not None else ""
    return f"""
        INSERT INTO {table} (member_id, tier, score, detail)
        SELECT m.id, CASE WHEN p.member_id IS NULL THEN %(none)s {tier} ELSE %(last)s END,
               round(p.clv::numeric, 2),
               jsonb_strip_nulls(jsonb_build_object(
                   'clv', round(p.clv::numeric, 2), 'p_alive', round(p.p_alive::numeric, 4),
                   'churn_risk', round(1 - p.p_alive::numeric, 4),
                   'expected_purchases_90d', round(p.purchases_90d::numeric, 3),
                   'expected_purchases_horizon', round(p.purchases_horizon::numeric, 3),
                   'expected_spend', round(p.spend::numeric, 2),
                   'frequency', p.frequency, 'recency_days', p.recency, 'age_days', p.t,
                   'paid_total', x.paid_total, 'paid_365d', x.paid_365d))
        FROM {Member._meta.db_table} m
        LEFT JOIN {PREDICTIONS} p ON p.member_id = m.id
        LEFT JOIN {MemberMetrics._meta.db_table} x ON x.member_id = m.id
        WHERE m.status = %(active)s {scope}""", params


def holdout_check(as_of: date, days: int) -> dict:
    """Fit on the purchases up to `days` before the date; compare expected with actual repeat purchase
    days in the holdout, per calibration frequency 0…5, 6+. The error says why when it cannot be done."""
    calibration_end = as_of - timedelta(days=days)
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT count(*) FILTER (WHERE day <= %(cal_end)s) - 1, max(day) FILTER (WHERE day <= %(cal_end)s) - min(day),
                   %(cal_end)s::date - min(day), count(*) FILTER (WHERE day > %(cal_end)s)
            FROM (SELECT o.member_id, {LOCAL_DAY} AS day {paid_orders_sql()} AND {COUNTED}
                  GROUP BY o.member_id, {LOCAL_DAY}) d
            JOIN {Member._meta.db_table} m ON m.id = d.member_id AND m.status = %(active)s
            GROUP BY d.member_id HAVING min(day) <= %(cal_end)s""",
                       {"cal_end": calibration_end, "until": start_of_day(as_of + timedelta(days=1)),
                        "paid_statuses": paid_statuses(), "active": MemberStatus.ACTIVE})
        rows = np.array(cursor.fetchall(), dtype=float).reshape(-1, 4)
    calibration = fitting.Summary(frequency=rows[:, 0], recency=rows[:, 1], T=rows[:, 2],
                                  monetary=np.zeros(len(rows)))  # purchases only: no Gamma-Gamma here
    try:
        parameters = fitting.fit_transactions(calibration)
    except fitting.NotEnoughData as error:
        return {"days": days, "calibration_end": calibration_end.isoformat(), "error": str(error)}
    expected = fitting.expected_purchases(parameters, calibration, days)
    bucket = np.minimum(calibration.frequency, HOLDOUT_BUCKETS - 1).astype(int)
    per_bucket = []
    for b in range(HOLDOUT_BUCKETS):
        chosen = bucket == b
        if chosen.any():
            per_bucket.append({"frequency": f"{b}+" if b == HOLDOUT_BUCKETS - 1 else str(b),
                               "members": int(chosen.sum()), "actual": round(float(rows[chosen, 3].mean()), 3),
                               "predicted": round(float(expected[chosen].mean()), 3)})
    return {"days": days, "calibration_end": calibration_end.isoformat(), "members": len(rows),
            "actual_total": int(rows[:, 3].sum()), "predicted_total": round(float(expected.sum()), 1),
            "by_frequency": per_bucket}

