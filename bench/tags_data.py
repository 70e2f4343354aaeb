"""The tags bench's data (issue 15): members, orders, order lines and loyalty, generated set-based.

    python bench/tags_data.py                     # 1,000,000 members, ~10M orders, ~25M lines
    python bench/tags_data.py --members 10000     # a smoke size: seconds
    python bench/tags_data.py --members 100000 --force   # rebuild even if present

Builds the database `crm_tags_bench_<members>` on the server DATABASE_URL names, or without it on the
checkout's embedded PostgreSQL (bench/databases.server_url()); the URL's own database is never
touched. A database already built at that size (its `bench_tags_meta` row says so) is reused as it
is; `--force` rebuilds it. bench/tags.py calls `ensure()` and then measures; building is not measured.

The data, everything relative to the evaluation date AS_OF (2026-12-07, Asia/Shanghai), drawn from a
hash of row ids (hashint8), so a size always gives the same rows:
- 198 stores in 18 cities; members with a gender mix (58 % F, 32 % M, 10 % unknown), 85 % with a
  birthday (1960–2005), 90 % with a mobile, a city (skewed to the big ones, 8 % empty), a registered
  channel (天猫, 小程序, POS, 京东, 商城) and, for POS registrations and 20 % of the rest, a home store in
  their city; 0.5 % merged into another member and 0.1 % erased;
- orders: 15 % of the active members have none; the others a log-normal count (median ~4, a long
  tail up to 800), scaled so the total is `--orders-per-member` × members (10 by default), spread over
  each member's active period within the last three years (30 % of the buyers went dormant 6–26
  months ago); 70 % on the member's own channel, POS orders in their home store; 88 % completed, 3 %
  closed unpaid, 3 % wholly and 3 % partly refunded, the rest paid or shipped, 0.2 % deleted;
- 1–4 lines per order (2.5 on average) from 300 products in 12 categories, 55 % of them in the
  member's favourite category (skewed to 护肤); an order's paid amount is the sum of its lines;
- loyalty: every active member holds the consumer role, a 积分 and a 成长值 account, a level in the
  default scheme (rank by order count, with noise); buyers have three 积分 lots (one earned in 2025
  that the yearly clearing expires on 2026-12-31 24:00, two earned in 2026) and one 成长值 lot, each
  with its earn entry; balances are the lots' sums, as verify_ledger expects.
Secondary indexes and the unique and foreign-key constraints of the loaded tables are dropped for the
load and recreated afterwards (as the migrations define them), then VACUUM ANALYZE.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.databases import manage_env, recreate, server_url, url_for  # noqa: E402

AS_OF = date(2026, 12, 7)
AS_OF_TS = "timestamptz '2026-12-07 00:00+08'"  # the evaluation day's first instant; all orders are before it
VERSION = 1  # bump when the data's shape changes: databases of another version are rebuilt
LOADED_TABLES = ("members_store", "members_member", "members_order", "members_orderline", "loyalty_memberrole",
                 "loyalty_pointsaccount", "loyalty_memberlevel", "loyalty_ledgerentry", "loyalty_pointslot")

CITIES = [  # (province, city), the most common first
    ("上海市", "上海市"), ("北京市", "北京市"), ("广东省", "广州市"), ("广东省", "深圳市"), ("浙江省", "杭州市"),
    ("江苏省", "南京市"), ("江苏省", "苏州市"), ("四川省", "成都市"), ("湖北省", "武汉市"), ("重庆市", "重庆市"),
    ("陕西省", "西安市"), ("天津市", "天津市"), ("湖南省", "长沙市"), ("山东省", "青岛市"), ("福建省", "厦门市"),
    ("河南省", "郑州市"), ("辽宁省", "沈阳市"), ("云南省", "昆明市"),
]
REGIONS = {"上海市": "华东", "杭州市": "华东", "南京市": "华东", "苏州市": "华东", "青岛市": "华东", "厦门市": "华南",
           "广州市": "华南", "深圳市": "华南", "北京市": "华北", "天津市": "华北", "沈阳市": "东北", "成都市": "西南",
           "重庆市": "西南", "昆明市": "西南", "西安市": "西北", "武汉市": "华中", "长沙市": "华中", "郑州市": "华中"}
STORE_AREAS = ["万象城", "国金中心", "大悦城", "万达广场", "太古里", "银泰", "来福士", "恒隆广场", "印象城", "龙湖天街", "吾悦广场"]
CATEGORIES = [  # (category, price from, price to, item names)
    ("护肤", 180, 980, ["精华液", "面霜", "爽肤水", "眼霜", "面膜"]),
    ("彩妆", 99, 450, ["口红", "粉底液", "眼影盘", "腮红", "睫毛膏"]),
    ("香水", 399, 1299, ["淡香水", "浓香水", "香氛喷雾", "香水小样套装", "古龙水"]),
    ("身体护理", 59, 199, ["身体乳", "沐浴露", "护手霜", "磨砂膏", "身体油"]),
    ("洗发护发", 49, 169, ["洗发水", "护发素", "发膜", "护发精油", "头皮精华"]),
    ("男士护理", 69, 299, ["洁面乳", "须后水", "控油乳液", "男士面霜", "剃须膏"]),
    ("口腔护理", 19, 89, ["牙膏", "漱口水", "电动牙刷刷头", "牙线", "美白牙贴"]),
    ("母婴", 39, 299, ["婴儿润肤霜", "儿童洗发沐浴露", "护臀膏", "孕妇身体油", "婴儿湿巾"]),
    ("营养保健", 99, 599, ["胶原蛋白饮", "维生素软糖", "益生菌", "鱼油", "叶黄素"]),
    ("家居香氛", 129, 459, ["香薰蜡烛", "扩香", "室内喷雾", "香囊", "车载香氛"]),
    ("美容工具", 39, 259, ["化妆刷套装", "美妆蛋", "洁面仪", "卷发棒", "睫毛夹"]),
    ("礼盒套装", 299, 1599, ["护肤礼盒", "彩妆礼盒", "香氛礼盒", "节日限定礼盒", "旅行套装"]),
]
SERIES = ["焕颜", "水润", "修护", "净澈", "臻萃", "光感", "柔润", "清透", "紧致", "舒缓", "亮采", "盈润", "赋活",
          "纯净", "沁爽", "丝滑", "轻盈", "醇养", "雪肌", "晶透", "御龄", "绵密", "青春", "晨露", "夜萃"]
PER_CATEGORY = len(SERIES)  # 25 products per category, 300 in all
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉梅红燕婷雪琳晨宇欣怡子涵浩然梓萱一诺佳琪思远"
CHANNEL_SHOPS = {"tmall": "品牌天猫旗舰店", "jd": "品牌京东自营旗舰店", "wechat_mp": "品牌会员小程序", "mall": "品牌官方商城",
                 "pos": ""}


def products() -> list[tuple]:
    """(index, sku, title, category, price) of the 300 products: category c holds indexes 25c … 25c+24."""
    rows = []
    for c, (category, low, high, items) in enumerate(CATEGORIES):
        for j, series in enumerate(SERIES):
            price = low + (j * 37) % (high - low + 1)
            rows.append((c * PER_CATEGORY + j, f"SK{c:02d}{j:03d}", f"{series}{items[j % len(items)]}", category,
                         f"{price}.00"))
    return rows


def _array(values, cast: str) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + f"]::{cast}[]"


def helper_functions_sql() -> str:
    """Immutable SQL helpers (inlined by the planner): deterministic draws and the product model."""
    prices = [row[4] for row in products()]
    return f"""
    CREATE OR REPLACE FUNCTION bench_u(k bigint) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT (hashint8(k)::float8 + 2147483648) / 4294967296.0 $$;
    CREATE OR REPLACE FUNCTION bench_pref(member bigint) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT floor(power(bench_u(member * 16 + 3), 1.6) * {len(CATEGORIES)})::int $$;
    CREATE OR REPLACE FUNCTION bench_lines(ord bigint) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT 1 + floor(bench_u(ord * 8 + 7) * 4)::int $$;
    CREATE OR REPLACE FUNCTION bench_product(ord bigint, line int, pref int) RETURNS int LANGUAGE sql IMMUTABLE
        PARALLEL SAFE AS $$
        SELECT CASE WHEN bench_u(ord * 8 + line) < 0.55
                    THEN pref * {PER_CATEGORY} + floor(bench_u(ord * 8 + line + 100000000000) * {PER_CATEGORY})::int
                    ELSE floor(bench_u(ord * 8 + line + 200000000000) * {len(prices)})::int END $$;
    CREATE OR REPLACE FUNCTION bench_qty(ord bigint, line int) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT CASE WHEN bench_u(ord * 8 + line + 300000000000) < 0.12 THEN 2 ELSE 1 END $$;
    CREATE OR REPLACE FUNCTION bench_price(product int) RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT ({_array(prices, 'numeric')})[product + 1] $$;
    CREATE OR REPLACE FUNCTION bench_line_amount(ord bigint, line int, pref int) RETURNS numeric LANGUAGE sql
        IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN line <= bench_lines(ord)
                    THEN bench_price(bench_product(ord, line, pref)) * bench_qty(ord, line) ELSE 0 END $$;
    """


DROP_HELPERS = """
    DROP FUNCTION IF EXISTS bench_line_amount(bigint, int, int), bench_price(int), bench_qty(bigint, int),
        bench_product(bigint, int, int), bench_lines(bigint), bench_pref(bigint), bench_u(bigint);
