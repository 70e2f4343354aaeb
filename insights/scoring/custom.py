"""The operator's own weighted model (自定义客户模型): numeric fields of the condition registry, each
normalised to 0–1 with a direction and a weight, summed to a 0–100 score, then tiered.

Config:
    {"metrics": [{"field": "metrics.paid_365d", "direction": "higher", "normalisation": "percentile",
                  "weight": 40},
                 {"field": "metrics.days_since_last_order", "direction": "lower", "normalisation": "minmax",
                  "cap_low": 0, "cap_high": 365, "weight": 20}, …],
     "tiering": "thresholds", "tiers": [{"code": "high", "name": "高价值", "min_score": 70}, …,
                                        {"code": "abandon", "name": "放弃"}]}
  or "tiering": "top_percent" with tiers [{"code": "high", "name": "高价值", "percent": 10}, …, {the rest}].

Normalisation: `percentile` is the member's percent rank among the members scored (ties alike;
0 for the lowest value, 1 for the highest); `minmax` places the value, clamped to the caps (or to the
population's min and max where a cap is not given), between them. "lower is better" takes 1 − that.
An empty value (no orders yet, for a date metric) normalises to 0: the member earns nothing on it.
Each metric contributes 100 × weight × normalised ÷ Σ weights, rounded to 4 decimals; the score is
the sum of the contributions, so the breakdown (the "why") adds up to the score exactly. A member's
`figures` hold the values, then the normalised values, then the contributions, each in the order of
the run's `metrics` (its summary: field, label, weight), which `breakdown()` pairs up again.

Fields: any NUMBER or MONEY field of the registry without a window; a field aggregated from other rows
(PerMember) is read with one set-based UPDATE … FROM its rows.

When only some members are scored (the people of a merge), percentiles come from the latest run's
percentile table (to 1 %) and min/max from its summary, so they land where the nightly run would put them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import connection

from members.conditions.compiler import active_members
from members.conditions.registry import FieldContext, FieldType, fields

from .base import Tier, is_number, tier_list_errors

DIRECTIONS = {"higher": "越高越好", "lower": "越低越好"}
NORMALISATIONS = {"percentile": "百分位排名", "minmax": "最小-最大（可设上下限）"}
TIERINGS = {"thresholds": "按得分阈值", "top_percent": "按排名前百分比"}
MAX_METRICS = 20
BASE = "custom_base"


def _field_errors(index: int, item) -> list[str]:
    where = f"metrics[{index}]"
    if not isinstance(item, dict):
        return [f"{where}：需要一个对象"]
    errors = []
    field = fields.get(item.get("field") or "")
    if field is None:
        errors.append(f"{where}.field：未知字段「{item.get('field')}」")
    elif field.type not in (FieldType.NUMBER, FieldType.MONEY) or field.windowed:
        errors.append(f"{where}.field：「{field.label}」不是不带窗口的数值字段，不能参与打分")
    if item.get("direction") not in DIRECTIONS:
        errors.append(f"{where}.direction：只能是 higher（越高越好）或 lower（越低越好）")
    if item.get("normalisation") not in NORMALISATIONS:
        errors.append(f"{where}.normalisation：只能是 percentile 或 minmax")
    weight = item.get("weight")
    if not is_number(weight) or weight < 0:
        errors.append(f"{where}.weight：需要非负数字")
    caps = [item.get(k) for k in ("cap_low", "cap_high")]
    if any(c is not None and not is_number(c) for c in caps):
        errors.append(f"{where}：cap_low / cap_high 需要数字")
    elif all(c is not None for c in caps) and caps[0] >= caps[1]:
        errors.append(f"{where}：cap_low 需小于 cap_high")
    return errors


def _tier_errors(config: dict) -> list[str]:
    tiering, tiers = config.get("tiering"), config.get("tiers")
    if tiering not in TIERINGS:
        return ["tiering：只能是 thresholds（按得分阈值）或 top_percent（按排名前百分比）"]
    key = "min_score" if tiering == "thresholds" else "percent"
    return tier_list_errors(tiers, key, bound_ok=lambda b: is_number(b) and 0 <= b <= 100, bound_hint="0–100 的数字",
                            order="descending" if tiering == "thresholds" else "shares", example="，例如 高价值、放弃")


class CustomScorer:
    label = "自定义客户模型"

    def errors(self, config: dict) -> list[str]:
        config = config or {}
        metrics = config.get("metrics")
        if not isinstance(metrics, list) or not metrics:
            return ["metrics：至少选择一个指标"]
        if len(metrics) > MAX_METRICS:
            return [f"metrics：最多 {MAX_METRICS} 个指标"]
        errors = [error for index, item in enumerate(metrics) for error in _field_errors(index, item)]
        keys = [item.get("field") for item in metrics if isinstance(item, dict)]
        if len(set(keys)) != len(keys):
            errors.append("metrics：同一字段只能选一次")
        if not errors and sum(item["weight"] for item in metrics) <= 0:
            errors.append("metrics：权重合计需大于 0")
        return errors + _tier_errors(config)

    def tiers(self, config: dict) -> list[Tier]:
        return [Tier(t["code"], t["name"]) for t in (config or {}).get("tiers", [])]

    def fill(self, model, as_of: date, table: str, *, members=None, previous=None) -> dict:
        config = model.config
        metrics = config["metrics"]
        ctx = FieldContext(as_of=as_of)
        with connection.cursor() as cursor:
            _load_values(cursor, metrics, ctx, members)
            if members is not None and previous:
                spreads = previous["spreads"]
            else:
                spreads = _spreads(cursor, len(metrics))
            total = sum(Decimal(str(m["weight"])) for m in metrics)
            cursor.execute(*_score_rows_sql(table, metrics, total, config, spreads,
                                            population=members is None or not previous))
            cursor.execute(f"DROP TABLE {BASE}")
        return {"spreads": spreads, "weights_total": float(total),
                "metrics": [{"field": m["field"], "label": fields.get(m["field"]).label, "weight": m["weight"],
                             "direction": m["direction"], "normalisation": m["normalisation"]} for m in metrics]}


def _load_values(cursor, metrics, ctx, members) -> None:
    """BASE(member_id, v0, v1, …): each metric's value per member (NULL: empty)."""
    plain = {f"v{i}": fields.get(m["field"]).value_sql(ctx) for i, m in enumerate(metrics)
             if fields.get(m["field"]).per_member is None}
    query = active_members() if members is None else active_members().filter(pk__in=members)
    query = query.annotate(**plain).values("pk", *plain)
    select, params = query.query.sql_with_params()
    cursor.execute(f"CREATE TEMP TABLE {BASE} ON COMMIT DROP AS {select}", params)
    for column in (f"v{i}" for i in range(len(metrics))):
        if column not in plain:
            cursor.execute(f"ALTER TABLE {BASE} ADD COLUMN {column} numeric")
    cursor.execute(f"ALTER TABLE {BASE} RENAME COLUMN pk TO member_id")
    for i, metric in enumerate(metrics):
        field = fields.get(metric["field"])
        if field.per_member is None:
            continue
        per = field.per_member(ctx)
        rows, rows_params = per.rows.values(per.member, "value").query.sql_with_params()
        cursor.execute(f"UPDATE {BASE} b SET v{i} = r.value FROM ({rows}) r(member_id, value) "
                       f"WHERE r.member_id = b.member_id", rows_params)
        if per.default is not None:
            cursor.execute(f"UPDATE {BASE} SET v{i} = %s WHERE v{i} IS NULL", [per.default])


