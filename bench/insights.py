"""Insights on PostgreSQL (issue 16): the member metrics refresh against the bare SQL aggregate.

    python bench/insights.py                              # 1,000,000 members, ~10M orders (built first if missing)
    python bench/insights.py --members 10000 --rounds 1   # a smoke run: seconds

The data is bench/tags_data.py's (database `crm_tags_bench_<members>` on DATABASE_URL's server, or the
embedded PostgreSQL without it; reused when already built, migrated to this checkout first). Evaluation
date AS_OF = 2026-12-07. In one process, each figure against a baseline measured in the same run:
1. the metrics refresh for every member into an empty table (refresh_all_metrics: one SELECT into a
   temporary table, then the upsert), against the bare aggregate of the same figures — a hand-written
   `CREATE TEMP TABLE … AS SELECT` of them, nothing more (target ≤ 2×); then the re-run for the same
   date (writes nothing) and the next day's run (rewrites the members whose windows moved), for
   information;
2. the refresh for 10,000 members whose orders changed (refresh_member_metrics), beside the bare
   aggregate limited to them;
3. count of issue 15's four-leaf condition (female, ≥ 2 orders in 90 days, level ≥ 1, ≥ 1,000 points)
   read live (`orders.count`, `loyalty.*`), with only the order leaf from the metrics, and with every
   leaf from the metrics (`metrics.orders_90d`, `metrics.level.consumer`, `metrics.points_available.points`);
4. an RFM model run (run_model: score into a temporary table, then swap in) against a bare query of
   three `ntile(5)` windows over the same metrics, written to a temporary table (target ≤ 2×); the
   first run (every result new), the re-run (nothing to write) and the next day's run on the same orders;
5. a custom model of five metrics against a bare query of the same percent ranks, weights and tiers
   into a temporary table (target ≤ 3×);
6. the CLV model (BG/NBD + Gamma-Gamma fit, predictions for every buyer, the swap; the holdout check
   timed apart), target ≤ 120 s for fit and prediction.
Checks: the service's rows equal the bare aggregate's, column by column; a re-run writes nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.checks import BenchChecks  # noqa: E402
from bench.insights_data import open_bench_database  # noqa: E402
from bench.tags import CONDITION, sql, timed  # noqa: E402
from bench.tags_data import AS_OF  # noqa: E402

CHANGED_MEMBERS = 10_000
COMPARED = ("first_order_date", "last_order_date", "orders_30d", "orders_365d", "orders_total", "paid_90d",
            "paid_total", "average_order_value", "purchase_days", "repeat_purchase_value", "purchase_interval_days", "last_gap_days", "last_points_date", "refund_rate", "channels", "store_ids",
            "points", "levels")


def bare_select(members: str = "") -> str:
    """The same figures written by hand with literals — the baseline's SQL (AS_OF 2026-12-07)."""
    scope = f"AND member_id = ANY({members})" if members else ""
    orders = (f"FROM members_order WHERE member_id IS NOT NULL {scope} AND status IN "
              "('paid','shipped','completed','partially_refunded') AND NOT is_deleted AND paid_at IS NOT NULL "
              "AND paid_at < '2026-12-08 00:00+08'")
    day = "(paid_at AT TIME ZONE 'Asia/Shanghai')::date"
    ok = "paid_amount > refunded_amount"
    since = {d: (AS_OF - timedelta(days=d)).isoformat() + " 00:00+08" for d in (30, 90, 180, 365)}
    windows = ", ".join(
        [f"count(*) FILTER (WHERE {ok} AND paid_at >= '{since[d]}') AS orders_{d}d" for d in since]
        + [f"sum(paid_amount - refunded_amount) FILTER (WHERE {ok} AND paid_at >= '{since[d]}') AS paid_{d}d"
           for d in since])
    return f"""
SELECT m.id AS member_id, o.first_order_date, o.last_order_date,
       {", ".join(f"coalesce(o.orders_{d}d, 0) AS orders_{d}d" for d in since)},
       coalesce(o.orders_total, 0) AS orders_total,
       {", ".join(f"coalesce(o.paid_{d}d, 0) AS paid_{d}d" for d in since)},
       coalesce(o.paid_total, 0) AS paid_total,
       coalesce(round(o.paid_total / nullif(o.orders_total, 0), 2), 0) AS average_order_value,
       coalesce(g.days, 0) AS purchase_days, g.repeat_value AS repeat_purchase_value,
       round(g.gap::numeric, 1) AS purchase_interval_days, g.last_gap AS last_gap_days, e.last_points_date,
       CASE WHEN o.gross > 0 THEN least(round(o.refunded / o.gross, 4), 1) END AS refund_rate,
       coalesce(o.channels, '{{}}') AS channels, coalesce(o.store_ids, '{{}}') AS store_ids,
       coalesce(p.points, '{{}}') AS points, coalesce(l.levels, '{{}}') AS levels
FROM members_member m
LEFT JOIN (SELECT member_id, min({day}) FILTER (WHERE {ok}) AS first_order_date,
                  max({day}) FILTER (WHERE {ok}) AS last_order_date, {windows},
                  count(*) FILTER (WHERE {ok}) AS orders_total,
                  sum(paid_amount - refunded_amount) FILTER (WHERE {ok}) AS paid_total,
                  sum(paid_amount) AS gross, sum(refunded_amount) AS refunded,
                  array_agg(DISTINCT channel ORDER BY channel) FILTER (WHERE {ok}) AS channels,
                  array_agg(DISTINCT store_id ORDER BY store_id) FILTER (WHERE {ok} AND store_id IS NOT NULL) AS store_ids
           {orders} GROUP BY member_id) o ON o.member_id = m.id
LEFT JOIN (SELECT member_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS gap,
                  (array_agg(gap ORDER BY day DESC))[1] AS last_gap, count(*) AS days,
                  CASE WHEN count(*) > 1 THEN round((sum(amount) - (array_agg(amount ORDER BY day))[1])
                                                    / (count(*) - 1), 2) END AS repeat_value
           FROM (SELECT member_id, day, amount, day - lag(day) OVER (PARTITION BY member_id ORDER BY day) AS gap
                 FROM (SELECT member_id, {day} AS day, sum(paid_amount - refunded_amount) AS amount
                       {orders} AND {ok} GROUP BY member_id, {day}) d) x
           GROUP BY member_id) g ON g.member_id = m.id
LEFT JOIN (SELECT member_id, jsonb_object_agg(code, jsonb_build_object('available', a, 'pending', p, 'lifetime', l)) AS points
           FROM (SELECT a.member_id, t.code, sum(available) a, sum(pending) p, sum(lifetime_earned) l
                 FROM loyalty_pointsaccount a JOIN loyalty_pointsaccounttype t ON t.id = a.account_type_id
                 WHERE a.status = 'active' {scope.replace("member_id", "a.member_id")}
                 GROUP BY a.member_id, t.code) s GROUP BY member_id) p ON p.member_id = m.id
LEFT JOIN (SELECT a.member_id, max((e.occurred_at AT TIME ZONE 'Asia/Shanghai')::date) AS last_points_date
           FROM loyalty_ledgerentry e JOIN loyalty_pointsaccount a ON a.id = e.account_id
           WHERE e.kind IN ('earn', 'redeem') AND e.occurred_at < '2026-12-08 00:00+08'
                 {scope.replace("member_id", "a.member_id")}
           GROUP BY a.member_id) e ON e.member_id = m.id
LEFT JOIN (SELECT ml.member_id, jsonb_object_agg(s.code, l.rank) AS levels FROM loyalty_memberlevel ml
           JOIN loyalty_levelscheme s ON s.id = ml.scheme_id JOIN loyalty_level l ON l.id = ml.level_id
           WHERE true {scope.replace("member_id", "ml.member_id")} GROUP BY ml.member_id) l ON l.member_id = m.id
WHERE m.status = 'active' {scope.replace("member_id", "m.id")}"""


