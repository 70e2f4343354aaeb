"""The workspace bench's baseline (bench/workspace.py): "PostgREST-like" bare queries for the same data
the card, the search and the home page show — hand-written SQL through a cursor, no ORM, template or
serializer — and the check that the API's card holds the same rows."""

from __future__ import annotations

from datetime import timedelta

SHOWN_ACCOUNTS = ("tmall_nick", "tmall_ouid", "jd_account", "wechat_unionid", "pos_card", "mall_user", "external_id")
SHOWN_ELSEWHERE = ("tag_on", "tag_off", "consent", "follow_up", "out_of_scope")


def scope_sql(viewer: str = "%(viewer)s", since: str = "%(since)s", stores: str | None = None) -> str:
    """members/scope.py's condition written by hand (like a row-level security policy). `stores`: an
    SQL array of the viewer's store ids read beforehand, instead of the subquery on their stores."""
    match = f"= ANY({stores})" if stores else f"IN (SELECT store_id FROM members_staffstore WHERE user_id = {viewer})"
    return f"""(m.home_store_id {match}
        OR EXISTS (SELECT 1 FROM members_order o WHERE o.member_id = m.id AND o.store_id {match}
                   AND o.ordered_at >= {since})
        OR EXISTS (SELECT 1 FROM members_guidebinding g WHERE g.member_id = m.id AND g.ended_at IS NULL
                   AND (g.guide_id = {viewer} OR g.guide_id IN (
                        SELECT user_id FROM members_staffstore WHERE store_id IN (
                            SELECT store_id FROM members_staffstore WHERE user_id = {viewer} AND role = 'manager')))))"""


def member_sql(scoped: bool) -> str:
    return f"""
    SELECT m.id, m.code, m.name, m.gender, m.birthday, m.mobile, m.province, m.city, m.district,
           m.registered_channel, m.registered_at, s.code, s.name, b.guide_id, coalesce(u.first_name, u.username),
           b.bound_at, c.status, c.recorded_at,
           ARRAY(SELECT json_build_object('kind', i.kind, 'value', i.value, 'channel', i.channel)
                 FROM members_identity i WHERE i.member_id = m.id AND i.kind = ANY(%(kinds)s) ORDER BY i.kind, i.value),
           EXISTS (SELECT 1 FROM members_staffstore ss JOIN members_store st ON st.id = ss.store_id
                   WHERE ss.user_id = %(viewer)s AND st.guides_may_bind)
    FROM members_member m
    LEFT JOIN members_store s ON s.id = m.home_store_id
    LEFT JOIN members_guidebinding b ON b.member_id = m.id AND b.ended_at IS NULL
    LEFT JOIN auth_user u ON u.id = b.guide_id
    LEFT JOIN LATERAL (SELECT status, recorded_at FROM members_consentrecord
                       WHERE member_id = m.id AND channel = 'sms' ORDER BY recorded_at DESC, id DESC LIMIT 1) c ON true
    WHERE m.code = %(code)s AND m.status = 'active' {"AND " + scope_sql() if scoped else ""}"""


LEVELS_SQL = """
    SELECT ml.id, rt.name, s.name, s.code, s.metric, t.name, l.name, l.rank, ml.reached_at, ml.next_review_on,
           nl.name, nl.upgrade_threshold,
           ARRAY(SELECT b.name FROM loyalty_level_benefits lb JOIN loyalty_benefit b ON b.id = lb.benefit_id
                 WHERE lb.level_id = l.id AND b.active ORDER BY b.id),
           mv.value
    FROM loyalty_memberlevel ml
    JOIN loyalty_memberrole r ON r.id = ml.member_role_id AND r.status = 'active'
    JOIN loyalty_roletype rt ON rt.id = r.role_type_id
    JOIN loyalty_levelscheme s ON s.id = ml.scheme_id
    LEFT JOIN loyalty_pointsaccounttype t ON t.id = s.account_type_id
    JOIN loyalty_level l ON l.id = ml.level_id
    LEFT JOIN LATERAL (SELECT name, upgrade_threshold FROM loyalty_level
                       WHERE scheme_id = ml.scheme_id AND rank > l.rank ORDER BY rank LIMIT 1) nl ON true
    LEFT JOIN LATERAL (  -- the bench schemes' metric (window_earned): growth earned in the last 12 months
        SELECT coalesce(sum(e.lifetime_delta), 0) AS value FROM loyalty_pointsaccount a
        JOIN loyalty_ledgerentry e ON e.account_id = a.id AND e.kind IN ('earn', 'clawback', 'adjust')
             AND e.occurred_at >= %(window_from)s AND e.occurred_at < %(now)s
        WHERE (a.member_role_id = ml.member_role_id AND a.account_type_id = s.account_type_id)
           OR a.merged_into_id = (SELECT id FROM loyalty_pointsaccount
                                  WHERE member_role_id = ml.member_role_id AND account_type_id = s.account_type_id)
    ) mv ON nl.name IS NOT NULL AND s.metric = 'window_earned'
    WHERE ml.member_id = %(member)s ORDER BY ml.scheme_id"""

