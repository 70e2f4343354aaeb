"""SQL of the PostgreSQL fast path: two plpgsql functions (installed by migration 0003).

Each is one round trip in autocommit. Inside, every statement takes a fresh snapshot (VOLATILE
plpgsql), so what is read after `FOR UPDATE` is current. They write only the plain case and answer
'fallback' for everything else (debt, lots to catch up, a used key, a merged account), which the
ORM services then handle inside a transaction; the rules stay in one place.
"""

# The account type settings an earn depends on; the caller's cached copy must still match.
TYPE_SIGNATURE = ("md5(concat_ws('|', t.active, t.expiry_policy, t.expiry_days, t.clearing_month, t.clearing_day, "
                  "t.clearing_keep_years, t.fixed_expiry_date, t.pending_days, t.allow_negative))")

CREATE_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION loyalty_fast_earn(
    p_account bigint, p_points bigint, p_occurred timestamptz, p_key text, p_order bigint, p_rule bigint,
    p_reason text, p_actor integer, p_actor_label text, p_created timestamptz,
    p_now timestamptz, p_type_ids bigint[], p_signatures text[], p_available_at timestamptz[],
    p_expires_at timestamptz[]
) RETURNS TABLE (status text, entry_id bigint, is_pending boolean) LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    v_available bigint; v_status text; v_type bigint; i int; v_entry bigint; v_pending boolean;
BEGIN
    SELECT a.available, a.status, a.account_type_id INTO v_available, v_status, v_type
    FROM loyalty_pointsaccount a WHERE a.id = p_account FOR UPDATE;
    IF NOT FOUND THEN RETURN QUERY SELECT 'missing'::text, NULL::bigint, NULL::boolean; RETURN; END IF;
    IF v_status <> 'active' OR v_available < 0 THEN RETURN QUERY SELECT 'fallback'::text, NULL::bigint, NULL::boolean; RETURN; END IF;
    i := array_position(p_type_ids, v_type);
    IF i IS NULL OR NOT EXISTS (SELECT 1 FROM loyalty_pointsaccounttype t
                                WHERE t.id = v_type AND t.active AND {TYPE_SIGNATURE} = p_signatures[i]) THEN
        RETURN QUERY SELECT 'stale'::text, NULL::bigint, NULL::boolean; RETURN;
    END IF;
    v_pending := p_available_at[i] IS NOT NULL AND p_available_at[i] > p_now;
    INSERT INTO loyalty_ledgerentry (account_id, kind, amount, pending_delta, lifetime_delta, unrecovered, order_id,
                                     rule_id, idempotency_key, reason, actor_id, actor_label, occurred_at, created_at)
    VALUES (p_account, 'earn', CASE WHEN v_pending THEN 0 ELSE p_points END, CASE WHEN v_pending THEN p_points ELSE 0 END,
            p_points, 0, p_order, p_rule, p_key, p_reason, p_actor, p_actor_label, p_occurred, p_created)
    ON CONFLICT DO NOTHING
    RETURNING id INTO v_entry;
    IF v_entry IS NULL THEN RETURN QUERY SELECT 'fallback'::text, NULL::bigint, NULL::boolean; RETURN; END IF;
    INSERT INTO loyalty_pointslot (account_id, entry_id, earn_entry_id, amount, remaining, expired_amount, state,
                                   earned_at, available_at, expires_at)
    VALUES (p_account, v_entry, v_entry, p_points, p_points, 0, CASE WHEN v_pending THEN 'pending' ELSE 'available' END,
            p_occurred, p_available_at[i], p_expires_at[i]);
    UPDATE loyalty_pointsaccount
    SET available = available + CASE WHEN v_pending THEN 0 ELSE p_points END,
        pending = pending + CASE WHEN v_pending THEN p_points ELSE 0 END,
        lifetime_earned = lifetime_earned + p_points, updated_at = p_created
    WHERE id = p_account;
    RETURN QUERY SELECT 'written'::text, v_entry, v_pending;
END
$fn$;

CREATE OR REPLACE FUNCTION loyalty_fast_redeem(
    p_account bigint, p_points bigint, p_key text, p_reason text, p_actor integer, p_actor_label text,
    p_now timestamptz, p_created timestamptz
) RETURNS TABLE (status text, entry_id bigint) LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    v_available bigint; v_status text; v_entry bigint;
BEGIN
    SELECT a.available, a.status INTO v_available, v_status
    FROM loyalty_pointsaccount a WHERE a.id = p_account FOR UPDATE;
    IF NOT FOUND THEN RETURN QUERY SELECT 'missing'::text, NULL::bigint; RETURN; END IF;
    IF v_status <> 'active' OR v_available < p_points
       OR EXISTS (SELECT 1 FROM loyalty_ledgerentry e WHERE e.account_id = p_account AND e.idempotency_key = p_key)
       OR EXISTS (SELECT 1 FROM loyalty_pointslot l WHERE l.account_id = p_account AND l.remaining > 0
                  AND l.expires_at <= p_now)
       OR EXISTS (SELECT 1 FROM loyalty_pointslot l WHERE l.account_id = p_account AND l.state = 'pending'
                  AND l.available_at <= p_now) THEN
        RETURN QUERY SELECT 'fallback'::text, NULL::bigint; RETURN;
    END IF;
    INSERT INTO loyalty_ledgerentry (account_id, kind, amount, pending_delta, lifetime_delta, unrecovered,
                                     idempotency_key, reason, actor_id, actor_label, occurred_at, created_at)
    VALUES (p_account, 'redeem', -p_points, 0, 0, 0, p_key, p_reason, p_actor, p_actor_label, p_now, p_created)
    RETURNING id INTO v_entry;
    -- nearest expiry first (never-expiring last), then the oldest, then the first written
    WITH open_lots AS (
        SELECT id, remaining,
               sum(remaining) OVER (ORDER BY expires_at IS NULL, coalesce(expires_at, earned_at), earned_at, id) AS running
        FROM loyalty_pointslot
        WHERE account_id = p_account AND remaining > 0 AND state = 'available'
    ),
    plan AS (
        SELECT id, least(remaining, p_points - (running - remaining)) AS take FROM open_lots
        WHERE running - remaining < p_points
    ),
    allocations AS (
        INSERT INTO loyalty_lotallocation (entry_id, lot_id, amount) SELECT v_entry, plan.id, plan.take FROM plan
    )
    UPDATE loyalty_pointslot l SET remaining = l.remaining - plan.take FROM plan WHERE l.id = plan.id;
    UPDATE loyalty_pointsaccount SET available = available - p_points, updated_at = p_created WHERE id = p_account;
    RETURN QUERY SELECT 'written'::text, v_entry;
END
$fn$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS loyalty_fast_earn(bigint, bigint, timestamptz, text, bigint, bigint, text, integer, text,
    timestamptz, timestamptz, bigint[], text[], timestamptz[], timestamptz[]);
DROP FUNCTION IF EXISTS loyalty_fast_redeem(bigint, bigint, text, text, integer, text, timestamptz, timestamptz);
"""