def bare(member_ids: list[int] | None = None) -> int:
    """The baseline: the figures into a temporary table, with the session settings the service gets."""
    from django.db import connection, transaction

    from members.conditions.compiler import tune_transaction_for_conditions

    with transaction.atomic(), connection.cursor() as cursor:
        tune_transaction_for_conditions()
        cursor.execute("DROP TABLE IF EXISTS bench_bare_metrics")
        query = bare_select("%(ids)s::bigint[]" if member_ids is not None else "")
        cursor.execute(f"CREATE TEMP TABLE bench_bare_metrics AS {query}", {"ids": member_ids})
        rows = cursor.rowcount
        differing = _differing(cursor, member_ids)
    return rows, differing


def _differing(cursor, member_ids) -> int:
    """Rows of the bare table whose compared figures differ from the metrics table (0 when it is current)."""
    columns = ", ".join(COMPARED)
    cursor.execute(f"SELECT count(*) FROM (SELECT member_id, {columns} FROM bench_bare_metrics "
                   f"EXCEPT SELECT member_id, {columns} FROM insights_membermetrics) d")
    return cursor.fetchone()[0]


def empty_metrics() -> None:
    sql("TRUNCATE insights_membermetrics")


def measure_full(rounds: int, checks: BenchChecks) -> dict:
    from insights.metrics import refresh_all_metrics

    bare()  # warm the cache for both
    runs = []
    for _ in range(rounds):
        empty_metrics()
        base_s, _ = timed(bare)
        ours_s, written = timed(refresh_all_metrics, AS_OF)
        runs.append((base_s, ours_s))
        print(f"  full refresh: bare {base_s:.1f} s, service {ours_s:.1f} s ({ours_s / base_s:.2f}x), "
              f"{written.inserted:,} rows", flush=True)
    _, differing = bare()
    checks.expect(differing == 0, "the service's rows equal the bare aggregate's", f"{differing} differ")
    again_s, again = timed(refresh_all_metrics, AS_OF)
    checks.expect(again.changed == 0, "a re-run for the same date writes nothing", f"{again.changed} written")
    next_s, next_day = timed(refresh_all_metrics, AS_OF + timedelta(days=1))
    back_s, back = timed(refresh_all_metrics, AS_OF)
    print(f"  re-run same date {again_s:.1f} s (0 written); next day {next_s:.1f} s "
          f"({next_day.updated:,} rows rewritten); back to AS_OF {back_s:.1f} s", flush=True)
    base = statistics.median(r[0] for r in runs)
    ours = statistics.median(r[1] for r in runs)
    return {"bare_s": base, "service_s": ours, "ratio": statistics.median(r[1] / r[0] for r in runs),
            "rows": written.inserted, "rerun_s": again_s, "next_day_s": next_s, "next_day_rows": next_day.updated}