POINTS_SQL = """
    SELECT a.id, t.name, t.code, a.available, a.pending, a.lifetime_earned,
           ARRAY(SELECT json_build_object('at', expires_at, 'points', sum(remaining)) FROM loyalty_pointslot
                 WHERE account_id = a.id AND state = 'available' AND remaining > 0
                   AND expires_at > %(now)s AND expires_at <= %(until)s
                 GROUP BY expires_at ORDER BY expires_at)
    FROM loyalty_pointsaccount a JOIN loyalty_pointsaccounttype t ON t.id = a.account_type_id
    WHERE a.member_id = %(member)s AND a.status = 'active' ORDER BY a.account_type_id"""

HABITS_SQL = """
    SELECT x.as_of, x.orders_365d, x.paid_365d, x.orders_total, x.paid_total, x.average_order_value,
           x.purchase_interval_days, x.first_order_date, x.last_order_date, x.channels, x.refund_rate,
           (WITH recent AS (SELECT o.id, o.store_id, o.channel FROM members_order o
                            WHERE o.member_id = x.member_id AND NOT o.is_deleted
                              AND o.paid_amount > o.refunded_amount AND o.ordered_at >= %(year_ago)s)
            SELECT json_build_object(
                'category', (SELECT json_agg(c) FROM (SELECT l.category, sum(l.price * l.quantity) FROM recent r
                             JOIN members_orderline l ON l.order_id = r.id WHERE l.category <> ''
                             GROUP BY l.category ORDER BY 2 DESC LIMIT 3) c),
                'store', (SELECT json_agg(s) FROM (SELECT st.name, count(*) FROM recent r
                          JOIN members_store st ON st.id = r.store_id GROUP BY st.name ORDER BY 2 DESC LIMIT 3) s),
                'channel', (SELECT json_agg(h) FROM (SELECT channel, count(*) FROM recent
                            GROUP BY channel ORDER BY 2 DESC) h)))
    FROM insights_membermetrics x WHERE x.member_id = %(member)s"""

TAGS_SQL = """
    SELECT tm.id, tm.tag_id, t.code, t.name, t.colour, c.name, t.kind, tm.value, tm.since, tm.ends_on, t.guide_usable
    FROM tagging_tagmembership tm JOIN tagging_tag t ON t.id = tm.tag_id
    JOIN tagging_tagcategory c ON c.id = t.category_id
    WHERE tm.member_id = %(member)s ORDER BY c.sort_order, t.category_id, t.code, tm.value"""

VALUES_SQL = """
    SELECT v.tier, v.score, v.as_of, v.detail, mo.name, mo.code, mo.kind, mo.config, r.summary -> 'metrics'
    FROM insights_membervalue v JOIN insights_valuemodel mo ON mo.id = v.model_id AND mo.active
    LEFT JOIN insights_modelrun r ON r.model_id = v.model_id AND r.as_of = v.as_of
    WHERE v.member_id = %(member)s ORDER BY mo.kind, mo.id"""

