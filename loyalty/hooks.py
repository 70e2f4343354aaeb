"""Events loyalty sends to higher apps (tagging, insights, campaigns), which connect in their
AppConfig.ready() and are never imported here:

    from loyalty import hooks
    hooks.points_posted.connect(refresh_point_tags)

- `points_posted(account_ids, kinds)`: ledger entries were written for these points accounts;
  `kinds` are the `EntryKind` values written (earn, redeem, reversal, adjust, clawback, expire,
  unlock, merge_out/in, unmerge_out/in).
- `levels_changed(member_level_ids)`: these `MemberLevel` rows changed level or floor, each with a
  `LevelChange` saying why (initial level, upgrade, review, manual, merge, unmerge).

Both are sent AFTER the transaction that wrote the change commits (`Hook.send_on_commit`), never
inside it, and not at all when it rolls back. So a handler sees committed data only, its work
(recomputing tags, metrics, campaign triggers) can never roll back — nor repeat by a retry — an
earn, a redemption or an import chunk, and a failing handler is logged while the others still
run. Points are never lost or duplicated by a handler; a handler must itself be idempotent and
cheap per id (enqueue a task for heavy work), as the same id may come again in a later send.

One send per operation, not per row: a service merges what it writes into one send (a
`points_posted.batch()` inside its transaction), an order import chunk, a daily job chunk and a
review chunk each send once per chunk transaction. Arguments are sorted lists of distinct values.
Where the sends are issued: for points, the ledger's `post`, bulk earn, the earn/redeem fast paths
and the set-based expiry/unlock jobs; for levels, the writers in `levels.services` and the review.
"""

from core.hooks import Hook

points_posted = Hook(
    "points_posted", "handler(account_ids: list[int], kinds: list[str]) after ledger entries committed"
)
levels_changed = Hook("levels_changed", "handler(member_level_ids: list[int]) after member levels changed (committed)")
