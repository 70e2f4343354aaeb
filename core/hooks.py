"""The one extension point type: a lower app owns a `Hook`, higher apps connect to it in their
AppConfig.ready(), and the lower app never imports them.

A hook holds an ordered set of connected items (connecting twice is a no-op, so a ready() that
runs again changes nothing). The owner either calls them — an event:

    orders_changed = Hook("orders_changed", "handler(order_ids, source)")
    orders_changed.connect(award_points)          # higher app
    orders_changed.send(order_ids=ids, source=s)  # owner

or iterates over them — a registry of providers, admin inlines, ...:

    for provider in multiplier_providers: ...

Events about committed data use `send_on_commit`: the handlers run once the transaction commits
(never if it rolls back), and `batch()` merges the sends of one operation into one.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


class Hook:
    def __init__(self, name: str, doc: str = ""):
        self.name = name
        self.__doc__ = doc
        self._items: list = []
        self._batch: ContextVar[dict[str, set] | None] = ContextVar(f"hook {name} batch", default=None)

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._items)} connected>"

    def connect(self, item: Any) -> Any:
        """Add `item` (once); returns it, so `@hook.connect` works on a function."""
        if item not in self._items:
            self._items.append(item)
        return item

    def disconnect(self, item: Any) -> None:
        if item in self._items:
            self._items.remove(item)

    def __iter__(self) -> Iterator:
        return iter(list(self._items))  # a copy: an item may disconnect itself meanwhile

    def __len__(self) -> int:
        return len(self._items)

    def send(self, **kwargs) -> None:
        """Call every connected handler now, in connection order; an error propagates to the sender."""
        for handler in self:
            handler(**kwargs)

    def send_on_commit(self, **collections: Iterable) -> None:
        """Send after the current transaction commits (at once outside one; never if it rolls back),
        each argument as a sorted list of its distinct values. Nothing is sent when all are empty.

        Inside `batch()` the values join the batch's single send instead. A handler that fails then
        is logged, not raised, and the others still run: the data is committed, and neither the
        caller nor the other handlers must think otherwise.
        """
        pending = self._batch.get()
        if pending is None:
            self._send_after_commit({name: set(values) for name, values in collections.items()})
            return
        for name, values in collections.items():
            pending[name].update(values)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Merge every `send_on_commit` made inside the block (nested blocks included) into one,
        registered when the outermost block ends. Also a decorator: `@hook.batch()`.

        Put the block inside the transaction it announces (under `@transaction.atomic`): if that
        rolls back, the send goes with it. The send is registered even when the block raises, so a
        block spanning several transactions (a loop of committed chunks) never leaves one
        unannounced; at worst a handler then hears of an id whose change was rolled back.
        """
        if self._batch.get() is not None:
            yield  # the outer block sends
            return
        pending: dict[str, set] = defaultdict(set)
        token = self._batch.set(pending)
        try:
            yield
        finally:
            self._batch.reset(token)
            self._send_after_commit(pending)

    def _send_after_commit(self, collections: dict[str, set]) -> None:
        if not any(collections.values()):
            return
        arguments = {name: sorted(values) for name, values in collections.items()}

        def send_after_commit() -> None:
            for handler in self:
                try:
                    handler(**arguments)
                except Exception:  # one handler's bug must not silence the others
                    logger.exception("%s handler %r failed after commit", self.name, handler)

        transaction.on_commit(send_after_commit)