TIMELINE_SQL = f"""
    WITH page AS (
        SELECT coalesce(o.ordered_at, o.paid_at, o.created_at) AS at, 'order' AS kind, o.id AS ref,
               jsonb_build_object('channel', o.channel, 'no', o.external_no, 'status', o.status, 'store', st.name,
                                  'shop', o.shop_name, 'paid', o.paid_amount::text,
                                  'refunded', o.refunded_amount::text, 'items', o.item_count) AS data
        FROM members_order o LEFT JOIN members_store st ON st.id = o.store_id
        WHERE o.member_id = %(member)s AND NOT o.is_deleted
        UNION ALL
        SELECT c.recorded_at, 'consent', c.id, jsonb_build_object('channel', c.channel, 'status', c.status,
               'source', c.source, 'actor', u.username)
        FROM members_consentrecord c LEFT JOIN auth_user u ON u.id = c.actor_id WHERE c.member_id = %(member)s
        UNION ALL
        SELECT e.occurred_at, 'points', e.id, jsonb_build_object('entry_kind', e.kind, 'amount', e.amount,
               'pending', e.pending_delta, 'type', t.name, 'reason', e.reason, 'order', eo.external_no,
               'actor', e.actor_label)
        FROM loyalty_pointsaccount a JOIN loyalty_ledgerentry e ON e.account_id = a.id
        JOIN loyalty_pointsaccounttype t ON t.id = a.account_type_id
        LEFT JOIN members_order eo ON eo.id = e.order_id WHERE a.member_id = %(member)s
        UNION ALL
        SELECT lc.created_at, 'level', lc.id, jsonb_build_object('change', lc.kind, 'scheme', s.name, 'to', tl.name,
               'source', fl.name, 'metric', lc.metric_value::text, 'rule', lc.rule, 'actor', lc.actor_label)
        FROM loyalty_levelchange lc JOIN loyalty_levelscheme s ON s.id = lc.scheme_id
        JOIN loyalty_level tl ON tl.id = lc.to_level_id LEFT JOIN loyalty_level fl ON fl.id = lc.from_level_id
        WHERE lc.member_id = %(member)s
        UNION ALL
        SELECT tc.at, 'tag', tc.id, jsonb_build_object('added', tc.added, 'tag', t.name, 'value', tc.value,
               'reason', tc.reason, 'actor', tc.actor_label)
        FROM tagging_tagchange tc JOIN tagging_tag t ON t.id = tc.tag_id WHERE tc.member_id = %(member)s
        UNION ALL
        SELECT f.created_at, 'follow_up', f.id, jsonb_build_object('way', f.kind, 'text', f.text,
               'remind_on', f.remind_on, 'author', u.username)
        FROM workspace_followup f JOIN auth_user u ON u.id = f.author_id WHERE f.member_id = %(member)s
        UNION ALL
        SELECT sa.at, 'staff_action', sa.id, jsonb_build_object('action', sa.kind, 'reason', sa.reason,
               'actor', u.username)
        FROM workspace_staffaction sa JOIN auth_user u ON u.id = sa.actor_id
        WHERE sa.member_id = %(member)s AND sa.kind NOT IN {SHOWN_ELSEWHERE}
        ORDER BY 1 DESC, 3 DESC LIMIT 21)
    SELECT p.at, p.kind, p.ref, p.data,
           CASE WHEN p.kind = 'order' THEN ARRAY(
               SELECT json_build_object('title', l.title, 'category', l.category, 'quantity', l.quantity,
                                        'price', l.price::text)
               FROM members_orderline l WHERE l.order_id = p.ref ORDER BY l.line_no LIMIT 5) END
    FROM page p ORDER BY p.at DESC, p.ref DESC"""


def bare_card(code: str, viewer_id: int, scoped: bool, now) -> dict | None:
    """The card's data by hand: seven statements, rows as the driver returns them."""
    from django.db import connection

    from loyalty.calendar import end_of_day, local_date

    today = local_date(now)
    params = {"code": code, "viewer": viewer_id, "kinds": list(SHOWN_ACCOUNTS), "since": now - timedelta(days=365)}
    with connection.cursor() as cursor:
        cursor.execute(member_sql(scoped), params)
        member = cursor.fetchone()
        if member is None:
            return None
        params = {"member": member[0], "now": now, "year_ago": now - timedelta(days=365),
                  "until": end_of_day(today + timedelta(days=60)),
                  "window_from": _months_back(now, 12)}
        card = {"member": member}
        for key, statement in (("levels", LEVELS_SQL), ("points", POINTS_SQL), ("habits", HABITS_SQL),
                               ("tags", TAGS_SQL), ("values", VALUES_SQL), ("timeline", TIMELINE_SQL)):
            cursor.execute(statement, params)
            card[key] = cursor.fetchall()
    return card


def _months_back(now, months: int):
    from loyalty.calendar import SHANGHAI, add_months_keep_day

    local = now.astimezone(SHANGHAI)
    day = add_months_keep_day(local.date(), -months)
    return local.replace(year=day.year, month=day.month, day=day.day)


