"""Extension points for higher apps. `members` calls them and never imports their handlers.

Higher apps (loyalty, tagging, ...) register in their AppConfig.ready():

    from members import hooks
    hooks.member_merged.connect(move_points_on_merge)

Handlers run inside the caller's transaction, so a failing handler rolls the whole
merge back: a merge never leaves points or tags behind.
"""

from collections.abc import Callable


class Hook:
    def __init__(self, name: str, doc: str):
        self.name = name
        self.__doc__ = doc
        self._handlers: list[Callable] = []

    def connect(self, handler: Callable) -> Callable:
        if handler not in self._handlers:
            self._handlers.append(handler)
        return handler

    def disconnect(self, handler: Callable) -> None:
        if handler in self._handlers:
            self._handlers.remove(handler)

    def send(self, **kwargs) -> None:
        for handler in list(self._handlers):
            handler(**kwargs)


member_merged = Hook("member_merged", "handler(record: MergeRecord) after absorbed moved into survivor")
member_unmerged = Hook("member_unmerged", "handler(record: MergeRecord) after the merge was undone")
orders_changed = Hook("orders_changed", "handler(order_ids: list[int], source: str) after orders were created or changed")