"""


def _pick(values: list[str], draw: str, skew: float = 1.0) -> str:
    """SQL picking one of `values` by the uniform `draw` (skew > 1 favours the first ones)."""
    return f"({_array(values, 'text')})[1 + floor(power({draw}, {skew}) * {len(values)})::int]"


# ---------------------------------------------------------------- the load, step by step


def stores_sql() -> str:
    rows = []
    for i in range(len(CITIES) * len(STORE_AREAS)):
        province, city = CITIES[i % len(CITIES)]
        area = STORE_AREAS[i // len(CITIES)]
        rows.append(f"({i + 1}, 'S{i + 1:04d}', '{city.removesuffix('市')}{area}店', '{province}', '{city}', "
                    f"'{REGIONS[city]}', true)")
    return ("INSERT INTO members_store (id, code, name, province, city, region, is_active) VALUES "
            + ", ".join(rows)
            + "; SELECT setval(pg_get_serial_sequence('members_store', 'id'), (SELECT max(id) FROM members_store))")


def members_sql(members: int) -> str:
    cities = len(CITIES)
    stores = cities * len(STORE_AREAS)
    channel_cut = "CASE WHEN u < 0.30 THEN 'tmall' WHEN u < 0.55 THEN 'wechat_mp' WHEN u < 0.75 THEN 'pos' " \
                  "WHEN u < 0.87 THEN 'jd' WHEN u < 0.95 THEN 'mall' ELSE '' END"
    mobile = "'+861' || (ARRAY['3','5','8','9'])[1 + g % 4] || lpad(((g::bigint * 7919) % 1000000000)::text, 9, '0')"
    return f"""
    INSERT INTO members_member (id, code, name, gender, birthday, mobile, mobile_masked, email, province, city,
        district, address, registered_channel, registered_at, home_store_id, status, merged_into_id, attributes,
        created_at, updated_at)
    SELECT g, 'M' || lpad(g::text, 9, '0'),
        {_pick(list(SURNAMES), 'bench_u(g * 16 + 1)', 1.5)} || {_pick(list(GIVEN), 'bench_u(g * 16 + 2)')},
        CASE WHEN bench_u(g * 16 + 4) < 0.58 THEN 'F' WHEN bench_u(g * 16 + 4) < 0.90 THEN 'M' ELSE 'U' END,
        CASE WHEN bench_u(g * 16 + 5) < 0.85 THEN date '1960-01-01' + floor(bench_u(g * 16 + 6) * 16800)::int END,
        CASE WHEN bench_u(g * 16 + 7) < 0.90 THEN {mobile} ELSE '' END,
        CASE WHEN bench_u(g * 16 + 7) < 0.90 THEN substr({mobile}, 4, 3) || '****' || right({mobile}, 4) ELSE '' END,
        '', coalesce(c.province, ''), coalesce(c.city, ''), '', '', x.channel,
        timestamptz '2019-01-01 10:00+08' + power(bench_u(g * 16 + 8), 0.7) * ({AS_OF_TS} - timestamptz '2019-01-01 10:00+08'),
        CASE WHEN c.city IS NOT NULL AND (x.channel = 'pos' OR bench_u(g * 16 + 10) < 0.20)
             THEN c.n + {cities} * floor(bench_u(g * 16 + 11) * {len(STORE_AREAS)})::int END,
        CASE WHEN g % 200 = 0 THEN 'merged' WHEN g % 1000 = 7 THEN 'erased' ELSE 'active' END,
        CASE WHEN g % 200 = 0 THEN g - 1 END, '{{}}'::jsonb, now(), now()
    FROM generate_series(1, {members}) g
    CROSS JOIN LATERAL (SELECT {channel_cut} AS channel FROM (SELECT bench_u(g * 16 + 9) AS u) d) x
    LEFT JOIN (SELECT n, province, city FROM unnest({_array([p for p, _ in CITIES], 'text')},
                                                {_array([c for _, c in CITIES], 'text')}) WITH ORDINALITY AS t(province, city, n)) c
        ON bench_u(g * 16 + 12) >= 0.08 AND c.n = 1 + floor(power(bench_u(g * 16 + 13), 1.8) * {cities})::int;
    SELECT setval(pg_get_serial_sequence('members_member', 'id'), {members});
    -- stores are numbered city-major: store n + 18k is in city n (n = 1..18); {stores} in all
    """


def buyers_sql(target_orders: int) -> str:
    """bench_buyer: each active member's order count (scaled to the target), first order id and active period."""
    z = "sqrt(-2 * ln(greatest(bench_u(m.id * 16 + 14), 1e-12))) * cos(2 * pi() * bench_u(m.id * 16 + 15))"
    return f"""
    CREATE UNLOGGED TABLE bench_buyer AS
    SELECT m.id AS member_id, m.registered_channel AS channel, m.home_store_id AS store_id, bench_pref(m.id) AS pref,
           CASE WHEN bench_u(m.id * 16 + 16) < 0.15 THEN 0 ELSE least(800, ceil(exp(1.25 + 1.3 * {z})))::int END AS raw,
           greatest(m.registered_at, {AS_OF_TS} - interval '1095 days') AS active_from,
           CASE WHEN bench_u(m.id * 16 + 17) < 0.30
                THEN {AS_OF_TS} - interval '180 days' - bench_u(m.id * 16 + 18) * interval '600 days'
                ELSE {AS_OF_TS} - interval '1 hour' - bench_u(m.id * 16 + 18) * interval '60 days' END AS active_to
    FROM members_member m WHERE m.status = 'active';
    CREATE UNLOGGED TABLE bench_buyer_n AS
    SELECT b.member_id, b.channel, b.store_id, b.pref,
           CASE WHEN b.raw = 0 THEN 0 ELSE greatest(1, round(b.raw * {target_orders}::numeric / s.total))::int END AS n,
           least(b.active_from, b.active_to - interval '1 day') AS active_from, b.active_to
    FROM bench_buyer b, (SELECT greatest(sum(raw), 1) AS total FROM bench_buyer) s;
    DROP TABLE bench_buyer;
    ALTER TABLE bench_buyer_n RENAME TO bench_buyer;
    ALTER TABLE bench_buyer ADD COLUMN first_id bigint;
    UPDATE bench_buyer b SET first_id = f.first_id
    FROM (SELECT member_id, sum(n) OVER (ORDER BY member_id) - n AS first_id FROM bench_buyer) f
    WHERE f.member_id = b.member_id;
    ANALYZE bench_buyer;
    """


