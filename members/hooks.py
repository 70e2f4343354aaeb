"""Extension points for higher apps. `members` calls them and never imports their handlers.

Higher apps (loyalty, tagging, ...) register in their AppConfig.ready():

    from members import hooks
    hooks.member_merged.connect(move_points_on_merge)

Handlers run inside the caller's transaction, so a failing handler rolls the whole
merge back: a merge never leaves points or tags behind.
"""

from core.hooks import Hook

member_merged = Hook("member_merged", "handler(record: MergeRecord) after absorbed moved into survivor")
member_unmerged = Hook("member_unmerged", "handler(record: MergeRecord) after the merge was undone")
orders_changed = Hook("orders_changed", "handler(order_ids: list[int], source: str) after orders were created or changed")