def _spreads(cursor, n: int) -> list[dict]:
    """Per metric: min, max and the 0–100 % percentiles of the values present."""
    parts = ", ".join(f"min(v{i}), max(v{i}), percentile_disc(%(cuts)s::float8[]) WITHIN GROUP (ORDER BY v{i})"
                      for i in range(n))
    cursor.execute(f"SELECT {parts} FROM {BASE}", {"cuts": [k / 100 for k in range(101)]})
    row = cursor.fetchone()
    return [{"min": _plain(row[3 * i]), "max": _plain(row[3 * i + 1]),
             "percentiles": [_plain(v) for v in (row[3 * i + 2] or [])]} for i in range(n)]


def _plain(value):
    return None if value is None else float(value)


def _normalised_sql(index: int, metric: dict, spread: dict, *, population: bool) -> tuple[str, dict]:
    """SQL of metric `index` normalised to [0, 1] (an empty value: 0), with its parameters."""
    value, params = f"v{index}", {}
    if metric["normalisation"] == "percentile" and population:
        # ranked among the members that have a value: the empty ones sort into their own partition
        norm = f"percent_rank() OVER (PARTITION BY {value} IS NULL ORDER BY {value})"
    elif metric["normalisation"] == "percentile":
        # a few members against the latest run's percentiles: the share of percentile cuts below the value
        params[f"cuts{index}"] = spread["percentiles"]
        norm = (f"(SELECT count(*) FROM unnest(%(cuts{index})s::numeric[]) c WHERE c < {value})::numeric "
                f"/ greatest(cardinality(%(cuts{index})s::numeric[]) - 1, 1)")
    else:
        low, high = (metric[cap] if metric.get(cap) is not None else spread[edge]
                     for cap, edge in (("cap_low", "min"), ("cap_high", "max")))
        if low is None or high is None or high <= low:
            norm = "0"
        else:
            params.update({f"low{index}": low, f"high{index}": high})
            norm = (f"(least(greatest({value}, %(low{index})s), %(high{index})s) - %(low{index})s)::numeric "
                    f"/ (%(high{index})s - %(low{index})s)")
    if metric["direction"] == "lower":
        norm = f"1 - {norm}"
    return f"CASE WHEN {value} IS NULL THEN 0 ELSE least(1, ({norm})::numeric) END", params


