"""RFM: recency (days since the last order), frequency (orders) and monetary (net paid) over a window
of the member metrics (30 / 90 / 180 / 365 days), each scored 1–5, and the eight classic groups.

Scores by cut points, four per measure: by quintiles of the members who bought in the window (the
20/40/60/80 % values, `percentile_disc`), or by the operator's own thresholds. A value scores
1 + the number of cut points it exceeds (recency: 5 − the number it exceeds, fewer days being better),
so equal values always score the same — ties never split across scores as `ntile` would split them.
A measure is 高 when its score is at least the average score of the members scored, else 低.
Members without an order in the window form their own group (窗口内无消费), never scored 1-1-1.

One statement does it all: the members' measures are read once (a materialised CTE), the cut points
and the averages come from that, and the rows are written from it. The why is the member's numbers
in `figures` (FIGURES, in that order) rather than a JSON object: building a million JSON objects
cost more than the bare `ntile` query itself (docs/benchmarks.md, "RFM scoring"). It keeps the date
of the last order, not the days since it: the days grow every night, and a result whose scores did
not move is then not rewritten the next night.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
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
        params = {"as_of": as_of, "active": MemberStatus.ACTIVE, "members": members, **self._group_params()}
        if members is not None and previous:  # the people of a merge: scored on the latest run's terms
            cuts, averages = given_cuts(previous["cuts"]), given_averages(previous["averages"])
        elif config["scoring"] == "thresholds":
            cuts, averages = given_cuts(config["thresholds"]), AVERAGES_OF_SCORES
        else:
            cuts, averages = QUINTILE_CUTS, AVERAGES_OF_SCORES
        with connection.cursor() as cursor:
            cursor.execute(_statement(table, days, members is not None, cuts, averages), params)
            r, f, m, avg_r, avg_f, avg_m = cursor.fetchone()
        if config["scoring"] == "thresholds":  # as the operator wrote them (7.5 days, not the 7 it cuts as)
            r, f, m = (config["thresholds"][k] for k in MEASURES)
        return {"window_days": days, "scoring": config["scoring"],
                "cuts": {"r": [float(c) for c in r or [0] * 4], "f": [float(c) for c in f or [0] * 4],
                         "m": [float(c) for c in m or [0] * 4]},
                # unrounded: a merge's rescore compares scores with them (the page rounds)
                "averages": {"r": float(avg_r or 0), "f": float(avg_f or 0), "m": float(avg_m or 0)}}

    @staticmethod
    def _group_params() -> dict:
        # the groups in the order of the index 4·R高 + 2·F高 + M高 that _statement computes
        ordered = [GROUPS[(bool(i & 4), bool(i & 2), bool(i & 1))].code for i in range(8)]
        return {"groups": ordered, "no_orders": NO_ORDERS.code}


# MemberValue.figures of an RFM result; the last order's date as days since 1970-01-01 (a date
# subtraction costs nothing, where to_char(…, 'YYYYMMDD') cost 0.5 s a million rows)
FIGURES = ("last_order", "f", "m", "r_score", "f_score", "m_score")
EPOCH = date(1970, 1, 1)
QUINTILE_CUTS = ", ".join(f"percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY {k}) AS {k}"
                          for k in MEASURES) + " FROM base WHERE f > 0"
AVERAGES_OF_SCORES = "avg(r_score) AS r, avg(f_score) AS f, avg(m_score) AS m FROM scored WHERE f > 0"


def given_cuts(cuts: dict) -> str:
    """Cut points known beforehand, typed like the measures. Days and orders are whole numbers, so a
    fractional threshold c cuts where floor(c) does (x > 7.5 exactly when x > 7)."""
    def whole(values) -> str:
        return f"ARRAY[{', '.join(str(math.floor(float(c))) for c in values)}]::int[]"

    amounts = ", ".join(repr(str(Decimal(str(c)))) + "::numeric" for c in cuts["m"])
    return f"{whole(cuts['r'])} AS r, {whole(cuts['f'])} AS f, ARRAY[{amounts}]::numeric[] AS m"


def given_averages(averages: dict) -> str:
    return ", ".join(f"{Decimal(str(averages[k]))!s}::numeric AS {k}" for k in MEASURES)


def _statement(table: str, days: int, some_members: bool, cuts: str, averages: str) -> str:
    """Read the measures once, cut, average and write, returning the cut points and the averages.

    A score counts the cut points its value exceeds with one `width_bucket` (a binary search): given
    the negated cut points in ascending order and −x, it counts the negated ones ≤ −x, i.e. the cut
    points ≥ x, so 4 − width_bucket(−x, …) is the number x exceeds, ties included — one call instead
    of four comparisons a measure.
    `scored` is fenced (OFFSET 0) so each score is computed once although the row uses it thrice."""
    high = " + ".join(f"{weight} * (s.{k}_score >= a.{k})::int" for weight, k in ((4, "r"), (2, "f"), (1, "m")))
    negated = ", ".join(f"ARRAY(SELECT -c FROM unnest({k}) c ORDER BY 1) AS {k}" for k in MEASURES)
    return f"""
        WITH base AS MATERIALIZED (
            SELECT m.id AS member_id, x.last_order_date, (%(as_of)s::date - x.last_order_date) AS r,
                   coalesce(x.orders_{days}d, 0) AS f, coalesce(x.paid_{days}d, 0) AS m
            FROM {Member._meta.db_table} m LEFT JOIN {MemberMetrics._meta.db_table} x ON x.member_id = m.id
            WHERE m.status = %(active)s {"AND m.id = ANY(%(members)s)" if some_members else ""}),
        cuts AS MATERIALIZED (SELECT {cuts}),
        negated AS MATERIALIZED (SELECT {negated} FROM cuts),
        scored AS NOT MATERIALIZED (
            SELECT b.member_id, b.last_order_date, b.r, b.f, b.m, 1 + width_bucket(-b.r, n.r) AS r_score,
                   5 - width_bucket(-b.f, n.f) AS f_score, 5 - width_bucket(-b.m, n.m) AS m_score
            FROM base b CROSS JOIN negated n OFFSET 0),
        averages AS MATERIALIZED (SELECT {averages}),
        written AS (
            INSERT INTO {table} (member_id, tier, score, figures)
            SELECT s.member_id, CASE WHEN s.f = 0 THEN %(no_orders)s ELSE (%(groups)s::text[])[1 + {high}] END,
                   CASE WHEN s.f > 0 THEN s.r_score + s.f_score + s.m_score END,
                   CASE WHEN s.f > 0 THEN ARRAY[s.last_order_date - DATE '1970-01-01', s.f, s.m,
                                                s.r_score, s.f_score, s.m_score]::numeric[]
                        ELSE '{{}}' END
            FROM scored s CROSS JOIN averages a)
        SELECT c.r, c.f, c.m, a.r, a.f, a.m FROM cuts c CROSS JOIN averages a"""


def figures_of(value) -> dict:
    """An RFM result's numbers by name, the last order as a date ({} for a member without orders in
    the window)."""
    named = dict(zip(FIGURES, value.figures or (), strict=False))
    if named.get("last_order") is not None:
        named["last_order"] = EPOCH + timedelta(days=int(named["last_order"]))
    return named
