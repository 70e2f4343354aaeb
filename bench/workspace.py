"""The guide workspace at 1,000,000 members (issue 17): the card, search and home through the Django test
client, each beside PostgREST-like bare queries for the same data, measured in the same run.

    python bench/workspace.py                                  # 1,000,000 members (data built first if missing)
    python bench/workspace.py --members 10000 --samples 50     # a smoke run
    python bench/workspace.py --explain     # also EXPLAIN ANALYZE the slowest statements and split a card's time

The data is bench/tags_data.py's (`crm_tags_bench_<members>`, on DATABASE_URL's server or the embedded
PostgreSQL; reused when built, migrated to this checkout first) with bench/workspace_data.py's on top:
metrics and the four demo value models as of AS_OF, tags, staff per store, a bench store of ~20,000
members in a guide's scope, bindings, follow-ups with reminders, consent records.

In one process, through django.test.Client (force_login; the whole middleware stack, templates and
serializers, no network; the connection is kept between requests) with the statements of each
request counted (CaptureQueriesContext) and timed (an execute wrapper), over `--samples` members
picked with a fixed seed, as the operator (运营: sees everyone) and as the first guide of the bench
store (导购: that store's scope):
1. the card — GET /workspace/m/<code>/ (page) and GET /api/workspace/members/<code>/card/ (API):
   statements per request (max), server time p50 / p95 — beside the bare queries of the same data
   (member row with store, guide, consent, accounts and, for the guide, the scope; levels with the
   next level, benefits and the level metric; accounts with lots expiring in 60 days; metrics row with
   the category/store/channel shares; tags; value-model results; the first timeline page) run through
   a cursor with no template or serializer; the three contestants take turns going first per member;
2. search through /api/workspace/members/search/?q=: a full mobile as the operator and as the guide,
   the last four digits as the guide — beside the bare SELECT of the same result rows, and for the
   guide the same SELECT with the guide's store ids read first and passed as an array;
3. the workspace home /workspace/ as the guide (reminders, recent customers), beside its bare queries;
4. for information: opening a new connection (what CONN_MAX_AGE = 0 costs each request).
Checks: every response is 200; the API's card has as many levels, accounts, tags, values and timeline
entries as the bare queries find (and the timeline's kinds in the same order); the search returns the
members the bare SELECT returns, in order.
Targets (issue 17) are printed beside the figures: card ≤ 12 statements, p50 ≤ 30 ms, p95 ≤ 80 ms;
mobile search p95 ≤ 20 ms; last four in a 20,000-member store p95 ≤ 100 ms; home p95 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.checks import BenchChecks  # noqa: E402
from bench.workspace_baseline import (  # noqa: E402
    bare_card,
    bare_home,
    bare_search,
    card_mismatches,
    scope_sql,
)

SEED = 17
TARGETS = {"card_queries": 12, "card_p50": 0.030, "card_p95": 0.080, "mobile_p95": 0.020, "last4_p95": 0.100,
           "home_p95": 0.050}


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass
class Series:
    """The timings and statement counts of one contestant; keeps the slowest request's statements."""

    name: str
    seconds: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    by_statement: dict = field(default_factory=lambda: defaultdict(float))
    slowest: tuple = (0.0, None, [])  # (seconds, label, [(captured statement, seconds)])

    def add(self, seconds: float, captured: list[dict], timings: list[float], label: str = "") -> None:
        """One request: its time, the statements CaptureQueriesContext captured and each one's time
        (perf_counter around the driver's execute: Django records only whole milliseconds)."""
        self.seconds.append(seconds)
        self.queries.append(len(captured))
        seen: Counter = Counter()
        for query, took in zip(captured, timings, strict=False):
            table = statement_label(query["sql"])
            seen[table] += 1
            self.by_statement[table if seen[table] == 1 else f"{table} ({seen[table]})"] += took
        if seconds > self.slowest[0]:
            self.slowest = (seconds, label, list(zip(captured, timings, strict=False)))

    @property
    def p50(self) -> float:
        return percentile(self.seconds, 0.50)

    @property
    def p95(self) -> float:
        return percentile(self.seconds, 0.95)

    def line(self) -> str:
        counts = Counter(self.queries)
        return (f"{self.name}: p50 {self.p50 * 1000:.1f} ms, p95 {self.p95 * 1000:.1f} ms, max "
                f"{max(self.seconds) * 1000:.1f} ms; statements max {max(self.queries)} (most often "
                f"{counts.most_common(1)[0][0]}) over {len(self.seconds):,} requests")

    def where_time_goes(self) -> str:
        """Mean time of each statement by its place in the request, and what is left (Python: views,
        templates, serializers, middleware)."""
        n = len(self.seconds)
        in_sql = sum(self.by_statement.values())
        rows = ", ".join(f"{label} {total / n * 1000:.2f}" for label, total in self.by_statement.items())
        return (f"SQL {in_sql / n * 1000:.2f} ms of {sum(self.seconds) / n * 1000:.2f} ms mean [{rows}]")