def orders_sql() -> str:
    channels = ["tmall", "wechat_mp", "pos", "jd", "mall"]
    shop = "CASE ch.channel " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CHANNEL_SHOPS.items()) + " END"
    stores = len(CITIES) * len(STORE_AREAS)
    amount = " + ".join(f"bench_line_amount(o.id, {j}, o.pref)" for j in range(1, 5))
    items = " + ".join(f"CASE WHEN {j} <= bench_lines(o.id) THEN bench_qty(o.id, {j}) ELSE 0 END" for j in range(1, 5))
    return f"""
    INSERT INTO members_order (id, channel, external_no, member_id, source_profile_id, store_id, shop_name, status,
        raw_status, is_deleted, payable_amount, paid_amount, refunded_amount, item_count, ordered_at, paid_at,
        completed_at, import_fingerprint, created_at, updated_at)
    SELECT o.id, ch.channel, upper(left(ch.channel, 2)) || lpad(o.id::text, 12, '0'), o.member_id, NULL,
        CASE WHEN ch.channel <> 'pos' THEN NULL
             WHEN o.store_id IS NOT NULL AND bench_u(o.id * 8 + 400000000003) < 0.8 THEN o.store_id
             ELSE 1 + floor(bench_u(o.id * 8 + 400000000004) * {stores})::int END,
        {shop}, st.status, '', bench_u(o.id * 8 + 400000000005) < 0.002,
        a.amount, CASE WHEN st.status = 'closed' THEN 0 ELSE a.amount END,
        CASE st.status WHEN 'refunded' THEN a.amount WHEN 'partially_refunded' THEN round(a.amount * 0.3, 2) ELSE 0 END,
        {items}, o.ordered_at,
        CASE WHEN st.status <> 'closed' THEN o.ordered_at + (o.id % 900) * interval '1 second' END,
        CASE WHEN st.status IN ('completed', 'partially_refunded', 'refunded')
             THEN least(o.ordered_at + interval '5 days', {AS_OF_TS} - interval '1 minute') END,
        NULL, o.ordered_at, o.ordered_at
    FROM (
        SELECT b.first_id + k + 1 AS id, b.member_id, b.store_id, b.pref, b.channel AS own_channel,
               b.active_from + (b.active_to - b.active_from) * ((k + bench_u((b.first_id + k + 1) * 8 + 400000000001)) / b.n)
                   AS ordered_at
        FROM bench_buyer b, generate_series(0, b.n - 1) k WHERE b.n > 0
    ) o
    CROSS JOIN LATERAL (SELECT CASE WHEN o.own_channel <> '' AND bench_u(o.id * 8 + 400000000002) < 0.7
                                    THEN o.own_channel
                                    ELSE {_pick(channels, 'bench_u(o.id * 8 + 400000000006)', 1.3)} END AS channel) ch
    CROSS JOIN LATERAL (SELECT CASE WHEN u < 0.03 THEN 'closed' WHEN u < 0.06 THEN 'refunded'
                                    WHEN u < 0.09 THEN 'partially_refunded' WHEN u < 0.11 THEN 'shipped'
                                    WHEN u < 0.12 THEN 'paid' ELSE 'completed' END AS status
                        FROM (SELECT bench_u(o.id * 8 + 400000000007) AS u) d) st
    CROSS JOIN LATERAL (SELECT {amount} AS amount) a;
    SELECT setval(pg_get_serial_sequence('members_order', 'id'), (SELECT coalesce(max(id), 1) FROM members_order));
    """


