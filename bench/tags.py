"""Tags on PostgreSQL (issue 15): dynamic and variable tag recomputes, count and explain, against bare SQL.

    python bench/tags.py                                   # 1,000,000 members (data built first if missing)
    python bench/tags.py --members 10000 --rounds 1        # a smoke run: seconds
    python bench/tags.py --explain                         # also print EXPLAIN ANALYZE of both dynamic queries
    python bench/tags.py --dynamic-only                    # steps 1-3 only

The data is bench/tags_data.py's (database `crm_tags_bench_<members>` on DATABASE_URL's server, or the
embedded PostgreSQL without it; reused when already built). Evaluation date AS_OF = 2026-12-07. Each
run first removes what an earlier run left (the `bench_` tags with their memberships and history, the
orders it added), then, in one process, with each figure against a baseline measured in the same run:
1. the four-leaf dynamic tag (female, ≥ 2 orders in the last 90 days, 会员等级 ≥ 银卡, ≥ 1,000 积分
   available) recomputed for all members with tagging.services.refresh.refresh_tag: the first run (no
   memberships yet: a new tag each round) and the steady-state re-run (nothing to write), against a
   hand-written SELECT of the same member ids (the baseline is timed right before them, each round);
2. the same tag refreshed for 10,000 members who each just got a new order (`member_ids=`), target ≤ 1 s;
   the bare SELECT restricted to those members is printed beside it;
3. members.conditions.compiler.count of the condition (≤ 1 s) and explain() for 20 members (≤ 50 ms);
   then, for information, count of OTHER_SHAPES (`any`, `not`, a leaf met by members without orders);
4. every shipped variable tag extractor's desired rows over the whole data (materialised, as the
   refresh does) against a bare GROUP BY computing the same values (≤ 3×), and refresh_tag of each
   variable tag (first run and re-run) for information;
5. the peak memory (ru_maxrss) of a child process that recomputes the dynamic tag and then every
   bench tag (dynamic and variable) from scratch: target ≤ 1 GB.
Timings are medians over `--rounds` (default 3; `--variable-rounds` for step 4, which takes longest). The bench's own checks (the service and the bare
SQL select the same members; a re-run writes nothing; explain agrees with the set) are printed as
they are made; a failed one makes the bench exit with status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.checks import BenchChecks  # noqa: E402
from bench.databases import server_url  # noqa: E402
from bench.tags_data import AS_OF, ensure  # noqa: E402

PREFIX = "bench_"
CHANGED_MEMBERS = 10_000
CHANGED_ORDER_PREFIX = "BENCHCHG"
POINTS_AT_LEAST = 1000
CONDITION = {"all": [
    {"field": "member.gender", "op": "eq", "value": "F"},
    {"field": "orders.count", "op": "gte", "value": 2, "window": {"last_days": 90}},
    {"field": "loyalty.level.consumer", "op": "gte", "value": 1},
    {"field": "loyalty.points_available.points", "op": "gte", "value": POINTS_AT_LEAST},
]}
# Other shapes, timed once each for information: a leaf under `any` / `not`, and one met by members
# without rows (NOT IN), are hashed subplans — without set_based_session's work_mem they ran for minutes.
OTHER_SHAPES = {
    "win-back (no order in 180 days, ≥ 3 in all)": {"all": [
        {"field": "orders.count", "op": "lt", "value": 1, "window": {"last_days": 180}},
        {"field": "orders.count", "op": "gte", "value": 3}]},
    "any of (spend ≥ ¥5,000 in 365 days, level ≥ 3, not (points < 2,000))": {"any": [
        {"field": "orders.paid_amount", "op": "gte", "value": 5000, "window": {"last_days": 365}},
        {"field": "loyalty.level.consumer", "op": "gte", "value": 3},
        {"not": {"field": "loyalty.points_available.points", "op": "lt", "value": 2000}}]},
    "points expiring within 30 days > 0": {"field": "loyalty.points_expiring.points.30", "op": "gt", "value": 0},
}
PAID_STATUSES = ("paid", "shipped", "completed", "partially_refunded")
# The condition's order window: the last 90 days through AS_OF, as Shanghai midnights [from, to).
WINDOW_FROM, WINDOW_TO = "2026-09-08 00:00+08", "2026-12-08 00:00+08"

# The hand-written baseline: the same member ids, one aggregate per table, joined.
BARE_DYNAMIC = f"""
    SELECT m.id FROM members_member m
    JOIN (SELECT member_id FROM members_order
          WHERE status IN {PAID_STATUSES} AND NOT is_deleted AND paid_at IS NOT NULL
            AND paid_amount > refunded_amount AND paid_at >= '{WINDOW_FROM}' AND paid_at < '{WINDOW_TO}'
          GROUP BY member_id HAVING count(*) >= 2) o ON o.member_id = m.id
    JOIN loyalty_memberlevel ml ON ml.member_id = m.id
         AND ml.scheme_id = (SELECT id FROM loyalty_levelscheme WHERE code = 'consumer')
    JOIN loyalty_level l ON l.id = ml.level_id AND l.rank >= 1
    JOIN (SELECT member_id FROM loyalty_pointsaccount
          WHERE account_type_id = (SELECT id FROM loyalty_pointsaccounttype WHERE code = 'points')
            AND status = 'active'
          GROUP BY member_id HAVING sum(available) >= {POINTS_AT_LEAST}) p ON p.member_id = m.id
    WHERE m.status = 'active' AND m.gender = 'F' {{scope}}
