"""The guide workspace bench's data (issue 17), added to bench/tags_data.py's database, set-based.

    python bench/workspace_data.py                    # on crm_tags_bench_1000000 (built first if missing)
    python bench/workspace_data.py --members 10000    # a smoke size
    python bench/workspace_data.py --force            # add it again (after removing what an earlier build added)

bench/workspace.py calls `ensure()`; building is not measured. What it adds, every row relative to the
evaluation date AS_OF (2026-12-07) and drawn from hashes of ids, so a size always gives the same rows:
- the insights the card shows: member metrics as of AS_OF and the four demo value models (RFM,
  activity, CLV, custom: insights/demo.MODELS with the shipped example parameters), run as the
  nightly job runs them (refresh_all_metrics, run_model);
- tags: the issue-15 four-leaf dynamic tag and three variable tags (favourite category, frequent store,
  purchase cycle), refreshed by tagging's refresh_tag (memberships, history, why); and a static
  导购可用 tag 「重点维护」 on a third of the bound members;
- the bench store: the store with the most members in a guide's scope (home store there, or an order
  there in the 365 days before AS_OF); when it has fewer than STORE_MEMBERS, STORE_MEMBERS minus that
  many active members of its city with no home store are given it as home store (one UPDATE; a few of
  them had bought there already, so the store ends slightly under STORE_MEMBERS);
- staff (auth users, set-based, unusable passwords): an operator (group 运营, sees everyone), per store a
  manager (店长) and GUIDES_PER_STORE guides (导购), BIG_STORE_GUIDES in the bench store; the bench
  guide is the first guide of the bench store;
- exclusive-guide bindings for a quarter of each store's home members, spread over its guides, a
  tenth of them with an ended earlier binding (another guide, history), each with its 'bind' audit row;
- follow-ups: 0–3 per bound member by their guide in the 180 days before AS_OF, 40 % with a reminder
  (AS_OF − 20 … + 30 days; those more than three days overdue mostly done);
- SMS consent records for 60 % of the members (85 % granted).
A row `bench_workspace_meta` in the database records the build; a build of this VERSION is reused.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.tags import CONDITION, sql  # noqa: E402
from bench.tags_data import AS_OF  # noqa: E402

VERSION = 1
PREFIX = "wsb_"  # usernames, tag and category codes of this data (bench/tags.py's reset() removes `bench_` tags)
STORE_MEMBERS = 20_000
GUIDES_PER_STORE = 5
BIG_STORE_GUIDES = 10
BOUND_SHARE = 0.25
AS_OF_TS = "timestamptz '2026-12-07 00:00+08'"
VARIABLE_EXTRACTORS = ("favourite_category", "frequent_store", "purchase_cycle")
FOLLOW_UP_TEXTS = [
    "微信发了新品面霜试用装的介绍，顾客说周末来店试。", "电话回访上次购买的精华使用感受，反馈不错。",
    "到店试了口红，暂未购买，约好新色到店再通知。", "生日月提醒：可领取生日礼，顾客表示会来店领取。",
    "顾客咨询积分兑换规则，已解释到期时间。", "会员日活动邀约，顾客有兴趣，待确认时间。",
]


def scope_sizes_sql() -> str:
    """(store id, code, city, members in a guide's scope there) for every store, largest first."""
    return f"""
    SELECT s.id, s.code, s.city, count(DISTINCT x.member_id) AS n FROM members_store s
    JOIN (SELECT home_store_id AS store_id, id AS member_id FROM members_member
          WHERE status = 'active' AND home_store_id IS NOT NULL
          UNION ALL
          SELECT o.store_id, o.member_id FROM members_order o JOIN members_member m ON m.id = o.member_id
          WHERE m.status = 'active' AND o.store_id IS NOT NULL AND o.ordered_at >= {AS_OF_TS} - interval '365 days'
         ) x ON x.store_id = s.id
    GROUP BY s.id, s.code, s.city ORDER BY n DESC, s.code"""


def grow_store(store_id: int, city: str, needed: int) -> None:
    """`needed` active members of `city` with no home store get this one (recorded, so remove() can undo it)."""
    sql("CREATE TABLE IF NOT EXISTS bench_workspace_grown (member_id bigint PRIMARY KEY, store_id bigint)")
    sql("""INSERT INTO bench_workspace_grown (member_id, store_id)
           SELECT id, %s FROM members_member WHERE status = 'active' AND home_store_id IS NULL AND city = %s
           ORDER BY hashint8(id * 31 + 17) LIMIT %s""", [store_id, city, needed])
    sql("UPDATE members_member m SET home_store_id = g.store_id FROM bench_workspace_grown g WHERE g.member_id = m.id")


def staff_sql() -> str:
    """Users, their groups and stores: wsb_operator; per store wsb_m_<code> and wsb_g_<code>_<n>."""
    return f"""
    INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
    SELECT '!bench', false, '{PREFIX}operator', '运营基准', '', '', true, true, now()
    UNION ALL
    SELECT '!bench', false, '{PREFIX}m_' || s.code, '店长' || s.code, '', '', false, true, now() FROM members_store s
    UNION ALL
    SELECT '!bench', false, '{PREFIX}g_' || s.code || '_' || g, '导购' || s.code || '-' || g, '', '', false, true, now()
    FROM members_store s JOIN bench_ws_store_guides n ON n.store_id = s.id CROSS JOIN LATERAL generate_series(1, n.guides) g;

    INSERT INTO auth_user_groups (user_id, group_id)
    SELECT u.id, gr.id FROM auth_user u JOIN auth_group gr ON gr.name = CASE
        WHEN u.username = '{PREFIX}operator' THEN '运营' WHEN u.username LIKE '{PREFIX}m\\_%%' THEN '店长' ELSE '导购' END
    WHERE u.username LIKE '{PREFIX}%%';

    INSERT INTO members_staffstore (role, since, store_id, user_id)
    SELECT CASE WHEN u.username LIKE '{PREFIX}m\\_%%' THEN 'manager' ELSE 'guide' END, date '2025-03-01', s.id, u.id
    FROM auth_user u JOIN members_store s
      ON u.username = '{PREFIX}m_' || s.code OR u.username LIKE '{PREFIX}g\\_' || s.code || '\\_%%';

    CREATE TEMP TABLE bench_ws_guides AS
    SELECT st.store_id, st.user_id, row_number() OVER (PARTITION BY st.store_id ORDER BY st.user_id) - 1 AS k,
           count(*) OVER (PARTITION BY st.store_id) AS n,
           (SELECT user_id FROM members_staffstore x WHERE x.store_id = st.store_id AND x.role = 'manager') AS manager_id
    FROM members_staffstore st JOIN auth_user u ON u.id = st.user_id
    WHERE st.role = 'guide' AND u.username LIKE '{PREFIX}%%';
    """


def bindings_sql() -> str:
    """A quarter of each store's active home members bound to one of its guides (by hash), a tenth
    with an ended earlier binding to the next guide; each open binding with its audit row."""
    return f"""
    CREATE TEMP TABLE bench_ws_bound AS
    SELECT m.id AS member_id, m.home_store_id AS store_id, g.user_id AS guide_id, g.manager_id,
           (SELECT user_id FROM bench_ws_guides p WHERE p.store_id = g.store_id AND p.k = (g.k + 1) % g.n) AS earlier_id,
           {AS_OF_TS} - (1 + floor(bench_ws_u(m.id * 8 + 2) * 500)) * interval '1 day' AS bound_at,
           bench_ws_u(m.id * 8 + 3) < 0.10 AS had_earlier
    FROM members_member m JOIN bench_ws_guides g
      ON g.store_id = m.home_store_id AND g.k = floor(bench_ws_u(m.id * 8 + 1) * g.n)::int
    WHERE m.status = 'active' AND bench_ws_u(m.id * 8) < {BOUND_SHARE};

    INSERT INTO members_guidebinding (bound_at, reason, ended_at, end_reason, bound_by_id, ended_by_id, guide_id,
        member_id, store_id)
    SELECT bound_at - interval '200 days', '店长分配', bound_at, '改绑给 ' || (SELECT username FROM auth_user WHERE id = guide_id),
           manager_id, manager_id, earlier_id, member_id, store_id
    FROM bench_ws_bound WHERE had_earlier;
    INSERT INTO members_guidebinding (bound_at, reason, ended_at, end_reason, bound_by_id, ended_by_id, guide_id,
        member_id, store_id)
    SELECT bound_at, '店长分配', NULL, '', manager_id, NULL, guide_id, member_id, store_id FROM bench_ws_bound;
    INSERT INTO workspace_staffaction (kind, reason, detail, at, actor_id, member_id)
    SELECT 'bind', '店长分配', jsonb_build_object('guide', guide_id, 'store', store_id), bound_at, manager_id, member_id
    FROM bench_ws_bound;
    """


def follow_ups_sql() -> str:
    texts = "(ARRAY[" + ", ".join(f"'{t}'" for t in FOLLOW_UP_TEXTS) + "]::text[])"
    return f"""
    INSERT INTO workspace_followup (kind, text, remind_on, reminder_done_at, created_at, author_id, member_id,
        origin_member_id)
    SELECT (ARRAY['phone', 'wechat', 'visit', 'other'])[1 + floor(bench_ws_u(f.key + 1) * 4)::int],
           {texts}[1 + floor(bench_ws_u(f.key + 2) * {len(FOLLOW_UP_TEXTS)})::int],
           CASE WHEN f.remind THEN f.remind_on END,
           CASE WHEN f.remind AND f.remind_on < date '{AS_OF.isoformat()}' - 3 AND bench_ws_u(f.key + 5) < 0.9
                THEN f.remind_on + time '20:00' AT TIME ZONE 'Asia/Shanghai' END,
           {AS_OF_TS} - bench_ws_u(f.key + 3) * interval '180 days', b.guide_id, b.member_id, b.member_id
    FROM bench_ws_bound b
    CROSS JOIN LATERAL generate_series(1, floor(bench_ws_u(b.member_id * 8 + 4) * 4)::int) i
    CROSS JOIN LATERAL (SELECT b.member_id * 16 + i * 5 AS key) k
    CROSS JOIN LATERAL (SELECT k.key, bench_ws_u(k.key + 4) < 0.4 AS remind,
                               date '{AS_OF.isoformat()}' + (floor(bench_ws_u(k.key + 6) * 51)::int - 20) AS remind_on) f;
    """


CONSENT_SQL = """
    INSERT INTO members_consentrecord (channel, status, source, recorded_at, actor_id, member_id)
    SELECT 'sms', CASE WHEN bench_ws_u(id * 8 + 6) < 0.85 THEN 'granted' ELSE 'withdrawn' END,
           CASE WHEN registered_channel = 'pos' THEN '门店纸质表单' ELSE registered_channel || ' 注册勾选' END,
           registered_at, NULL, id
    FROM members_member WHERE status = 'active' AND bench_ws_u(id * 8 + 5) < 0.60;
"""

HELPERS = """
    CREATE OR REPLACE FUNCTION bench_ws_u(k bigint) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT (hashint8(k)::float8 + 2147483648) / 4294967296.0 $$;
"""


def built() -> dict | None:
    rows = sql("SELECT to_regclass('bench_workspace_meta') IS NOT NULL")
    if not rows[0][0]:
        return None
    row = sql("SELECT meta FROM bench_workspace_meta WHERE version = %s ORDER BY built_at DESC LIMIT 1", [VERSION])
    if not row:
        return None
    return json.loads(row[0][0]) if isinstance(row[0][0], str) else row[0][0]  # Django's cursor gives jsonb as text


def remove() -> None:
    """What an earlier build added (users and what hangs on them, the bench tags); the insights stay."""
    users = f"SELECT id FROM auth_user WHERE username LIKE '{PREFIX}%%'"
    tags = f"SELECT id FROM tagging_tag WHERE code LIKE '{PREFIX}%%'"
    for statement in (
        f"DELETE FROM workspace_followup WHERE author_id IN ({users})",
        f"DELETE FROM workspace_staffaction WHERE actor_id IN ({users})",
        f"DELETE FROM members_guidebinding WHERE guide_id IN ({users})",
        f"DELETE FROM members_staffstore WHERE user_id IN ({users})",
        f"DELETE FROM auth_user_groups WHERE user_id IN ({users})",
        "DELETE FROM django_session",
        f"DELETE FROM auth_user WHERE id IN ({users})",
        "DELETE FROM members_consentrecord WHERE actor_id IS NULL AND (source LIKE '%%注册勾选' OR source = '门店纸质表单')",
        "UPDATE members_member SET home_store_id = NULL WHERE id IN (SELECT member_id FROM bench_workspace_grown)"
        if sql("SELECT to_regclass('bench_workspace_grown') IS NOT NULL")[0][0] else "SELECT 1",
        "DROP TABLE IF EXISTS bench_workspace_grown",
        f"DELETE FROM tagging_tagchange WHERE tag_id IN ({tags})",
        f"DELETE FROM tagging_tagmembership WHERE tag_id IN ({tags})",
        f"DELETE FROM tagging_tagrefreshrun WHERE tag_id IN ({tags})",
        f"DELETE FROM tagging_tag WHERE id IN ({tags})",
        "DROP TABLE IF EXISTS bench_workspace_meta",
    ):
        sql(statement)


def step(label: str, fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)
    return result


def insights() -> dict:
    from insights.demo import MODELS
    from insights.metrics import refresh_all_metrics
    from insights.models import MemberMetrics, ModelRun, ValueModel
    from insights.scoring import EXAMPLES
    from insights.scoring.runner import run_model

    runs = {}
    if MemberMetrics.objects.filter(as_of=AS_OF).exists():  # an earlier build refreshed them (a re-run writes nothing)
        runs["metrics_rows"] = 0
    else:
        runs["metrics_rows"] = step(f"metrics as of {AS_OF}", refresh_all_metrics, AS_OF).changed
    for code, name, kind, description in MODELS:
        model, _ = ValueModel.objects.get_or_create(code=code, defaults={
            "name": name, "kind": kind, "description": description, "config": EXAMPLES[kind]})
        if ModelRun.objects.filter(model=model, as_of=AS_OF).exists():
            continue
        result = step(f"model {code}", run_model, model, AS_OF)
        runs[code] = result.scored
    return runs


def tags() -> dict:
    from tagging.models import Tag, TagCategory, TagKind
    from tagging.services.refresh import refresh_tag

    category, _ = TagCategory.objects.get_or_create(code=f"{PREFIX}cat", defaults={"name": "工作台基准"})
    specs = [dict(code=f"{PREFIX}dyn", name="活跃高积分女性", kind=TagKind.DYNAMIC, condition=CONDITION)]
    specs += [dict(code=f"{PREFIX}{code}"[:32], name=f"基准{code}"[:32], kind=TagKind.VARIABLE, extractor=code, params={})
              for code in VARIABLE_EXTRACTORS]
    added = {}
    for spec in specs:
        tag = Tag(category=category, **spec)
        tag.full_clean()
        tag.save()
        added[tag.code] = step(f"tag {tag.code}", refresh_tag, tag, as_of=AS_OF).added
    static = Tag(category=category, code=f"{PREFIX}care", name="重点维护", kind=TagKind.STATIC, guide_usable=True)
    static.full_clean()
    static.save()
    sql("""
        INSERT INTO tagging_tagmembership (value, since, ends_on, reason, rule_version, leaf_values, evidence,
            actor_id, member_id, origin_member_id, tag_id, unmet_since)
        SELECT '', bound_at + interval '1 day', NULL, '导购标记', NULL, '{}', '{}', guide_id, member_id, member_id, %(tag)s, NULL
        FROM bench_ws_bound WHERE bench_ws_u(member_id * 8 + 7) < 0.34""", {"tag": static.pk})
    sql("""
        INSERT INTO tagging_tagchange (added, kind, value, rule_version, actor_label, reason, detail, at, actor_id,
            member_id, merge_record_id, tag_id)
        SELECT true, 'static', '', NULL, u.username, '导购标记', '{}', m.since, m.actor_id, m.member_id, NULL, m.tag_id
        FROM tagging_tagmembership m JOIN auth_user u ON u.id = m.actor_id WHERE m.tag_id = %(tag)s""",
        {"tag": static.pk})
    added[static.code] = sql("SELECT count(*) FROM tagging_tagmembership WHERE tag_id = %s", [static.pk])[0][0]
    return added


def build() -> dict:
    started = time.perf_counter()
    remove()
    sql(HELPERS)
    meta: dict = {"version": VERSION, "as_of": AS_OF.isoformat()}
    meta["insights"] = insights()
    sizes = step("store scope sizes", sql, scope_sizes_sql())
    store_id, code, city, before = sizes[0]
    meta["store"] = {"id": store_id, "code": code, "city": city, "members_before": before,
                     "next_largest": sizes[1][3] if len(sizes) > 1 else 0}
    if before < STORE_MEMBERS:
        step(f"home store {code} for up to {STORE_MEMBERS - before:,} more members of {city}", grow_store, store_id, city,
             STORE_MEMBERS - before)
    meta["store"]["members"] = sql(
        f"SELECT n FROM ({scope_sizes_sql()}) s WHERE id = %s", [store_id])[0][0]
    sql(f"""CREATE TEMP TABLE bench_ws_store_guides AS
            SELECT id AS store_id, CASE WHEN id = {int(store_id)} THEN {BIG_STORE_GUIDES} ELSE {GUIDES_PER_STORE} END AS guides
            FROM members_store""")
    step("staff users, groups, stores", sql, staff_sql())
    step("guide bindings", sql, bindings_sql())
    step("follow-ups", sql, follow_ups_sql())
    step("consent records", sql, CONSENT_SQL)
    meta["tags"] = tags()
    sql("DROP TABLE bench_ws_bound, bench_ws_guides, bench_ws_store_guides")
    step("analyze", sql, "ANALYZE members_member, members_guidebinding, members_staffstore, workspace_followup, "
                         "workspace_staffaction, members_consentrecord, tagging_tagmembership, tagging_tagchange, "
                         "auth_user, auth_user_groups")
    guide = f"{PREFIX}g_{code}_1"
    meta["guide"], meta["operator"] = guide, f"{PREFIX}operator"
    meta["counts"] = dict(zip(
        ("staff", "open_bindings", "ended_bindings", "follow_ups", "open_reminders_of_guide", "guide_bound", "consents"),
        sql(f"""SELECT (SELECT count(*) FROM members_staffstore),
                       (SELECT count(*) FROM members_guidebinding WHERE ended_at IS NULL),
                       (SELECT count(*) FROM members_guidebinding WHERE ended_at IS NOT NULL),
                       (SELECT count(*) FROM workspace_followup),
                       (SELECT count(*) FROM workspace_followup f JOIN auth_user u ON u.id = f.author_id
                        WHERE u.username = %(g)s AND f.remind_on <= date '{AS_OF.isoformat()}' + 1
                          AND f.reminder_done_at IS NULL),
                       (SELECT count(*) FROM members_guidebinding b JOIN auth_user u ON u.id = b.guide_id
                        WHERE u.username = %(g)s AND b.ended_at IS NULL),
                       (SELECT count(*) FROM members_consentrecord)""", {"g": guide})[0], strict=True))
    meta["seconds"] = round(time.perf_counter() - started, 1)
    sql("CREATE TABLE bench_workspace_meta (version int, meta jsonb, built_at timestamptz DEFAULT now())")
    sql("INSERT INTO bench_workspace_meta (version, meta) VALUES (%s, %s)", [VERSION, json.dumps(meta)])
    return meta


def ensure(*, force: bool = False) -> dict:
    """The workspace data's meta on the open bench database (Django set up), built first if missing."""
    meta = None if force else built()
    if meta:
        print(f"reusing the workspace data (built in {meta['seconds']:.0f} s)", flush=True)
        return meta
    print("adding the workspace data", flush=True)
    meta = build()
    print(f"workspace data added in {meta['seconds']:.0f} s: {json.dumps(meta, ensure_ascii=False)}", flush=True)
    return meta


def main() -> int:
    from bench.insights_data import open_bench_database

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--force", action="store_true", help="add the data again")
    args = parser.parse_args()
    open_bench_database(args.members)
    ensure(force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