def measure_changed(rounds: int, checks: BenchChecks) -> dict:
    from insights.metrics import refresh_member_metrics

    ids = [row[0] for row in sql(
        "SELECT id FROM members_member WHERE status = 'active' ORDER BY hashint8(id) LIMIT %s", [CHANGED_MEMBERS])]
    runs = []
    for _ in range(rounds):
        base_s, (rows, _) = timed(bare, ids)
        ours_s, written = timed(refresh_member_metrics, ids, AS_OF)
        runs.append((base_s, ours_s))
    checks.expect(rows == len(ids), "the bare aggregate covers every changed member", f"{rows} rows")
    base = statistics.median(r[0] for r in runs)
    ours = statistics.median(r[1] for r in runs)
    print(f"  {len(ids):,} members: bare {base:.2f} s, service {ours:.2f} s", flush=True)
    return {"members": len(ids), "bare_s": base, "service_s": ours}


METRIC_LEAVES = {"orders.count": {"field": "metrics.orders_90d", "op": "gte", "value": 2},
                 "loyalty.level.consumer": {"field": "metrics.level.consumer", "op": "gte", "value": 1},
                 "loyalty.points_available.points": {"field": "metrics.points_available.points", "op": "gte",
                                                     "value": 1000}}


def measure_count(rounds: int) -> dict:
    from members.conditions.compiler import count

    orders_only = {"all": [METRIC_LEAVES["orders.count"] if leaf["field"] == "orders.count" else leaf
                           for leaf in CONDITION["all"]]}
    all_metrics = {"all": [METRIC_LEAVES.get(leaf["field"], leaf) for leaf in CONDITION["all"]]}
    result = {}
    for name, condition in (("live fields", CONDITION), ("metrics.orders_90d", orders_only),
                            ("metrics for every aggregate", all_metrics)):
        count(condition, AS_OF)  # warm
        seconds = []
        for _ in range(rounds):
            took, found = timed(count, condition, AS_OF)
            seconds.append(took)
        result[name] = {"count": found, "s": statistics.median(seconds)}
        print(f"  count with {name}: {found:,} members in {statistics.median(seconds):.2f} s", flush=True)
    return result


