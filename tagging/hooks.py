"""Events tagging sends to higher apps (insights, campaigns), which connect in their
AppConfig.ready() and are never imported here:

    from tagging import hooks
    hooks.tags_changed.connect(refresh_segments)

- `tags_changed(member_ids, tag_ids)`: these members gained or lost these tags (each change with a
  TagChange row saying why).

Sent after the transaction that wrote the change commits (`Hook.send_on_commit`), once per
operation, never when it rolls back: a handler's bug cannot undo a tag change.
"""

from core.hooks import Hook

tags_changed = Hook("tags_changed", "handler(member_ids: list[int], tag_ids: list[int]) after tag changes committed")