_FROM = re.compile(r'\bFROM\s+"?([a-z_]+)"?', re.IGNORECASE)


def statement_label(sql: str) -> str:
    """The last table named after a FROM at the statement's top level (subqueries in the select list
    come first), else the first FROM, else the statement's first word."""
    depth, top = 0, []
    for match in re.finditer(r'[()]|\bFROM\s+"?([a-z_]+)"?', sql, re.IGNORECASE):
        token = match.group(0)
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif depth == 0:
            top.append(match.group(1))
    if top:
        return top[0]
    match = _FROM.search(sql)
    return match.group(1) if match else sql.split(None, 1)[0].lower()


class StatementTimer:
    """Times each statement the connection executes (a Django execute wrapper)."""

    def __init__(self):
        self.timings: list[float] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.timings.append(time.perf_counter() - started)


def timed(fn, series: Series, label: str = ""):
    """Run `fn` with its statements counted (CaptureQueriesContext) and timed; add it to `series`."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timer = StatementTimer()
    connection.queries_log.clear()  # a full log (9,000 statements) would leave the capture empty
    with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timer):
        started = time.perf_counter()
        result = fn()
        took = time.perf_counter() - started
    if len(ctx.captured_queries) != len(timer.timings):
        raise RuntimeError(f"{len(timer.timings)} statements ran, {len(ctx.captured_queries)} captured")
    series.add(took, ctx.captured_queries, timer.timings, label)
    return result


def timed_request(client, url: str, series: Series, label: str = ""):
    return timed(lambda: client.get(url), series, label)


def timed_bare(fn, series: Series, *args, label: str = ""):
    """The baseline, counted and timed the same way as a request."""
    return timed(lambda: fn(*args), series, label)


# ---------------------------------------------------------------- the run


def setup_clients(meta: dict):
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    users = get_user_model().objects
    operator, guide = users.get(username=meta["operator"]), users.get(username=meta["guide"])
    clients = {}
    for name, user in (("operator", operator), ("guide", guide)):
        client = Client()
        client.force_login(user)
        clients[name] = client
    return {"operator": operator, "guide": guide}, clients


def samples(meta: dict, guide, count: int) -> dict:
    """Codes, mobiles and last fours, picked with the fixed seed: any active member for the operator,
    members in the guide's scope for the guide."""
    from django.db import connection
    from django.utils import timezone

    rng = random.Random(SEED)
    with connection.cursor() as cursor:
        cursor.execute("SELECT code, mobile FROM members_member WHERE status = 'active' ORDER BY id")
        everyone = cursor.fetchall()
        cursor.execute(f"SELECT m.code, m.mobile FROM members_member m WHERE m.status = 'active' AND {scope_sql()} "
                       "ORDER BY m.id", {"viewer": guide.pk, "since": timezone.now() - timedelta(days=365)})
        scope = cursor.fetchall()
    with_mobile = [row for row in everyone if row[1]]
    scope_mobile = [row for row in scope if row[1]]
    national = lambda mobile: mobile.removeprefix("+86")  # noqa: E731 — what a guide types
    return {
        "scope_size": len(scope),
        "operator_cards": [code for code, _ in rng.sample(everyone, min(count, len(everyone)))],
        "guide_cards": [code for code, _ in rng.sample(scope, min(count, len(scope)))],
        "operator_mobiles": [national(m) for _, m in rng.sample(with_mobile, min(count, len(with_mobile)))],
        "guide_mobiles": [national(m) for _, m in rng.sample(scope_mobile, min(count, len(scope_mobile)))],
        "guide_last4": [m[-4:] for _, m in rng.sample(scope_mobile, min(count, len(scope_mobile)))],
    }