"""


def setup_django(db_url: str) -> None:
    os.environ.update(DATABASE_URL=db_url, DJANGO_SETTINGS_MODULE="config.settings.local", DJANGO_DEBUG="0",
                      DJANGO_LOG_LEVEL="WARNING")
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()


def sql(query: str, params=None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def median(values) -> float:
    return statistics.median(values)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# ---------------------------------------------------------------- bench state


def reset() -> None:
    """Remove what earlier runs left: the bench tags (with memberships, history, runs) and added orders."""
    tags = f"SELECT id FROM tagging_tag WHERE code LIKE '{PREFIX}%%'"
    for statement in (
        f"DELETE FROM tagging_tagchange WHERE tag_id IN ({tags})",
        f"DELETE FROM tagging_tagmembership WHERE tag_id IN ({tags})",
        f"DELETE FROM tagging_tagrefreshrun WHERE tag_id IN ({tags})",
        f"DELETE FROM tagging_tag WHERE id IN ({tags})",
        f"DELETE FROM members_orderline WHERE order_id IN "
        f"(SELECT id FROM members_order WHERE external_no LIKE '{CHANGED_ORDER_PREFIX}%%')",
        f"DELETE FROM members_order WHERE external_no LIKE '{CHANGED_ORDER_PREFIX}%%'",
    ):
        sql(statement)


def category():
    from tagging.models import TagCategory

    return TagCategory.objects.get_or_create(code=f"{PREFIX}cat", defaults={"name": "基准测试"})[0]


def dynamic_tag(code: str):
    from tagging.models import Tag, TagKind

    tag = Tag(code=f"{PREFIX}{code}", name=f"基准{code}", category=category(), kind=TagKind.DYNAMIC,
              condition=CONDITION)
    tag.full_clean()
    tag.save()
    return tag


def drop_tag(tag) -> None:
    for table in ("tagging_tagchange", "tagging_tagmembership", "tagging_tagrefreshrun"):
        sql(f"DELETE FROM {table} WHERE tag_id = %s", [tag.pk])
    tag.delete()


def holders(tag) -> set[int]:
    return {row[0] for row in sql("SELECT member_id FROM tagging_tagmembership WHERE tag_id = %s", [tag.pk])}


def bare_dynamic(member_ids: list[int] | None = None) -> list[int]:
    """The baseline, with the same session settings (work_mem, JIT) the compiled conditions get."""
    from members.conditions.compiler import set_based_session

    with set_based_session():
        if member_ids is None:
            return [row[0] for row in sql(BARE_DYNAMIC.format(scope=""))]
        return [row[0] for row in sql(BARE_DYNAMIC.format(scope="AND m.id = ANY(%s)"), [member_ids])]


def explain_analyze(query: str, params=None, lines: int = 40) -> str:
    from members.conditions.compiler import set_based_session

    with set_based_session():
        plan = [row[0] for row in sql(f"EXPLAIN (ANALYZE, BUFFERS) {query}", params)]
    return "\n".join(("    " + line) for line in plan[:lines]) + ("\n    …" if len(plan) > lines else "")


# ---------------------------------------------------------------- 1. dynamic tag, all members


def measure_dynamic(rounds: int, checks: BenchChecks, show_plans: bool) -> dict:
    from tagging.services.refresh import refresh_tag

    bare_dynamic()  # warm the cache for both contestants
    runs = []
    tag = None
    for number in range(1, rounds + 1):
        if tag is not None:
            drop_tag(tag)
        base_s, ids = timed(bare_dynamic)
        tag = dynamic_tag(f"dyn{number}")
        first_s, first = timed(refresh_tag, tag, as_of=AS_OF)
        steady_s, steady = timed(refresh_tag, tag, as_of=AS_OF)
        print(f"  round {number}: bare SELECT {len(ids):,} ids {base_s:.2f} s | refresh_tag first run "
              f"{first_s:.2f} s (+{first.added:,}) | re-run {steady_s:.2f} s (+{steady.added:,} −{steady.removed:,}) "
              f"| ratios {first_s / base_s:.2f}x, {steady_s / base_s:.2f}x", flush=True)
        checks.expect(holders(tag) == set(ids) and first.added == len(ids),
                      f"round {number}: refresh_tag put the tag on exactly the members the bare SQL selects",
                      f"bare {len(ids):,}, added {first.added:,}, holders {len(holders(tag)):,}")
        checks.expect(steady.added == 0 and steady.removed == 0, f"round {number}: the re-run wrote nothing",
                      f"+{steady.added} −{steady.removed}")
        runs.append({"base": base_s, "first": first_s, "steady": steady_s, "selected": len(ids)})
    result = {"tag": tag, "rounds": runs, "selected": runs[-1]["selected"],
              "base": median(r["base"] for r in runs), "first": median(r["first"] for r in runs),
              "steady": median(r["steady"] for r in runs),
              "first_ratio": median(r["first"] / r["base"] for r in runs),
              "steady_ratio": median(r["steady"] / r["base"] for r in runs)}
    if show_plans or result["steady_ratio"] > 2:
        from members.conditions.compiler import matching_members

        query, params = matching_members(CONDITION, AS_OF).values("pk").query.sql_with_params()
        print("  EXPLAIN ANALYZE of the compiled condition (what the refresh selects):")
        print(explain_analyze(query, params))
        print("  EXPLAIN ANALYZE of the bare SELECT:")
        print(explain_analyze(BARE_DYNAMIC.format(scope="")))
    return result


# ---------------------------------------------------------------- 2. 10,000 members whose orders changed


def add_orders(number: int, members: int) -> list[int]:
    """One new paid order (with a line) yesterday for `members` active members picked by a hash of the round."""
    ids = [row[0] for row in sql(
        "SELECT id FROM members_member WHERE status = 'active' ORDER BY hashint8(id * 7 + %s) LIMIT %s",
        [number, members])]
    sql(f"""
        WITH o AS (
            INSERT INTO members_order (channel, external_no, member_id, store_id, shop_name, status, raw_status,
                is_deleted, payable_amount, paid_amount, refunded_amount, item_count, ordered_at, paid_at,
                completed_at, created_at, updated_at)
            SELECT 'mall', '{CHANGED_ORDER_PREFIX}' || %s || '-' || m, m, NULL, '品牌官方商城', 'completed', '', false,
                   399, 399, 0, 1, timestamptz '2026-12-06 12:00+08', timestamptz '2026-12-06 12:01+08',
                   timestamptz '2026-12-06 20:00+08', now(), now()
            FROM unnest(%s::bigint[]) m
            RETURNING id)
        INSERT INTO members_orderline (order_id, line_no, sku, title, category, quantity, price)
        SELECT id, 1, 'SK00000', '焕颜精华液', '护肤', 1, 399 FROM o""", [number, ids])
    return ids


def measure_changed(tag, rounds: int, members: int, checks: BenchChecks) -> dict:
    from tagging.services.refresh import refresh_tag

    runs = []
    for number in range(1, rounds + 1):
        ids = add_orders(number, members)
        before = holders(tag) & set(ids)
        refresh_s, result = timed(refresh_tag, tag, as_of=AS_OF, member_ids=ids)
        base_s, expected = timed(bare_dynamic, ids)
        after = holders(tag) & set(ids)
        print(f"  round {number}: refresh_tag(member_ids=[{len(ids):,}]) {refresh_s:.3f} s (+{result.added:,} "
              f"−{result.removed:,}; {len(before):,} → {len(after):,} of them hold it) | bare SELECT of those "
              f"members {base_s:.3f} s", flush=True)
        checks.expect(after == set(expected), f"round {number}: the partial refresh agrees with the bare SQL",
                      f"holders {len(after):,}, bare {len(expected):,}")
        checks.expect(result.added == len(after - before) and result.removed == len(before - after),
                      f"round {number}: the partial refresh reported what changed",
                      f"+{result.added} −{result.removed}")
        runs.append({"refresh": refresh_s, "base": base_s, "added": result.added})
    return {"refresh": median(r["refresh"] for r in runs), "base": median(r["base"] for r in runs),
            "members": members, "added": [r["added"] for r in runs]}


# ---------------------------------------------------------------- 3. count and explain


def measure_previews(rounds: int, checks: BenchChecks) -> dict:
    from members.conditions import compiler
    from members.conditions.explain import explain
    from members.models import Member

    expected = len(bare_dynamic())  # after the orders added above
    counts = [timed(compiler.count, CONDITION, AS_OF) for _ in range(max(rounds, 3))]
    checks.expect(all(n == expected for _, n in counts), "count() equals the bare SQL's number",
                  f"count {counts[0][1]:,}, bare {expected:,}")
    matching = set(bare_dynamic())
    picked = [row[0] for row in sql("SELECT id FROM members_member WHERE status = 'active' "
                                    "ORDER BY hashint8(id) LIMIT 10")] + sorted(matching)[:10]
    members = list(Member.objects.filter(pk__in=picked))
    explain(CONDITION, members[0], AS_OF)  # warm
    times, agree = [], True
    for member in members:
        seconds, explanation = timed(explain, CONDITION, member, AS_OF)
        times.append(seconds)
        agree &= explanation.matches == (member.pk in matching)
    checks.expect(agree, f"explain() agrees with the set for {len(members)} members")
    for name, shape in OTHER_SHAPES.items():
        seconds, found = timed(compiler.count, shape, AS_OF)
        print(f"  count of {name}: {found:,} members in {seconds:.2f} s", flush=True)
    return {"count": median(s for s, _ in counts), "count_best": min(s for s, _ in counts),
            "explain": median(times), "explain_max": max(times), "explained": len(members)}


# ---------------------------------------------------------------- 4. variable tags

# The extractors' counted orders (paid, not deleted, not wholly refunded, of active members) in their
# default window, the last 365 days through AS_OF: [2025-12-07, 2026-12-08) Shanghai midnights.
COUNTED = f"""counted AS (
    SELECT o.id, o.member_id, o.paid_amount - o.refunded_amount AS net, o.paid_at, o.channel, o.store_id
    FROM members_order o JOIN members_member m ON m.id = o.member_id
    WHERE m.status = 'active' AND o.status IN {PAID_STATUSES} AND NOT o.is_deleted
      AND o.paid_at >= '2025-12-07 00:00+08' AND o.paid_at < '2026-12-08 00:00+08'
      AND o.paid_amount > o.refunded_amount)"""


def _top_by_spend(column: str) -> str:
    # net shared out over an order's lines by gross; keys ranked by spend to the fen, then key
    return f"""WITH {COUNTED}
    SELECT DISTINCT ON (member_id) member_id, key FROM (
        SELECT member_id, key, round(sum(amount), 2) AS spend FROM (
            SELECT c.member_id, l.{column} AS key,
                   c.net * l.price * l.quantity / sum(l.price * l.quantity) OVER (PARTITION BY c.id) AS amount
            FROM counted c JOIN members_orderline l ON l.order_id = c.id) a
        WHERE key <> '' GROUP BY member_id, key) s
    WHERE spend > 0
    ORDER BY member_id, spend DESC, key COLLATE "C\""""


