"""Segments at 5,000,000 members (issue 16): count of a five-leaf condition on profile, metrics and
tiers, the portrait of that segment, and the refresh after 10,000 members' orders changed.

    python bench/segments.py                                  # 5,000,000 members, 2 orders each on average
    python bench/segments.py --members 20000 --rounds 1       # a smoke run

The data is bench/tags_data.py's at that size (`--orders-per-member`, default 2: 10M orders; built
first if missing, ~15 minutes at 5M; migrated to this checkout). Before measuring, the member metrics
and an RFM model are brought up to date for AS_OF (timed, for information). Then, medians of
`--rounds`:
1. members.conditions.compiler.count of FIVE_LEAVES (target ≤ 2 s), beside the hand-written SQL;
2. insights.segments.portrait of the same segment (target ≤ 5 s);
3. 10,000 members each get a new order (inserted set-based, as an import would), then
   refresh_member_metrics for them (target ≤ 2 s), after which the count is taken again and must
   have moved by exactly what the new orders changed (checked against the bare SQL); the orders are
   removed and the members refreshed back afterwards.
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

CHANGED = 10_000
ORDER_PREFIX = "BENCHSEG"
FIVE_LEAVES = {"all": [
    {"field": "member.gender", "op": "eq", "value": "F"},
    {"field": "member.age", "op": "between", "value": [25, 45]},
    {"field": "metrics.paid_365d", "op": "gte", "value": 300},
    {"field": "metrics.days_since_last_order", "op": "lte", "value": 180},
    {"field": "insights.tier.bench_rfm", "op": "in",
     "value": ["important_value", "important_keep", "important_develop", "general_value"]},
]}
BARE = """
    SELECT count(*) FROM members_member m
    JOIN insights_membermetrics x ON x.member_id = m.id
    JOIN insights_membervalue v ON v.member_id = m.id AND v.model_id = %(model)s
         AND v.tier IN ('important_value', 'important_keep', 'important_develop', 'general_value')
    WHERE m.status = 'active' AND m.gender = 'F'
      AND date_part('year', age('2026-12-07'::date, m.birthday)) BETWEEN 25 AND 45
      AND x.paid_365d >= 300 AND '2026-12-07'::date - x.last_order_date <= 180"""


def prepare(checks: BenchChecks) -> object:
    from insights.metrics import refresh_all_metrics
    from insights.models import ModelKind, ValueModel
    from insights.scoring.runner import run_model

    took, written = timed(refresh_all_metrics, AS_OF)
    print(f"  metrics as of {AS_OF}: {took:.0f} s ({written.changed:,} rows written)", flush=True)
    model, _ = ValueModel.objects.get_or_create(code="bench_rfm", defaults={"name": "基准RFM", "kind": ModelKind.RFM})
    took, scored = timed(run_model, model, AS_OF)
    print(f"  RFM model: {took:.0f} s ({scored.scored:,} members, {scored.upserted:,} results written)", flush=True)
    checks.expect(scored.scored > 0, "the RFM model scored the members")
    return model


def bare_count(model) -> int:
    from members.conditions.compiler import set_based_session

    with set_based_session():
        return sql(BARE, {"model": model.pk})[0][0]


def measure_count(model, rounds: int, checks: BenchChecks) -> dict:
    from members.conditions.compiler import count

    count(FIVE_LEAVES, AS_OF)  # warm
    ours, bare = [], []
    for _ in range(rounds):
        took, found = timed(count, FIVE_LEAVES, AS_OF)
        ours.append(took)
        took, expected = timed(bare_count, model)
        bare.append(took)
    checks.expect(found == expected, "the compiled count equals the hand-written SQL's", f"{found} vs {expected}")
    return {"count": found, "s": statistics.median(ours), "bare_s": statistics.median(bare)}


def measure_portrait(rounds: int) -> dict:
    from insights.segments.portrait import portrait
    from insights.segments.services import segment_members
    from members.conditions.compiler import set_based_session

    seconds = []
    for _ in range(rounds):
        with set_based_session():
            took, picture = timed(portrait, segment_members(FIVE_LEAVES, AS_OF), AS_OF)
        seconds.append(took)
    return {"s": statistics.median(seconds), "size": picture.size, "dimensions": len(picture.dimensions)}


def add_orders(ids: list[int]) -> None:
    """One paid order of ¥500 today for each member, as an import chunk would write them."""
    sql(f"""INSERT INTO members_order (channel, external_no, member_id, shop_name, status, raw_status, is_deleted,
                payable_amount, paid_amount, refunded_amount, item_count, ordered_at, paid_at, created_at, updated_at)
            SELECT 'pos', '{ORDER_PREFIX}' || id, id, '', 'completed', '', false, 500, 500, 0, 1,
                   '2026-12-07 10:00+08', '2026-12-07 10:00+08', now(), now()
            FROM unnest(%s::bigint[]) AS id""", [ids])


def remove_orders() -> None:
    sql(f"DELETE FROM members_order WHERE external_no LIKE '{ORDER_PREFIX}%%'")


def measure_changed(model, rounds: int, checks: BenchChecks) -> dict:
    from insights.metrics import refresh_member_metrics
    from members.conditions.compiler import count

    ids = [row[0] for row in sql("SELECT id FROM members_member WHERE status = 'active' AND gender = 'F' "
                                 "ORDER BY hashint8(id) LIMIT %s", [CHANGED])]
    seconds = []
    for _ in range(rounds):
        remove_orders()
        refresh_member_metrics(ids, AS_OF)
        add_orders(ids)
        took, written = timed(refresh_member_metrics, ids, AS_OF)
        seconds.append(took)
    after = count(FIVE_LEAVES, AS_OF)
    checks.expect(after == bare_count(model), "after the refresh the count follows the new orders", str(after))
    remove_orders()
    refresh_member_metrics(ids, AS_OF)
    return {"members": len(ids), "s": statistics.median(seconds), "updated": written.updated}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=5_000_000)
    parser.add_argument("--orders-per-member", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    meta = open_bench_database(args.members, orders_per_member=args.orders_per_member)
    checks = BenchChecks()
    started = time.perf_counter()
    remove_orders()
    print("0. metrics and RFM up to date", flush=True)
    model = prepare(checks)
    print("1. count of the five-leaf condition", flush=True)
    counted = measure_count(model, args.rounds, checks)
    print("2. portrait", flush=True)
    pictured = measure_portrait(args.rounds)
    print("3. refresh after 10,000 members' orders changed", flush=True)
    changed = measure_changed(model, args.rounds, checks)
    print(f"\nsummary ({time.perf_counter() - started:.0f} s, {meta['members']:,} members):")
    print(f"  count of the five-leaf condition: {counted['s']:.2f} s (target ≤ 2 s; hand-written SQL "
          f"{counted['bare_s']:.2f} s); {counted['count']:,} members")
    print(f"  portrait of that segment: {pictured['s']:.2f} s (target ≤ 5 s); {pictured['dimensions']} dimensions")
    print(f"  metrics refresh for {changed['members']:,} members with a new order: {changed['s']:.2f} s (target ≤ 2 s)")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