def measure_cards(who: str, codes: list[str], client, user, scoped: bool, checks: BenchChecks) -> dict:
    from django.utils import timezone

    page, api, bare = Series(f"card page as {who}"), Series(f"card API as {who}"), Series(f"bare queries as {who}")
    bad, mismatched = [], []
    for number, code in enumerate(codes):
        turns = [("page", f"/workspace/m/{code}/"), ("api", f"/api/workspace/members/{code}/card/"), ("bare", None)]
        shift = number % 3
        results = {}
        for kind, url in turns[shift:] + turns[:shift]:
            if kind == "bare":
                results[kind] = timed_bare(bare_card, bare, code, user.pk, scoped, timezone.now(), label=code)
            else:
                results[kind] = timed_request(client, url, page if kind == "page" else api, label=code)
        for kind in ("page", "api"):
            if results[kind].status_code != 200:
                bad.append(f"{kind} {code}: {results[kind].status_code}")
        if results["api"].status_code == 200 and results["bare"] is not None:
            differ = card_mismatches(json.loads(results["api"].content), results["bare"])
            if differ:
                mismatched.append(f"{code}: {', '.join(differ)}")
        elif results["bare"] is None:
            bad.append(f"bare {code}: not found")
    checks.expect(not bad, f"every card as {who} answered 200", "; ".join(bad[:5]))
    checks.expect(not mismatched, f"the API's card as {who} holds the rows the bare queries find",
                  f"{len(mismatched)} differ, e.g. {'; '.join(mismatched[:3])}")
    for series in (page, api, bare):
        print(f"  {series.line()}", flush=True)
        print(f"    time by table read (mean per request): {series.where_time_goes()}", flush=True)
    return {"page": page, "api": api, "bare": bare}


def measure_search(who: str, kind: str, queries: list[str], client, user, scoped: bool, checks: BenchChecks) -> dict:
    """The API search against the bare SELECT, taking turns; for a scoped viewer also the bare SELECT
    with the viewer's store ids read first (the variant the docs recommend), for comparison."""
    from urllib.parse import quote

    from django.utils import timezone

    ours, bare = Series(f"search by {kind} as {who}"), Series(f"bare SELECT by {kind} as {who}")
    variant = Series(f"bare SELECT by {kind} as {who}, store ids read first") if scoped else None
    differ, found = [], 0
    for number, q in enumerate(queries):
        value = ("+86" + q) if kind == "mobile" else q
        turns = [
            ("ours", lambda q=q: timed_request(client, f"/api/workspace/members/search/?q={quote(q)}", ours, label=q)),
            ("bare", lambda v=value, q=q: timed_bare(bare_search, bare, kind, v, user.pk, scoped, timezone.now(), label=q)),
        ]
        if variant is not None:
            turns.append(("variant", lambda v=value, q=q: timed_bare(bare_search, variant, kind, v, user.pk, scoped,
                                                                    timezone.now(), True, label=q)))
        shift = number % len(turns)
        results = {name: run() for name, run in turns[shift:] + turns[:shift]}
        response, rows = results["ours"], results["bare"]
        got = [r["code"] for r in json.loads(response.content)["results"]] if response.status_code == 200 else None
        if got != [row[0] for row in rows] or ("variant" in results and results["variant"] != rows):
            differ.append(f"{q}: {got} vs {[row[0] for row in rows]}")
        found += len(rows)
    checks.expect(not differ, f"search by {kind} as {who} returns the bare SELECT's members",
                  f"{len(differ)} differ, e.g. {'; '.join(differ[:2])}")
    print(f"  {ours.line()}; {found / max(len(queries), 1):.1f} results per search", flush=True)
    print(f"    time by table read (mean per request): {ours.where_time_goes()}", flush=True)
    for series in filter(None, (bare, variant)):
        print(f"  {series.line()}", flush=True)
    return {"ours": ours, "bare": bare, "variant": variant, "per_search": found / max(len(queries), 1)}