RFM_BARE = """
    CREATE TEMP TABLE bench_bare_rfm AS
    SELECT member_id, ntile(5) OVER (ORDER BY r DESC) AS r_score, ntile(5) OVER (ORDER BY f) AS f_score,
           ntile(5) OVER (ORDER BY m) AS m_score
    FROM (SELECT m.id AS member_id, ('2026-12-07'::date - x.last_order_date) AS r, x.orders_365d AS f, x.paid_365d AS m
          FROM members_member m JOIN insights_membermetrics x ON x.member_id = m.id
          WHERE m.status = 'active' AND x.orders_365d > 0) s"""
CUSTOM_METRICS = [("metrics.paid_365d", "higher"), ("metrics.orders_365d", "higher"),
                  ("metrics.average_order_value", "higher"), ("metrics.days_since_last_order", "lower"),
                  ("metrics.orders_total", "higher")]
CUSTOM_CONFIG = {"metrics": [{"field": key, "direction": direction, "normalisation": "percentile", "weight": 1}
                             for key, direction in CUSTOM_METRICS], "tiering": "top_percent",
                 "tiers": [{"code": "high", "name": "高价值", "percent": 10}, {"code": "mid", "name": "中价值", "percent": 30},
                           {"code": "low", "name": "低价值", "percent": 40}, {"code": "abandon", "name": "放弃"}]}
CUSTOM_BARE = """
    CREATE TEMP TABLE bench_bare_custom AS
    SELECT member_id, score, CASE WHEN share <= 10 THEN 'high' WHEN share <= 40 THEN 'mid' WHEN share <= 80 THEN 'low'
                                  ELSE 'abandon' END AS tier
    FROM (SELECT member_id, score, 100 * cume_dist() OVER (ORDER BY score DESC) AS share
          FROM (SELECT member_id, 20 * (percent_rank() OVER (ORDER BY a) + percent_rank() OVER (ORDER BY b)
                       + percent_rank() OVER (ORDER BY c) + (1 - percent_rank() OVER (ORDER BY d))
                       + percent_rank() OVER (ORDER BY e)) AS score
                FROM (SELECT m.id AS member_id, coalesce(x.paid_365d, 0) a, coalesce(x.orders_365d, 0) b,
                             coalesce(x.average_order_value, 0) c, '2026-12-07'::date - x.last_order_date d,
                             coalesce(x.orders_total, 0) e
                      FROM members_member m LEFT JOIN insights_membermetrics x ON x.member_id = m.id
                      WHERE m.status = 'active') v) s) t"""


def bare_statement(statement: str, table: str) -> None:
    from django.db import connection, transaction

    from members.conditions.compiler import tune_transaction_for_conditions

    with transaction.atomic(), connection.cursor() as cursor:
        tune_transaction_for_conditions()
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(statement)


def bench_model(code: str, kind: str, config: dict):
    from insights.models import ValueModel

    ValueModel.objects.filter(code=code).delete()
    return ValueModel.objects.create(code=code, name=code, kind=kind, config=config)