def _top_by_orders(key: str, label: str, join: str, code: str) -> str:
    return f"""WITH {COUNTED}
    SELECT DISTINCT ON (k.member_id) k.member_id, {label} FROM (
        SELECT member_id, {key} AS key, count(*) AS n, sum(net) AS amount
        FROM counted WHERE {key} IS NOT NULL GROUP BY member_id, {key}) k {join}
    ORDER BY k.member_id, k.n DESC, k.amount DESC, {code} COLLATE "C\""""


CHANNEL_LABEL = ("CASE k.key WHEN 'tmall' THEN '天猫' WHEN 'jd' THEN '京东' WHEN 'wechat_mp' THEN '微信小程序' "
                 "WHEN 'pos' THEN '门店POS' WHEN 'mall' THEN '品牌商城' WHEN 'api' THEN '接口' "
                 "WHEN 'manual' THEN '手工录入' ELSE k.key END")
# Bare GROUP BY queries of (member_id, value), written by hand for each shipped extractor with its
# default parameters (365 days, top 1, the default bands) and a tag's default minimum of 1 order.
BARE_VARIABLE = {
    "favourite_category": _top_by_spend("category"),
    "favourite_sku": _top_by_spend("sku"),
    "frequent_store": _top_by_orders("store_id", "coalesce(nullif(s.name, ''), s.code)",
                                     "JOIN members_store s ON s.id = k.key", "s.code"),
    "preferred_channel": _top_by_orders("channel", CHANNEL_LABEL, "", "k.key"),
    "price_band": f"""WITH {COUNTED}
    SELECT member_id, CASE WHEN avg_price < 100 THEN '¥0–100' WHEN avg_price < 300 THEN '¥100–300'
                           WHEN avg_price < 500 THEN '¥300–500' WHEN avg_price < 1000 THEN '¥500–1000'
                           ELSE '¥1000以上' END
    FROM (SELECT c.member_id, round(sum(l.price * l.quantity) / sum(l.quantity), 2) AS avg_price
          FROM counted c JOIN members_orderline l ON l.order_id = c.id
          WHERE l.quantity > 0 GROUP BY c.member_id) u""",
    "purchase_cycle": f"""WITH {COUNTED}
    SELECT member_id, CASE WHEN median < 7 THEN '0–7天' WHEN median < 15 THEN '7–15天' WHEN median < 30 THEN '15–30天'
                           WHEN median < 60 THEN '30–60天' WHEN median < 90 THEN '60–90天'
                           WHEN median < 180 THEN '90–180天' ELSE '180天以上' END
    FROM (SELECT member_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS median
          FROM (SELECT member_id, (paid_at AT TIME ZONE 'Asia/Shanghai')::date
                       - lag((paid_at AT TIME ZONE 'Asia/Shanghai')::date) OVER (PARTITION BY member_id ORDER BY paid_at, id) AS gap
                FROM counted) g
          GROUP BY member_id HAVING count(*) >= 2) c""",
    "last_product": f"""WITH {COUNTED}
    SELECT DISTINCT ON (c.member_id) c.member_id, left(l.title, 64)
    FROM counted c JOIN members_orderline l ON l.order_id = c.id
    WHERE l.title <> ''
    ORDER BY c.member_id, c.paid_at DESC, c.id DESC, l.price * l.quantity DESC, l.line_no""",
}


