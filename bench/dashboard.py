"""The 经营看板 on PostgreSQL (issue 16): the nightly aggregate refresh, then the overview page.

    python bench/dashboard.py                                 # 1,000,000 members, ~10M orders (built first if missing)
    python bench/dashboard.py --members 10000 --renders 5     # a smoke run: seconds

The data is bench/tags_data.py's (database `crm_tags_bench_<members>`, reused when built, migrated to
this checkout first), evaluated as of AS_OF = 2026-12-07. Member metrics and two value models (an RFM
and a custom model, created once) are computed first when missing — not measured here (bench/insights.py
measures the metrics). Then, in one process:
1. the aggregate refresh from empty tables (refresh_dashboard_aggregates: eight aggregates, each a
   SELECT into a temporary table and an upsert), against the bare `GROUP BY` of the daily sales alone
   (`CREATE TEMP TABLE … AS SELECT` by hand) measured in the same run; then the re-run (writes nothing);
2. the overview page rendered N times through the Django test client as an operator (运营), the whole
   view from the session to the HTML: median server time and the queries per page (targets ≤ 500 ms,
   ≤ 20 queries), at the top level and drilled to a channel and a city.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.checks import BenchChecks  # noqa: E402
from bench.insights_data import open_bench_database  # noqa: E402
from bench.tags import sql, timed  # noqa: E402
from bench.tags_data import AS_OF  # noqa: E402

TABLES = ("salesday", "newmembersday", "pointsday", "membersnapshot", "pointssnapshot", "levelsnapshot",
          "tiersnapshot", "tiermovesnapshot")
BARE_SALES = """
CREATE TEMP TABLE bench_bare_sales ON COMMIT DROP AS
SELECT (o.paid_at AT TIME ZONE 'Asia/Shanghai')::date AS day, o.channel,
       CASE WHEN o.store_id IS NULL THEN m.province ELSE s.province END AS province,
       CASE WHEN o.store_id IS NULL THEN m.city ELSE s.city END AS city, o.store_id,
       count(*) FILTER (WHERE o.paid_amount > o.refunded_amount) AS orders,
       sum(o.paid_amount - o.refunded_amount) FILTER (WHERE o.paid_amount > o.refunded_amount) AS paid,
       sum(o.refunded_amount) AS refunded
FROM members_order o JOIN members_member m ON m.id = o.member_id LEFT JOIN members_store s ON s.id = o.store_id
WHERE o.status IN ('paid', 'shipped', 'completed', 'partially_refunded') AND NOT o.is_deleted
  AND o.paid_at < '2026-12-08 00:00+08'
GROUP BY 1, 2, 3, 4, 5"""
MODELS = {
    "bench-rfm": ("RFM（基准）", "rfm", {"window_days": 365, "scoring": "quintile"}),
    "bench-value": ("价值分层（基准）", "custom", None),  # the admin's example config
}


def prepare() -> None:
    """Metrics and the two models as of AS_OF, when this database does not hold them yet."""
    from insights.metrics import refresh_all_metrics
    from insights.models import ModelRun, ValueModel
    from insights.scoring import EXAMPLES
    from insights.scoring.runner import run_model

    if not sql("SELECT 1 FROM insights_membermetrics LIMIT 1"):
        took, _ = timed(refresh_all_metrics, AS_OF)
        print(f"  (member metrics computed first: {took:.1f} s)", flush=True)
    for code, (name, kind, config) in MODELS.items():
        model, _ = ValueModel.objects.get_or_create(code=code, defaults={
            "name": name, "kind": kind, "config": config or EXAMPLES[kind]})
        if not ModelRun.objects.filter(model=model, as_of=AS_OF).exists():
            took, _ = timed(run_model, model, AS_OF)
            print(f"  (model {code} run first: {took:.1f} s)", flush=True)


def measure_refresh(checks: BenchChecks) -> dict:
    from django.db import connection, transaction

    from insights.dashboards.aggregates import refresh_dashboard_aggregates
    from members.conditions.compiler import tune_transaction_for_conditions

    def bare() -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            tune_transaction_for_conditions()  # the session settings the refresh gets
            cursor.execute(BARE_SALES)
            return cursor.rowcount

    bare()  # warm the cache for both
    sql("TRUNCATE " + ", ".join(f"insights_{table}" for table in TABLES))
    bare_s, bare_rows = timed(bare)
    ours_s, written = timed(refresh_dashboard_aggregates, AS_OF)
    again_s, again = timed(refresh_dashboard_aggregates, AS_OF)
    sales_rows = sql("SELECT count(*) FROM insights_salesday")[0][0]
    checks.expect(sales_rows == bare_rows, "the daily sales have the bare GROUP BY's rows",
                  f"{sales_rows} vs {bare_rows}")
    checks.expect(sum(again.values()) == 0, "a re-run for the same date writes nothing", f"{again}")
    print(f"  bare GROUP BY of the daily sales {bare_s:.2f} s ({bare_rows:,} rows); refresh of all eight "
          f"aggregates {ours_s:.2f} s ({ours_s / bare_s:.2f}x), {sum(written.values()):,} rows: {written}", flush=True)
    print(f"  re-run for the same date {again_s:.2f} s, 0 written", flush=True)
    return {"bare_s": bare_s, "refresh_s": ours_s, "rerun_s": again_s, "rows": written}


def measure_page(renders: int, checks: BenchChecks) -> dict:
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core.roles import OPERATOR

    user, _ = User.objects.get_or_create(username="bench-operator", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=OPERATOR))
    city = sql("SELECT city FROM insights_salesday WHERE channel = 'tmall' GROUP BY city ORDER BY sum(paid) DESC "
               "LIMIT 1")[0][0]
    views = {"top level": "", "channel": "channel=tmall",
             "channel → city": f"channel=tmall&province={_province_of(city)}&city={city}"}
    results = {}
    for name, query in views.items():
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        url = f"/insights/dashboard/?end={AS_OF.isoformat()}&{query}"
        client.get(url)  # warm: plotly, templates, the plans
        seconds, queries, statuses = [], 0, set()
        for _ in range(renders):
            with CaptureQueriesContext(connection) as captured:
                took, response = timed(client.get, url)
            statuses.add(response.status_code)
            seconds.append(took)
            queries = len(captured)
        checks.expect(statuses == {200}, f"{name}: the page answers 200", str(statuses))
        median = statistics.median(seconds)
        results[name] = (median, queries)
        print(f"  {name}: median {median * 1000:.0f} ms over {renders} renders, {queries} queries", flush=True)
        checks.expect(queries <= 20, f"{name}: at most 20 queries", str(queries))
    return results


def _province_of(city: str) -> str:
    return sql("SELECT province FROM insights_salesday WHERE city = %s LIMIT 1", [city])[0][0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--renders", type=int, default=10)
    args = parser.parse_args()
    open_bench_database(args.members)
    checks = BenchChecks()
    started = time.perf_counter()
    prepare()
    print("1. dashboard aggregates refresh", flush=True)
    refresh = measure_refresh(checks)
    print("2. the overview page", flush=True)
    page = measure_page(args.renders, checks)
    print(f"\nsummary ({time.perf_counter() - started:.0f} s):")
    print(f"  aggregates: {refresh['refresh_s']:.2f} s vs bare daily-sales GROUP BY {refresh['bare_s']:.2f} s "
          f"({refresh['refresh_s'] / refresh['bare_s']:.2f}x); re-run {refresh['rerun_s']:.2f} s writes nothing")
    for name, (median, queries) in page.items():
        print(f"  overview, {name}: {median * 1000:.0f} ms median (target ≤ 500 ms), {queries} queries (≤ 20)")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
