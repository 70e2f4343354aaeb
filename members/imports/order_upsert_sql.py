"""The orders half of `write_orders`: COPY the chunk into a staging table, then set-based SQL.

One `UPDATE … FROM` changes the orders whose values differ (never moving one back to an
earlier status), one `INSERT … SELECT` adds the new ones; Python never fetches or compares
stored orders row by row.
"""

from django.db import connection

_STAGE = "import_order_stage"
# The order fields an import writes, in the staging table's column order.
VALUE_COLUMNS = (
    "member_id", "source_profile_id", "store_id", "shop_name", "status", "raw_status", "is_deleted",
    "payable_amount", "paid_amount", "refunded_amount", "item_count", "ordered_at", "paid_at", "completed_at",
)
_CREATE = f"""
CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (
    channel varchar(16) NOT NULL, external_no varchar(64) NOT NULL,
    member_id bigint, source_profile_id bigint, store_id bigint, shop_name varchar(100) NOT NULL,
    status varchar(20) NOT NULL, raw_status varchar(64) NOT NULL, is_deleted boolean NOT NULL,
    payable_amount numeric(12, 2) NOT NULL, paid_amount numeric(12, 2) NOT NULL,
    refunded_amount numeric(12, 2) NOT NULL, item_count integer NOT NULL,
    ordered_at timestamptz, paid_at timestamptz, completed_at timestamptz,
    rank smallint NOT NULL, continuation boolean NOT NULL, fingerprint bigint
)"""


_STAGE_TYPES = [
    "text", "text", "int8", "int8", "int8", "text", "text", "text", "bool", "numeric", "numeric", "numeric", "int4",
    "timestamptz", "timestamptz", "timestamptz", "int2", "bool", "int8",
]


def _rank_sql(column: str, ranks: dict[str, int]) -> str:
    cases = " ".join(f"WHEN '{status}' THEN {rank}" for status, rank in ranks.items())
    return f"(CASE {column} {cases} ELSE 0 END)"


def upsert_orders(rows: list[tuple], ranks: dict[str, int]) -> tuple[dict[tuple[str, str], int], list[int], int]:
    """rows: one per order (channel, external_no, *values in VALUE_COLUMNS order, rank, continuation,
    fingerprint), the order numbers locked by the caller.

    Returns (created {(channel, no): id}, updated ids, stale count).
    """
    stored_rank = _rank_sql("o.status", ranks)
    same_key = "o.channel = s.channel AND o.external_no = s.external_no"
    # An export without buyer columns never unlinks an order: keep the stored person then.
    incoming = {c: f"s.{c}" for c in VALUE_COLUMNS}
    incoming["member_id"] = "COALESCE(s.member_id, o.member_id)"
    incoming["source_profile_id"] = "CASE WHEN s.member_id IS NULL THEN o.source_profile_id ELSE s.source_profile_id END"
    with connection.cursor() as cursor:
        cursor.execute(_CREATE)
        cursor.execute(f"TRUNCATE {_STAGE}")
        with cursor.copy(f"COPY {_STAGE} (channel, external_no, {', '.join(VALUE_COLUMNS)}, rank, continuation, "
                         "fingerprint) FROM STDIN") as copy:
            copy.set_types(_STAGE_TYPES)
            for row in rows:
                copy.write_row(row)
        # A temp table has no statistics: without them the planner may join the chunk against
        # the whole orders table by sequential scan, chunk after chunk, as the table grows.
        cursor.execute(f"ANALYZE {_STAGE}")
        # One probe of the orders table says how many of the chunk's orders exist; the updates
        # (and the insert) are skipped when there is nothing for them. A first import's chunks
        # match nothing and a changed re-import's match everything, so each usually skips one
        # side — each probe is 20,000 index lookups into a table of millions. The chunk's order
        # numbers are locked (lock_keys), so no other import adds one of them meanwhile.
        cursor.execute(
            f"SELECT count(*), count(*) FILTER (WHERE NOT s.continuation AND s.rank < {stored_rank}) "
            f"FROM {_STAGE} s JOIN members_order o ON {same_key}"
        )
        matched, stale = cursor.fetchone()
        updated = _update_matched(cursor, same_key, stored_rank, incoming) if matched else []
        created = _insert_new(cursor, same_key) if matched < len(rows) else {}
    return created, updated, stale


def _update_matched(cursor, same_key: str, stored_rank: str, incoming: dict[str, str]) -> list[int]:
    """Change the stored orders whose values differ; returns their ids."""
    assignments = ", ".join(f"{c} = {incoming[c]}" for c in VALUE_COLUMNS)
    stored = ", ".join(f"o.{c}" for c in VALUE_COLUMNS)
    wanted = ", ".join(incoming[c] for c in VALUE_COLUMNS)
    cursor.execute(
        f"UPDATE members_order o SET {assignments}, import_fingerprint = s.fingerprint, updated_at = now() "
        f"FROM {_STAGE} s "
        f"WHERE {same_key} AND NOT s.continuation AND s.rank >= {stored_rank} "
        f"AND ({stored}) IS DISTINCT FROM ({wanted}) RETURNING o.id"
    )
    updated = [pk for (pk,) in cursor.fetchall()]
    # Same values from other rows (an order first imported before fingerprints, another
    # export version): remember these rows, so the next import of them is skipped.
    cursor.execute(
        f"UPDATE members_order o SET import_fingerprint = s.fingerprint FROM {_STAGE} s "
        f"WHERE {same_key} AND NOT s.continuation AND s.rank >= {stored_rank} "
        "AND o.import_fingerprint IS DISTINCT FROM s.fingerprint"
    )
    return updated


def _insert_new(cursor, same_key: str) -> dict[tuple[str, str], int]:
    """Add the chunk's orders that are not stored yet; returns {(channel, no): id}."""
    columns = ", ".join(VALUE_COLUMNS)
    cursor.execute(
        f"INSERT INTO members_order (channel, external_no, {columns}, import_fingerprint, created_at, updated_at) "
        f"SELECT s.channel, s.external_no, {', '.join(f's.{c}' for c in VALUE_COLUMNS)}, "
        "CASE WHEN s.continuation THEN NULL ELSE s.fingerprint END, now(), now() "
        f"FROM {_STAGE} s WHERE NOT EXISTS (SELECT 1 FROM members_order o WHERE {same_key}) "
        "RETURNING id, channel, external_no"
    )
    return {(channel, number): pk for pk, channel, number in cursor.fetchall()}