def variable_tags() -> list:
    """A bench variable tag per shipped extractor, default parameters."""
    from tagging.extractors import extractors
    from tagging.models import Tag, TagKind

    tags = []
    for extractor in extractors.all():
        tag = Tag(code=f"{PREFIX}v_{extractor.code}"[:32], name=f"基准{extractor.label}"[:32], category=category(),
                  kind=TagKind.VARIABLE, extractor=extractor.code, params={})
        tag.full_clean()
        tag.save()
        tags.append(tag)
    return tags


def materialise(table: str, query: str, params=None) -> float:
    """CREATE TEMP TABLE … AS the query: every row produced, as the refresh's temp table is filled."""
    sql(f"DROP TABLE IF EXISTS {table}")
    seconds, _ = timed(sql, f"CREATE TEMP TABLE {table} AS {query}", params)
    return seconds


def measure_variable(tags: list, rounds: int, checks: BenchChecks) -> list[dict]:
    from tagging.extractors import extractors

    results = []
    for tag in tags:
        ours_sql, ours_params = extractors.get(tag.extractor).desired_sql(tag, AS_OF, None)
        bare = BARE_VARIABLE.get(tag.extractor)
        if bare is None:
            checks.expect(False, f"a bare GROUP BY baseline exists for the extractor `{tag.extractor}`")
            continue
        materialise("bench_bare", bare)  # warm
        runs = []
        for _ in range(rounds):
            base_s = materialise("bench_bare", bare)
            ours_s = materialise("bench_ours", ours_sql, ours_params)
            runs.append((ours_s, base_s))
        differ = sql("SELECT (SELECT count(*) FROM (SELECT member_id, value FROM bench_ours EXCEPT "
                     "SELECT * FROM bench_bare) a), (SELECT count(*) FROM (SELECT * FROM bench_bare EXCEPT "
                     "SELECT member_id, value FROM bench_ours) b), (SELECT count(*) FROM bench_ours)")[0]
        checks.expect(differ[0] == 0 and differ[1] == 0,
                      f"`{tag.extractor}`: the extractor and the bare GROUP BY give the same (member, value) rows",
                      f"{differ[2]:,} rows; only in the extractor's {differ[0]:,}, only in the bare query's {differ[1]:,}")
        ours, base = median(o for o, _ in runs), median(b for _, b in runs)
        ratio = median(o / b for o, b in runs)
        print(f"  {tag.extractor}: {differ[2]:,} values; extractor {ours:.2f} s, bare GROUP BY {base:.2f} s (medians); "
              f"per round {', '.join(f'{o / b:.2f}x' for o, b in runs)}, median {ratio:.2f}x", flush=True)
        results.append({"code": tag.extractor, "ours": ours, "base": base, "values": differ[2], "ratio": ratio})
    sql("DROP TABLE IF EXISTS bench_bare; DROP TABLE IF EXISTS bench_ours")
    return results