def _score_rows_sql(table: str, metrics, total: Decimal, config: dict, spreads, *, population: bool):
    """One statement: normalise, weigh, add up and tier every member of BASE into `table`."""
    params = _tier_params(config)
    norms = []
    for i, metric in enumerate(metrics):
        sql, extra = _normalised_sql(i, metric, spreads[i], population=population)
        norms.append(f"{sql} AS n{i}")
        params.update(extra)
    contributions = [f"round(100 * {Decimal(str(m['weight'])) / total} * n{i}, 4)" for i, m in enumerate(metrics)]
    values = ", ".join(f"v{i}" for i in range(len(metrics)))
    normalised = f"SELECT member_id, {values}, {', '.join(norms)} FROM {BASE}"
    # Ranking sorts narrow rows; the breakdown (JSON) is built only after, in the outermost SELECT:
    # sorting a million rows that carry it spilled to disk and took most of the run.
    contributed = (f"SELECT member_id, {values}, {', '.join(f'round(n{i}, 4) AS n{i}' for i in range(len(metrics)))}, "
                   f"{', '.join(f'{c} AS c{i}' for i, c in enumerate(contributions))}, "
                   f"{' + '.join(contributions)} AS score FROM ({normalised}) n")
    # Every metric's value, then every normalised value, then every contribution, in the order of the
    # run's "metrics" (its summary names them and holds the weights, once, not a million times); a
    # numeric[] because a JSON value per member cost seconds to build (docs/benchmarks.md, "RFM scoring").
    figures = ", ".join(f"{prefix}{i}" for prefix in "vnc" for i in range(len(metrics)))
    tiers = config["tiers"]
    if config["tiering"] == "thresholds":
        tier = " ".join(f"WHEN score >= %(bound{i})s THEN %(tier{i})s" for i in range(len(tiers) - 1))
        ranked = contributed
    else:
        tier = " ".join(f"WHEN share <= %(bound{i})s THEN %(tier{i})s" for i in range(len(tiers) - 1))
        ranked = f"SELECT *, 100 * cume_dist() OVER (ORDER BY score DESC) AS share FROM ({contributed}) s"
    return (f"INSERT INTO {table} (member_id, tier, score, figures) "
            f"SELECT member_id, CASE {tier} ELSE %(tier_last)s END, score, ARRAY[{figures}]::numeric[] "
            f"FROM ({ranked}) r"), params


def breakdown(figures: list, run_metrics: list[dict]) -> list[dict]:
    """Per metric of the run: field, label, weight, value, normalised, contribution."""
    n = len(run_metrics)
    numbers = [_number(x) for x in figures or []]
    return [{**metric, "value": value, "normalised": normalised, "contribution": contribution}
            for metric, value, normalised, contribution in zip(run_metrics, numbers[:n], numbers[n:2 * n],
                                                               numbers[2 * n:3 * n], strict=False)]


def _number(value):
    """A figure as the page prints it: whole numbers without decimals, others as floats; empty: None."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _tier_params(config: dict) -> dict:
    tiers = config["tiers"]
    params = {"tier_last": tiers[-1]["code"]}
    running = 0
    for i, tier in enumerate(tiers[:-1]):
        params[f"tier{i}"] = tier["code"]
        if config["tiering"] == "thresholds":
            params[f"bound{i}"] = tier["min_score"]
        else:
            running += tier["percent"]
            params[f"bound{i}"] = running
    return params
