"""RFM: recency (days since the last order), frequency (orders) and monetary (net paid) over a window
of the member metrics (30 / 90 / 180 / 365 days), each scored 1–5, and the eight classic groups.

Scores by cut points, four per measure: by quintiles of the members who bought in the window (the
20/40/60/80 % values, `percentile_disc`), or by the operator's own thresholds. A value scores
1 + the number of cut points it exceeds (recency: 5 − the number it exceeds, fewer days being better),
so equal values always score the same — ties never split across scores as `ntile` would split them.
A measure is 高 when its score is at least the average score of the members scored, else 低.
Members without an order in the window form their own group (窗口内无消费), never scored 1-1-1.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import connection

from members.models import Member, MemberStatus

from ..models import MemberMetrics
from ..models.metrics import WINDOWS
from .base import Tier

NO_ORDERS = Tier("no_orders", "窗口内无消费")
# (R high, F high, M high) → group
GROUPS = {
    (True, True, True): Tier("important_value", "重要价值客户"),
    (True, False, True): Tier("important_develop", "重要发展客户"),
    (False, True, True): Tier("important_keep", "重要保持客户"),
    (False, False, True): Tier("important_retain", "重要挽留客户"),
    (True, True, False): Tier("general_value", "一般价值客户"),
    (True, False, False): Tier("general_develop", "一般发展客户"),
    (False, True, False): Tier("general_keep", "一般保持客户"),
    (False, False, False): Tier("general_retain", "一般挽留客户"),
}
MEASURES = {"r": "最近一次消费距今天数", "f": "消费次数", "m": "消费金额"}
DEFAULTS = {"window_days": 365, "scoring": "quintile"}


def _config(config: dict) -> dict:
    return {**DEFAULTS, **(config or {})}


class RFMScorer:
    label = "RFM"

    def errors(self, config: dict) -> list[str]:
        config = _config(config)
        errors = []
        if config["window_days"] not in WINDOWS:
            errors.append(f"window_days：只能是 {'、'.join(map(str, WINDOWS))} 之一（会员指标的窗口）")
        if config["scoring"] not in ("quintile", "thresholds"):
            errors.append("scoring：只能是 quintile（五等分）或 thresholds（自定阈值）")
        if config["scoring"] == "thresholds":
            thresholds = config.get("thresholds") or {}
            for measure, label in MEASURES.items():
                cuts = thresholds.get(measure)
                if (not isinstance(cuts, list) or len(cuts) != 4
                        or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in cuts)):
                    errors.append(f"thresholds.{measure}（{label}）：需要 4 个数字的列表")
                elif any(a >= b for a, b in zip(cuts, cuts[1:], strict=False)):
                    errors.append(f"thresholds.{measure}（{label}）：阈值需从小到大严格递增，收到 {cuts}")
        return errors

    def tiers(self, config: dict) -> list[Tier]:
        return [*GROUPS.values(), NO_ORDERS]

    def fill(self, model, as_of: date, table: str, *, members=None, previous=None) -> dict:
        config = _config(model.config)
        days = config["window_days"]
        base = f"""
            SELECT m.id AS member_id, (%(as_of)s::date - x.last_order_date) AS r,
                   coalesce(x.orders_{days}d, 0) AS f, coalesce(x.paid_{days}d, 0) AS m
            FROM {Member._meta.db_table} m LEFT JOIN {MemberMetrics._meta.db_table} x ON x.member_id = m.id
            WHERE m.status = %(active)s {"AND m.id = ANY(%(members)s)" if members is not None else ""}"""
        params = {"as_of": as_of, "active": MemberStatus.ACTIVE, "members": members}
        # The base is read in each statement rather than stored: writing a million rows to a temporary
        # table cost more than the join the statements repeat.
        with connection.cursor() as cursor:
            if members is not None and previous:
                cuts, averages = previous["cuts"], previous["averages"]
            else:
                cuts = self._cuts(cursor, config, base, params)
                averages = None
            scored = self._scores_sql(cuts, base)
            if averages is None:
                cursor.execute(f"SELECT avg(r_score), avg(f_score), avg(m_score) FROM ({scored}) s WHERE f > 0", params)
                averages = dict(zip("rfm", (float(v or 0) for v in cursor.fetchone()), strict=True))
            cursor.execute(f"INSERT INTO {table} (member_id, tier, score, detail) {self._rows_sql(scored)}",
                           {**params, **{f"avg_{k}": v for k, v in averages.items()}, **self._group_params()})
        return {"window_days": days, "scoring": config["scoring"], "cuts": cuts,
                "averages": {k: round(v, 4) for k, v in averages.items()}}

    @staticmethod
    def _cuts(cursor, config, base: str, params: dict) -> dict:
        if config["scoring"] == "thresholds":
            return {k: [float(c) for c in v] for k, v in config["thresholds"].items() if k in MEASURES}
        cursor.execute(f"""
            SELECT percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY r),
                   percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY f),
                   percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY m)
            FROM ({base}) rfm_base WHERE f > 0""", params)
        r, f, m = cursor.fetchone()
        return {"r": [float(c) for c in r or [0] * 4], "f": [float(c) for c in f or [0] * 4],
                "m": [float(Decimal(c)) for c in m or [0] * 4]}

    @staticmethod
    def _scores_sql(cuts: dict, base: str) -> str:
        def exceeded(column: str, values) -> str:
            return " + ".join(f"({column} > {float(c)!r})::int" for c in values)

        return (f"SELECT member_id, r, f, m, 5 - ({exceeded('r', cuts['r'])}) AS r_score, "
                f"1 + {exceeded('f', cuts['f'])} AS f_score, 1 + {exceeded('m', cuts['m'])} AS m_score "
                f"FROM ({base}) rfm_base")

    @staticmethod
    def _group_params() -> dict:
        # the groups in the order of the index 4·R高 + 2·F高 + M高 that _rows_sql computes
        ordered = [GROUPS[(bool(i & 4), bool(i & 2), bool(i & 1))].code for i in range(8)]
        return {"groups": ordered, "no_orders": NO_ORDERS.code}

    @staticmethod
    def _rows_sql(scored: str) -> str:
        index = " + ".join(f"{weight} * ({k}_score >= %(avg_{k})s)::int" for weight, k in ((4, "r"), (2, "f"), (1, "m")))
        return f"""
            SELECT member_id,
                   CASE WHEN f = 0 THEN %(no_orders)s ELSE (%(groups)s::text[])[1 + {index}] END,
                   CASE WHEN f > 0 THEN r_score + f_score + m_score END,
                   CASE WHEN f = 0 THEN jsonb_build_object('f', 0)
                        ELSE jsonb_build_object('r_days', r, 'f', f, 'm', m, 'r_score', r_score,
                                                'f_score', f_score, 'm_score', m_score) END
            FROM ({scored}) s"""