# ---------------------------------------------------------------- 5. recompute from scratch: time and peak memory


def child_recompute() -> None:
    """Runs in a fresh process: each bench tag's memberships dropped and recomputed, one tag at a time
    (the dynamic tag first), then all of them again (nothing to write); prints JSON."""
    from tagging.models import Tag
    from tagging.services.refresh import refresh_tag, refresh_tags

    tags = sorted(Tag.objects.filter(code__startswith=PREFIX, active=True).exclude(kind="static"),
                  key=lambda t: (t.kind != "dynamic", t.pk))
    ids = [t.pk for t in tags]
    sql("DELETE FROM tagging_tagchange WHERE tag_id = ANY(%s)", [ids])
    sql("DELETE FROM tagging_tagmembership WHERE tag_id = ANY(%s)", [ids])
    out = {"rss_start_mb": rss_mb(), "tags": []}
    for tag in tags:
        seconds, result = timed(refresh_tag, tag, as_of=AS_OF)
        out["tags"].append({"code": tag.code, "kind": tag.kind, "extractor": tag.extractor, "seconds": seconds,
                            "added": result.added, "rss_mb": rss_mb()})
    out["again_seconds"], again = timed(refresh_tags, tags=tags, as_of=AS_OF)
    out["again_changed"] = sum(r.added + r.removed for r in again)
    out["again_errors"] = [r.error for r in again if r.error]
    out["rss_peak_mb"] = rss_mb()
    print(json.dumps(out))