def measure_home(client, user, count: int, checks: BenchChecks) -> dict:
    from django.utils import timezone

    ours, bare = Series("home as guide"), Series("bare home queries")
    statuses = set()
    for number in range(count):
        if number % 2:
            timed_bare(bare_home, bare, user.pk, timezone.now())
            statuses.add(timed_request(client, "/workspace/", ours).status_code)
        else:
            statuses.add(timed_request(client, "/workspace/", ours).status_code)
            timed_bare(bare_home, bare, user.pk, timezone.now())
    checks.expect(statuses == {200}, "the home page answered 200", str(statuses))
    rows = bare_home(user.pk, timezone.now())
    print(f"  {ours.line()}", flush=True)
    print(f"    time by table read: {ours.where_time_goes()}", flush=True)
    print(f"  {bare.line()}; {len(rows[0])} reminders, {len(rows[1])} recent orders", flush=True)
    return {"ours": ours, "bare": bare, "reminders": len(rows[0])}


def measure_connect(count: int = 50) -> Series:
    """What a request pays when it opens its own connection: Django's default CONN_MAX_AGE = 0 closes
    the connection after every request (the test client keeps it, so the figures above leave it out).
    Opening, with Django's connection set-up (time zone, role), and the first statement."""
    from django.db import connection

    series = Series("new connection + first statement")
    for _ in range(count):
        connection.close()
        started = time.perf_counter()
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        series.add(time.perf_counter() - started, [], [])
    series.queries = [1] * count
    return series


def explain(sql: str, lines: int = 30) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        plan = [row[0] for row in cursor.fetchall()]
    return "\n".join("      " + line for line in plan[:lines]) + ("\n      …" if len(plan) > lines else "")


def show_slowest(series: Series, top: int = 3, plans: bool = False) -> None:
    seconds, label, statements = series.slowest
    worst = sorted(statements, key=lambda pair: -pair[1])[:top]
    print(f"  slowest {series.name}: {seconds * 1000:.1f} ms ({label}); its slowest statements: "
          + ", ".join(f"{statement_label(q['sql'])} {took * 1000:.1f} ms" for q, took in worst), flush=True)
    if plans and worst:
        print(f"    EXPLAIN ANALYZE of its slowest statement, run again ({statement_label(worst[0][0]['sql'])}):")
        print(explain(worst[0][0]["sql"]), flush=True)


def explain_searches(users: dict, picked: dict) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from workspace.search import search

    print("EXPLAIN ANALYZE of the search statement (one sample query each)", flush=True)
    for who, q in (("operator", picked["operator_mobiles"][0]), ("guide", picked["guide_mobiles"][0]),
                   ("guide", picked["guide_last4"][0])):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            search(users[who], q)
        print(f"  search {q!r} as {who}:", flush=True)
        print(explain(ctx.captured_queries[-1]["sql"], lines=80), flush=True)