def lines_sql() -> str:
    return f"""
    CREATE TEMP TABLE bench_product (i int PRIMARY KEY, sku text, title text, category text, price numeric);
    INSERT INTO bench_product VALUES {", ".join(f"({i}, '{s}', '{t}', '{c}', {p})" for i, s, t, c, p in products())};
    ANALYZE bench_product;
    INSERT INTO members_orderline (id, order_id, line_no, sku, title, category, quantity, price)
    SELECT o.id * 4 + j - 4, o.id, j, p.sku, p.title, p.category, bench_qty(o.id, j), p.price
    FROM members_order o
    CROSS JOIN LATERAL generate_series(1, bench_lines(o.id)) j
    JOIN bench_product p ON p.i = bench_product(o.id, j, bench_pref(o.member_id));
    SELECT setval(pg_get_serial_sequence('members_orderline', 'id'), (SELECT coalesce(max(id), 1) FROM members_orderline));
    """


def loyalty_sql() -> str:
    """Roles, accounts, levels, and the 积分/成长值 lots with their earn entries. Ids are derived from
    the member id (role = member, 积分 account = 2m-1, 成长值 account = 2m; entry = lot = 4m-3 … 4m)."""
    return """
    INSERT INTO loyalty_memberrole (id, member_id, role_type_id, status, started_on, created_at, updated_at)
    SELECT m.id, m.id, (SELECT id FROM loyalty_roletype WHERE code = 'consumer'), 'active',
           (m.registered_at AT TIME ZONE 'Asia/Shanghai')::date, m.registered_at, m.registered_at
    FROM members_member m WHERE m.status = 'active';
    SELECT setval(pg_get_serial_sequence('loyalty_memberrole', 'id'), (SELECT coalesce(max(id), 1) FROM loyalty_memberrole));
    CREATE UNLOGGED TABLE bench_lot AS
    SELECT b.member_id, x.k, x.type_code,
           CASE x.type_code WHEN 'points' THEN 2 * b.member_id - 1 ELSE 2 * b.member_id END AS account_id,
           4 * b.member_id - 4 + x.k AS id,
           (50 + floor(bench_u(b.member_id * 16 + 20 + x.k) * (200 + 40 * least(b.n, 40))))::bigint AS amount,
           x.earned_at,
           CASE WHEN x.type_code = 'growth' THEN NULL
                WHEN x.earned_at < timestamptz '2026-01-01 00:00+08' THEN timestamptz '2027-01-01 00:00+08'
                ELSE timestamptz '2028-01-01 00:00+08' END AS expires_at
    FROM bench_buyer b
    CROSS JOIN LATERAL (VALUES
        (1, 'points', timestamptz '2025-03-01 12:00+08' + bench_u(b.member_id * 16 + 24) * interval '290 days'),
        (2, 'points', timestamptz '2026-01-02 12:00+08' + bench_u(b.member_id * 16 + 25) * interval '150 days'),
        (3, 'points', timestamptz '2026-06-01 12:00+08' + bench_u(b.member_id * 16 + 26) * interval '185 days'),
        (4, 'growth', timestamptz '2026-01-02 12:00+08' + bench_u(b.member_id * 16 + 27) * interval '330 days')
    ) AS x(k, type_code, earned_at)
    WHERE b.n > 0;
    INSERT INTO loyalty_pointsaccount (id, member_id, member_role_id, account_type_id, status, merged_into_id,
        available, pending, lifetime_earned, opened_at, updated_at)
    SELECT CASE t.code WHEN 'points' THEN 2 * r.member_id - 1 ELSE 2 * r.member_id END, r.member_id, r.id, t.id,
           'active', NULL, coalesce(s.total, 0), 0, coalesce(s.total, 0), r.created_at, now()
    FROM loyalty_memberrole r
    CROSS JOIN loyalty_pointsaccounttype t
    LEFT JOIN (SELECT account_id, sum(amount) AS total FROM bench_lot GROUP BY account_id) s
        ON s.account_id = CASE t.code WHEN 'points' THEN 2 * r.member_id - 1 ELSE 2 * r.member_id END
    WHERE t.code IN ('points', 'growth');
    SELECT setval(pg_get_serial_sequence('loyalty_pointsaccount', 'id'), (SELECT coalesce(max(id), 1) FROM loyalty_pointsaccount));
    INSERT INTO loyalty_ledgerentry (id, account_id, kind, amount, pending_delta, lifetime_delta, unrecovered,
        order_id, rule_id, related_entry_id, merge_record_id, idempotency_key, reason, actor_id, actor_label,
        occurred_at, created_at)
    SELECT id, account_id, 'earn', amount, 0, amount, 0, NULL, NULL, NULL, NULL, 'bench:' || id, '消费获得', NULL,
           'bench', earned_at, earned_at
    FROM bench_lot;
    SELECT setval(pg_get_serial_sequence('loyalty_ledgerentry', 'id'), (SELECT coalesce(max(id), 1) FROM loyalty_ledgerentry));
    INSERT INTO loyalty_pointslot (id, account_id, entry_id, earn_entry_id, origin_lot_id, amount, remaining,
        expired_amount, state, earned_at, available_at, expires_at, expire_entry_id)
    SELECT id, account_id, id, id, NULL, amount, amount, 0, 'available', earned_at, NULL, expires_at, NULL
    FROM bench_lot;
    SELECT setval(pg_get_serial_sequence('loyalty_pointslot', 'id'), (SELECT coalesce(max(id), 1) FROM loyalty_pointslot));
    INSERT INTO loyalty_memberlevel (member_id, member_role_id, scheme_id, level_id, reached_at, next_review_on,
        floor_level_id, floor_until, floor_reason, updated_at)
    SELECT b.member_id, b.member_id, s.id, l.id, timestamptz '2026-01-01 00:00+08', date '2027-01-01', NULL, NULL, '', now()
    FROM bench_buyer b
    JOIN loyalty_levelscheme s ON s.code = 'consumer'
    JOIN loyalty_level l ON l.scheme_id = s.id AND l.rank = (
        SELECT CASE WHEN score >= 40 THEN 3 WHEN score >= 20 THEN 2 WHEN score >= 9 THEN 1 ELSE 0 END
        FROM (SELECT b.n + floor(bench_u(b.member_id * 16 + 28) * 10) AS score) sc);
    DROP TABLE bench_lot;
    """