def measure_recompute(db_url: str, checks: BenchChecks) -> dict:
    env = {**os.environ, "DATABASE_URL": db_url}
    proc = subprocess.run([sys.executable, __file__, "--child-recompute"], env=env, cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"child recompute failed:\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    for t in out["tags"]:
        print(f"  {t['code']}: {t['seconds']:.2f} s, +{t['added']:,}, RSS so far {t['rss_mb']:.0f} MB", flush=True)
    print(f"  all {len(out['tags'])} again: {out['again_seconds']:.2f} s, {out['again_changed']:,} changes; "
          f"peak RSS {out['rss_peak_mb']:.0f} MB (at start {out['rss_start_mb']:.0f} MB)", flush=True)
    checks.expect(out["again_changed"] == 0 and not out["again_errors"],
                  "recomputing every bench tag again changed nothing and failed nowhere",
                  f"{out['again_changed']} changes, errors {out['again_errors']}")
    return out


# ---------------------------------------------------------------- report


def row(what: str, ours: float, base: float | None, target: str, met: bool, unit: str = "s",
        ratio: float | None = None) -> str:
    """A table row; `ratio` is the median of the per-round ratios where there is one (else ours / base)."""
    fmt = (lambda v: f"{v * 1000:.1f} ms") if unit == "ms" else (lambda v: f"{v:.2f} s")
    ratio = f"{ratio if ratio is not None else ours / base:.2f}x" if base else "—"
    return f"| {what} | {fmt(ours)} | {fmt(base) if base else '—'} | {ratio} | {target} | {'yes' if met else 'NO'} |"


def report(meta: dict, version: str, dyn: dict, changed: dict, previews: dict, variable: list[dict],
           recompute: dict | None) -> None:
    print()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"PostgreSQL {version}")
    print(f"data: {meta['members']:,} members, {meta['orders']:,} orders, {meta['lines']:,} order lines; "
          f"as of {AS_OF}; the dynamic tag selects {dyn['selected']:,} members")
    print()
    print("| measurement | ours | baseline | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    print(row("dynamic tag, all members, first run (refresh_tag vs bare SELECT)", dyn["first"], dyn["base"],
              "≤ 2×", dyn["first_ratio"] <= 2, ratio=dyn["first_ratio"]))
    print(row("dynamic tag, all members, re-run (nothing to write)", dyn["steady"], dyn["base"], "≤ 2×",
              dyn["steady_ratio"] <= 2, ratio=dyn["steady_ratio"]))
    print(row(f"dynamic tag, {changed['members']:,} members whose orders changed (baseline: bare SELECT of them)",
              changed["refresh"], changed["base"], "≤ 1 s", changed["refresh"] <= 1))
    print(row("count(condition) (baseline: the bare SELECT)", previews["count"], dyn["base"], "≤ 1 s",
              previews["count"] <= 1))
    print(row(f"explain, one member (median of {previews['explained']}; max "
              f"{previews['explain_max'] * 1000:.1f} ms)", previews["explain"], None, "≤ 50 ms",
              previews["explain"] <= 0.05, unit="ms"))
    for v in variable:
        print(row(f"variable `{v['code']}` ({v['values']:,} values): extractor vs bare GROUP BY", v["ours"], v["base"],
                  "≤ 3×", v["ratio"] <= 3, ratio=v["ratio"]))
    if variable:
        ours, base = sum(v["ours"] for v in variable), sum(v["base"] for v in variable)
        print(row(f"all {len(variable)} variable extractors together", ours, base, "≤ 3×", ours / base <= 3))
    if recompute is None:  # --dynamic-only
        return
    peak = recompute["rss_peak_mb"]
    print(f"| peak RSS of the recompute from scratch ({len(recompute['tags'])} tags; {recompute['rss_start_mb']:.0f} MB "
          f"at start) | {peak:.0f} MB | — | — | ≤ 1 GB | {'yes' if peak <= 1024 else 'NO'} |")
    print()
    total = sum(t["seconds"] for t in recompute["tags"])
    print(f"recompute from scratch, one tag at a time: {total:.1f} s in all; "
          + "; ".join(f"{t['extractor'] or 'dynamic'} {t['seconds']:.1f} s (+{t['added']:,})" for t in recompute["tags"]))
    print(f"every bench tag again (refresh_tags, nothing to write): {recompute['again_seconds']:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variable-rounds", type=int, help="rounds of the variable extractors (default --rounds)")
    parser.add_argument("--changed", type=int, default=CHANGED_MEMBERS, help="members whose orders change")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the dynamic queries")
    parser.add_argument("--dynamic-only", action="store_true",
                        help="steps 1-3 only (the dynamic tag, count and explain): minutes instead of half an hour")
    parser.add_argument("--child-recompute", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_recompute:
        setup_django(os.environ["DATABASE_URL"])
        child_recompute()
        return 0

    db_url, meta = ensure(server_url(), args.members)
    setup_django(db_url)
    version = sql("SHOW server_version")[0][0]
    checks = BenchChecks()
    reset()
    print(f"dynamic tag over all members ({args.rounds} rounds):", flush=True)
    dyn = measure_dynamic(args.rounds, checks, args.explain)
    changed_members = min(args.changed, args.members // 2)
    print(f"dynamic tag for {changed_members:,} members whose orders changed:", flush=True)
    changed = measure_changed(dyn["tag"], args.rounds, changed_members, checks)
    print("count and explain:", flush=True)
    previews = measure_previews(args.rounds, checks)
    print(f"  count {previews['count']:.3f} s (best {previews['count_best']:.3f} s); explain median "
          f"{previews['explain'] * 1000:.1f} ms, max {previews['explain_max'] * 1000:.1f} ms", flush=True)
    if args.dynamic_only:
        report(meta, version, dyn, changed, previews, [], None)
        return checks.exit_code()
    print("variable tags: each extractor's rows against a bare GROUP BY:", flush=True)
    variable = measure_variable(variable_tags(), args.variable_rounds or args.rounds, checks)
    print("recompute from scratch in a child process (time and peak memory):", flush=True)
    recompute = measure_recompute(db_url, checks)
    report(meta, version, dyn, changed, previews, variable, recompute)
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