def measure_model(name: str, model_args: tuple, bare_sql: str, bare_table: str, rounds: int, checks) -> dict:
    from insights.scoring.runner import run_model

    runs = []
    for _ in range(rounds):
        model = bench_model(*model_args)  # a new model: every result is written
        base_s, _ = timed(bare_statement, bare_sql, bare_table)
        ours_s, written = timed(run_model, model, AS_OF)
        runs.append((base_s, ours_s))
        print(f"  {name}: bare {base_s:.1f} s, run_model {ours_s:.1f} s ({ours_s / base_s:.2f}x): scoring "
              f"{written.seconds['score']:.1f} s ({written.seconds['score'] / base_s:.2f}x), writing "
              f"{written.upserted:,} results and the tier history {written.seconds['write']:.1f} s", flush=True)
        runs[-1] += (written.seconds["score"],)
    again_s, again = timed(run_model, model, AS_OF)
    checks.expect(again.changed == 0, f"a re-run of the {name} writes nothing", f"{again.changed} written")
    # the next night on the same orders: everyone's last order is a day older, nothing else changed
    next_s, next_day = timed(run_model, model, AS_OF + timedelta(days=1))
    print(f"  {name}, next day: {next_s:.1f} s, {next_day.upserted:,} results rewritten, "
          f"{next_day.changes:,} tier changes", flush=True)
    return {"bare_s": statistics.median(r[0] for r in runs), "service_s": statistics.median(r[1] for r in runs),
            "ratio": statistics.median(r[1] / r[0] for r in runs), "rerun_s": again_s, "members": written.scored,
            "score_ratio": statistics.median(r[2] / r[0] for r in runs), "rerun_score_s": again.seconds["score"],
            "next_day_s": next_s, "next_day_rows": next_day.upserted}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", default="1,2,3,4,5,6", help="which steps to run, e.g. 4,5,6 (the metrics must be current)")
    args = parser.parse_args()
    steps = {int(step) for step in args.steps.split(",")}
    open_bench_database(args.members)
    checks = BenchChecks()
    started = time.perf_counter()
    lines = []
    if 1 in steps:
        print("1. metrics refresh, every member", flush=True)
        full = measure_full(args.rounds, checks)
        lines.append(f"metrics refresh, all {full['rows']:,} members: {full['service_s']:.1f} s vs bare "
                     f"{full['bare_s']:.1f} s = {full['ratio']:.2f}x (target ≤ 2x); re-run {full['rerun_s']:.1f} s "
                     f"writes nothing; next day {full['next_day_s']:.1f} s rewrites {full['next_day_rows']:,}")
    if 2 in steps:
        print("2. metrics refresh, changed members", flush=True)
        changed = measure_changed(args.rounds, checks)
        lines.append(f"refresh of {changed['members']:,} changed members: {changed['service_s']:.2f} s "
                     f"(bare {changed['bare_s']:.2f} s)")
    if 3 in steps:
        print("3. count of the four-leaf condition", flush=True)
        for name, figures in measure_count(args.rounds).items():
            lines.append(f"count with {name}: {figures['s']:.2f} s ({figures['count']:,} members)")
    models = []
    if 4 in steps:
        print("4. RFM", flush=True)
        models.append(("RFM", measure_model("RFM model", ("bench_rfm", "rfm", {}), RFM_BARE, "bench_bare_rfm",
                                            args.rounds, checks), 2))
    if 5 in steps:
        print("5. custom model of five metrics", flush=True)
        models.append(("custom model of 5 metrics", measure_model(
            "custom model", ("bench_custom", "custom", CUSTOM_CONFIG), CUSTOM_BARE, "bench_bare_custom", args.rounds,
            checks), 3))
    for name, figures, target in models:
        lines.append(f"{name} for {figures['members']:,} members: scoring {figures['score_ratio']:.2f}x the bare "
                     f"query (target ≤ {target}x); the whole first run {figures['service_s']:.1f} s vs bare "
                     f"{figures['bare_s']:.1f} s = {figures['ratio']:.2f}x; re-run {figures['rerun_s']:.1f} s "
                     f"(scoring {figures['rerun_score_s']:.1f} s), writes nothing; next day {figures['next_day_s']:.1f} s "
                     f"rewrites {figures['next_day_rows']:,} results")
    if 6 in steps:
        print("6. CLV", flush=True)
        clv = measure_clv(checks)
        lines.append(f"CLV for {clv['buyers']:,} buyers: fit {clv['fit_s']:.1f} s + predict {clv['predict_s']:.1f} s; "
                     f"whole run {clv['run_s']:.1f} s (target ≤ 120 s for fit + prediction); holdout check "
                     f"{clv['holdout_s']:.1f} s")
    print(f"\nsummary ({time.perf_counter() - started:.0f} s):")
    for line in lines:
        print(f"  {line}")
    return checks.exit_code()


def measure_clv(checks) -> dict:
    from insights.scoring.clv import holdout_check
    from insights.scoring.runner import run_model

    model = bench_model("bench_clv", "clv", {"holdout_days": 0})
    run_s, written = timed(run_model, model, AS_OF)
    summary = model.runs.get(as_of=AS_OF).summary
    holdout_s, holdout = timed(holdout_check, AS_OF, 180)
    checks.expect(written.scored > 0 and "error" not in holdout, "the CLV model scored members and checked a holdout",
                  f"{written.scored} scored; holdout {holdout.get('actual_total')} actual vs "
                  f"{holdout.get('predicted_total')} predicted")
    return {"buyers": summary["buyers"], "fit_s": summary["seconds"]["fit"], "predict_s": summary["seconds"]["predict"],
            "run_s": run_s, "holdout_s": holdout_s}


if __name__ == "__main__":
    sys.exit(main())