# ---------------------------------------------------------------- indexes around the load


def _secondary(conn, tables) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """(indexes, unique constraints, foreign keys) of `tables` as (table, name, definition), so they can be
    dropped for the load and recreated exactly as the migrations made them."""
    indexes = conn.execute("""
        SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = ANY(%s) AND NOT x.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)""", [list(tables)]).fetchall()
    constraints = conn.execute("""
        SELECT t.relname, c.conname, pg_get_constraintdef(c.oid), c.contype
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE t.relname = ANY(%s) AND c.contype IN ('u', 'f')""", [list(tables)]).fetchall()
    uniques = [(t, n, d) for t, n, d, kind in constraints if kind == "u"]
    foreign = [(t, n, d) for t, n, d, kind in constraints if kind == "f"]
    return indexes, uniques, foreign


def drop_secondary(conn, saved) -> None:
    indexes, uniques, foreign = saved
    for table, name, _ in foreign + uniques:
        conn.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for _, name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')


def restore_secondary(conn, saved) -> None:
    """Recreate what drop_secondary dropped, printing the time of each kind and of the slowest one."""
    indexes, uniques, foreign = saved
    groups = {
        "unique constraints": [(n, f'ALTER TABLE "{t}" ADD CONSTRAINT "{n}" {d}') for t, n, d in uniques],
        "indexes": [(n, d) for _, n, d in indexes],
        "foreign keys (validated)": [(n, f'ALTER TABLE "{t}" ADD CONSTRAINT "{n}" {d}') for t, n, d in foreign],
    }
    for label, statements in groups.items():
        times = []
        for name, sql in statements:
            t = time.perf_counter()
            conn.execute(sql)
            times.append((time.perf_counter() - t, name))
        slowest = max(times, default=(0.0, "-"))
        print(f"  {len(times)} {label}: {sum(s for s, _ in times):.1f} s (slowest {slowest[1]}: {slowest[0]:.1f} s)",
              flush=True)