def search_sql(kind: str, scoped: bool, stores_first: bool = False) -> str:
    match = "m.mobile = %(q)s" if kind == "mobile" else "right(m.mobile, 4) = %(q)s"
    scope = "AND " + scope_sql(stores="%(stores)s" if stores_first else None) if scoped else ""
    return f"""
    SELECT m.code, m.name, m.mobile,
           ARRAY(SELECT l.name FROM loyalty_memberlevel ml JOIN loyalty_memberrole r ON r.id = ml.member_role_id
                 JOIN loyalty_level l ON l.id = ml.level_id
                 WHERE ml.member_id = m.id AND r.status = 'active' ORDER BY ml.scheme_id),
           (SELECT last_order_date FROM insights_membermetrics WHERE member_id = m.id)
    FROM members_member m WHERE {match} AND m.status = 'active' {scope}
    ORDER BY m.name, m.id LIMIT 20"""


def bare_search(kind: str, q: str, viewer_id: int, scoped: bool, now, stores_first: bool = False) -> list[tuple]:
    """The search's rows by hand; `stores_first`: the viewer's store ids read by a statement of their own
    and passed as an array (what the scope's plan needs to probe orders per candidate, see the docs)."""
    from django.db import connection

    params = {"q": q, "viewer": viewer_id, "since": now - timedelta(days=365)}
    with connection.cursor() as cursor:
        if stores_first:
            cursor.execute("SELECT array_agg(store_id) FROM members_staffstore WHERE user_id = %s", [viewer_id])
            params["stores"] = cursor.fetchone()[0] or []
        cursor.execute(search_sql(kind, scoped, stores_first), params)
        return cursor.fetchall()


HOME_SQL = (
    """SELECT f.id, f.kind, f.text, f.remind_on, m.code, m.name, m.mobile FROM workspace_followup f
       JOIN members_member m ON m.id = f.member_id
       WHERE f.author_id = %(viewer)s AND f.remind_on <= %(today)s AND f.reminder_done_at IS NULL
       ORDER BY f.remind_on, f.id LIMIT 50""",
    # the latest 30 orders of each of the user's stores by the (store, ordered_at DESC) index, then the latest 30
    """SELECT o.member_id, o.ordered_at, o.paid_amount, s.name, m.code, m.name, m.mobile
       FROM members_staffstore ss JOIN members_store s ON s.id = ss.store_id
       CROSS JOIN LATERAL (SELECT o.member_id, o.ordered_at, o.paid_amount FROM members_order o
                           JOIN members_member m ON m.id = o.member_id AND m.status = 'active'
                           WHERE o.store_id = ss.store_id AND NOT o.is_deleted AND o.ordered_at <= %(now)s
                           ORDER BY o.ordered_at DESC LIMIT 30) o
       JOIN members_member m ON m.id = o.member_id
       WHERE ss.user_id = %(viewer)s ORDER BY o.ordered_at DESC LIMIT 30""",
    """SELECT ss.id, s.code, s.name FROM members_staffstore ss JOIN members_store s ON s.id = ss.store_id
       WHERE ss.user_id = %(viewer)s AND ss.role = 'manager'""",
)


def bare_home(viewer_id: int, now) -> list[list[tuple]]:
    from django.db import connection

    from loyalty.calendar import local_date

    params = {"viewer": viewer_id, "today": local_date(now), "now": now}
    with connection.cursor() as cursor:
        out = []
        for statement in HOME_SQL:
            cursor.execute(statement, params)
            out.append(cursor.fetchall())
    return out


# ---------------------------------------------------------------- checks of the baseline against the API


def card_mismatches(api: dict, bare: dict) -> list[str]:
    """What the API's card and the bare queries disagree on (counts of rows per section; the code)."""
    found = []
    if api["profile"]["code"] != bare["member"][1]:
        found.append("code")
    for key, rows in (("levels", bare["levels"]), ("points", bare["points"]), ("tags", bare["tags"]),
                      ("values", bare["values"])):
        if len(api.get(key) or []) != len(rows):
            found.append(f"{key} {len(api.get(key) or [])} vs {len(rows)}")
    entries = api["timeline"]["entries"]
    if len(entries) != min(len(bare["timeline"]), 20) or api["timeline"]["has_next"] != (len(bare["timeline"]) > 20):
        found.append(f"timeline {len(entries)} vs {len(bare['timeline'])}")
    elif [e["kind"] for e in entries] != [row[1] for row in bare["timeline"][:20]]:
        found.append("timeline kinds")
    return found