def python_breakdown(guide, codes: list[str]) -> None:
    """Where a card's time goes outside PostgreSQL, as the guide, medians over `codes`: building and
    compiling the two largest statements (the member with the scope; the timeline's UNION) without
    running them, running them, and each section, the portrait and the JSON rendering."""
    import statistics

    from django.db import connection
    from rest_framework.renderers import JSONRenderer

    from members.card import card_sections, timeline_page, timeline_sources
    from members.card_parts import card_members
    from members.models import Member
    from members.scope import scoped_members
    from workspace import portrait, selectors
    from workspace.api import jsonable
    from workspace.card import assemble

    def median_ms(fn) -> float:
        times = []
        for number in range(len(codes)):
            started = time.perf_counter()
            fn(number)
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1000

    def member_query(number):
        return scoped_members(guide, card_members(guide.pk)).filter(code=codes[number])[:1]

    ids = dict(Member.objects.filter(code__in=codes).values_list("code", "pk"))

    def timeline_query(number):
        querysets = [source.rows(ids[codes[number]]) for source in timeline_sources]
        return querysets[0].union(*querysets[1:], all=True).order_by("-tl_at", "-tl_ref")[:21]

    def run(sql_params):
        with connection.cursor() as cursor:
            cursor.execute(*sql_params)
            cursor.fetchall()

    compiled_member = [member_query(n).query.sql_with_params() for n in range(len(codes))]
    compiled_timeline = [timeline_query(n).query.sql_with_params() for n in range(len(codes))]
    guide.get_all_permissions()
    viewer = selectors.viewer_for(guide)
    members = [selectors.card_member_for(guide, code) for code in codes]
    cards = [assemble(member, viewer) for member in members]
    rows = [("member with scope and header annotations: build + compile",
             lambda n: member_query(n).query.sql_with_params()),
            ("  the same statement: run", lambda n: run(compiled_member[n])),
            ("timeline UNION of 7 sources: build + compile", lambda n: timeline_query(n).query.sql_with_params()),
            ("  the same statement: run", lambda n: run(compiled_timeline[n])),
            ("timeline_page (all of it)", lambda n: timeline_page(members[n].pk, viewer, page=1, size=20))]
    rows += [(f"section {section.key} (all of it)", lambda n, section=section: section.build(members[n], viewer))
             for section in sorted(card_sections, key=lambda section: section.order)]
    rows += [("portrait sentences + actions", lambda n: (portrait.sentences(cards[n]),
                                                         portrait.actions(cards[n], viewer.today))),
             ("assemble (sections + portrait + timeline)", lambda n: assemble(members[n], viewer)),
             ("API JSON: jsonable + render", lambda n: JSONRenderer().render(jsonable(cards[n])))]
    print(f"where a card's time goes as the guide (medians over {len(codes)} members, ms):", flush=True)
    for label, fn in rows:
        print(f"  {label}: {median_ms(fn):.2f}", flush=True)


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "NOT met"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=1000, help="members (and searches) per measurement")
    parser.add_argument("--home", type=int, default=300, help="home page requests")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest statements")
    args = parser.parse_args()

    from bench.insights_data import open_bench_database
    from bench.workspace_data import ensure

    open_bench_database(args.members)
    meta = ensure()
    checks = BenchChecks()
    users, clients = setup_clients(meta)
    picked = samples(meta, users["guide"], args.samples)
    print(f"bench store {meta['store']['code']} ({meta['store']['city']}): {picked['scope_size']:,} members in the "
          f"guide's scope (largest store before: {meta['store']['members_before']:,}); guide {meta['guide']}; "
          f"seed {SEED}, {args.samples:,} samples per measurement", flush=True)
    for name, client in clients.items():  # warm: the first requests load templates, URLconf, serializers
        code = picked[f"{name}_cards"][-1]
        for url in ("/workspace/", f"/workspace/m/{code}/", f"/api/workspace/members/{code}/card/"):
            client.get(url)
    started = time.perf_counter()

    print("1. the card", flush=True)
    cards = {"operator": measure_cards("operator", picked["operator_cards"], clients["operator"], users["operator"],
                                       False, checks),
             "guide": measure_cards("guide", picked["guide_cards"], clients["guide"], users["guide"], True, checks)}
    print("2. search", flush=True)
    searches = {
        "mobile, operator": measure_search("operator", "mobile", picked["operator_mobiles"], clients["operator"],
                                           users["operator"], False, checks),
        "mobile, guide": measure_search("guide", "mobile", picked["guide_mobiles"], clients["guide"], users["guide"],
                                        True, checks),
        "last four, guide": measure_search("guide", "last4", picked["guide_last4"], clients["guide"], users["guide"],
                                           True, checks),
    }
    print("3. home", flush=True)
    home = measure_home(clients["guide"], users["guide"], args.home, checks)

    from django.conf import settings

    connect = measure_connect()
    print(f"4. {connect.name} (CONN_MAX_AGE here {settings.DATABASES['default'].get('CONN_MAX_AGE')}): p50 "
          f"{connect.p50 * 1000:.1f} ms, p95 {connect.p95 * 1000:.1f} ms", flush=True)
    print("slowest requests", flush=True)
    for who in ("operator", "guide"):
        for key in ("page", "api", "bare"):
            show_slowest(cards[who][key], plans=args.explain and key != "bare")
    for result in searches.values():
        show_slowest(result["ours"], plans=args.explain)
    show_slowest(home["ours"], plans=args.explain)
    if args.explain:
        explain_searches(users, picked)
        python_breakdown(users["guide"], picked["guide_cards"][:200])

    print(f"\nsummary ({time.perf_counter() - started:.0f} s of measuring; {args.members:,} members, "
          f"bench store {picked['scope_size']:,} members in scope):")
    for who in ("operator", "guide"):
        bare = cards[who]["bare"]
        for key, label in (("page", "page /workspace/m/<code>/"), ("api", "API …/card/")):
            ours = cards[who][key]
            print(f"  card {label} as {who}: statements max {max(ours.queries)} (target ≤ {TARGETS['card_queries']}: "
                  f"{verdict(max(ours.queries), TARGETS['card_queries'])}); p50 {ours.p50 * 1000:.1f} ms "
                  f"({verdict(ours.p50, TARGETS['card_p50'])} ≤ 30), p95 {ours.p95 * 1000:.1f} ms "
                  f"({verdict(ours.p95, TARGETS['card_p95'])} ≤ 80); bare p50 {bare.p50 * 1000:.1f} / p95 "
                  f"{bare.p95 * 1000:.1f} ms ({max(bare.queries)} statements) → ratio p50 {ours.p50 / bare.p50:.2f}x, "
                  f"p95 {ours.p95 / bare.p95:.2f}x")
    for name, result in searches.items():
        ours, bare = result["ours"], result["bare"]
        target = TARGETS["mobile_p95"] if name.startswith("mobile") else TARGETS["last4_p95"]
        variant = result["variant"]
        print(f"  search by {name}: p50 {ours.p50 * 1000:.1f} ms, p95 {ours.p95 * 1000:.1f} ms "
              f"({verdict(ours.p95, target)} ≤ {target * 1000:.0f}), statements {max(ours.queries)}; bare p50 "
              f"{bare.p50 * 1000:.2f} / p95 {bare.p95 * 1000:.2f} ms → ratio p50 {ours.p50 / bare.p50:.1f}x, p95 "
              f"{ours.p95 / bare.p95:.1f}x" + (f"; bare with the store ids read first p50 {variant.p50 * 1000:.2f} / "
                                               f"p95 {variant.p95 * 1000:.2f} ms" if variant else ""))
    ours, bare = home["ours"], home["bare"]
    print(f"  home as guide: p50 {ours.p50 * 1000:.1f} ms, p95 {ours.p95 * 1000:.1f} ms "
          f"({verdict(ours.p95, TARGETS['home_p95'])} ≤ 50), statements {max(ours.queries)}; bare p50 "
          f"{bare.p50 * 1000:.2f} / p95 {bare.p95 * 1000:.2f} ms → ratio p50 {ours.p50 / bare.p50:.1f}x, p95 "
          f"{ours.p95 / bare.p95:.1f}x")
    print(f"  not in the figures: a new connection per request (CONN_MAX_AGE 0) adds p50 {connect.p50 * 1000:.1f} / "
          f"p95 {connect.p95 * 1000:.1f} ms")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