# ---------------------------------------------------------------- build / reuse


def database_name(members: int) -> str:
    return f"crm_tags_bench_{members}"


def built(url: str, members: int) -> dict | None:
    """The meta row of a complete build of this size and version, or None."""
    try:
        with psycopg.connect(url_for(url, database_name(members))) as conn:
            row = conn.execute("SELECT members, orders, lines, seconds, version FROM bench_tags_meta").fetchone()
    except psycopg.Error:
        return None
    if not row or row[0] != members or row[4] != VERSION:
        return None
    return {"members": row[0], "orders": row[1], "lines": row[2], "seconds": row[3]}


def build(url: str, members: int, orders_per_member: float) -> dict:
    started = time.perf_counter()
    db = recreate(url, database_name(members))
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"],
                   env=manage_env(db), check=True)
    print(f"migrated {database_name(members)} in {time.perf_counter() - started:.1f} s", flush=True)
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET work_mem = '256MB'")
        conn.execute("SET synchronous_commit = off")

        def step(label: str, sql: str) -> None:
            t = time.perf_counter()
            conn.execute(sql)
            print(f"  {label}: {time.perf_counter() - t:.1f} s", flush=True)

        saved = _secondary(conn, LOADED_TABLES)
        drop_secondary(conn, saved)
        step("helpers", helper_functions_sql())
        step("stores", stores_sql())
        step(f"{members:,} members", members_sql(members))
        step("order counts", buyers_sql(round(members * orders_per_member)))
        step("orders", orders_sql())
        step("order lines", lines_sql())
        step("loyalty", loyalty_sql())
        restore_secondary(conn, saved)
        step("clean up", DROP_HELPERS + "DROP TABLE bench_buyer;")
        step("vacuum analyze", "VACUUM ANALYZE")
        counts = conn.execute("SELECT (SELECT count(*) FROM members_order), "
                              "(SELECT count(*) FROM members_orderline)").fetchone()
        seconds = round(time.perf_counter() - started, 1)
        conn.execute("CREATE TABLE bench_tags_meta (members int, orders bigint, lines bigint, seconds float, "
                     "version int, built_at timestamptz DEFAULT now())")
        conn.execute("INSERT INTO bench_tags_meta (members, orders, lines, seconds, version) VALUES (%s, %s, %s, %s, %s)",
                     [members, counts[0], counts[1], seconds, VERSION])
    return {"members": members, "orders": counts[0], "lines": counts[1], "seconds": seconds}


def ensure(url: str, members: int, *, orders_per_member: float = 10.0, force: bool = False) -> tuple[str, dict]:
    """The URL of the bench database of this size, built first unless a complete build is there."""
    meta = None if force else built(url, members)
    if meta:
        print(f"reusing {database_name(members)}: {meta['members']:,} members, {meta['orders']:,} orders, "
              f"{meta['lines']:,} order lines (built in {meta['seconds']:.0f} s)", flush=True)
    else:
        meta = build(url, members, orders_per_member)
        print(f"built {database_name(members)}: {meta['members']:,} members, {meta['orders']:,} orders, "
              f"{meta['lines']:,} order lines in {meta['seconds']:.0f} s", flush=True)
    return url_for(url, database_name(members)), meta


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--orders-per-member", type=float, default=10.0)
    parser.add_argument("--force", action="store_true", help="rebuild even if a complete build is present")
    args = parser.parse_args()
    ensure(server_url(), args.members, orders_per_member=args.orders_per_member, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
