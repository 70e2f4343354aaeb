"""Produce the next chunks of an import in a background thread while this one is written.

An import alternates between Python (reading, parsing, cleaning) and PostgreSQL (writing);
run one after the other, a 2-core machine keeps about one core busy. The producer thread
reads and prepares chunks ahead while the main thread waits for the database, which releases
the GIL. A thread rather than a process: a chunk handed over costs nothing, whereas pickling
it to another process costs about what parsing it does (tried, see docs/benchmarks.md).

The producer must not touch the database: Django connections belong to their thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")
_END = object()


def read_ahead(items: Iterator[T], *, prepare: Callable[[T], None] | None = None, depth: int = 2) -> Iterator[T]:
    """Yield `items` in order, produced (and `prepare`d) up to `depth` ahead in a thread.

    An exception in the producer (a file error mid-way) is raised here, at the point in the
    stream where it happened. Closing the generator early stops the producer.
    """
    handed: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand(kind, value) -> bool:
        while not stop.is_set():
            try:
                handed.put((kind, value), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if prepare is not None:
                    prepare(item)
                if not hand("item", item):
                    return
            hand("end", _END)
        except BaseException as error:  # handed to the consumer, raised there
            hand("error", error)

    producer = threading.Thread(target=produce, name="import-read-ahead", daemon=True)
    producer.start()
    try:
        while True:
            kind, value = handed.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        producer.join()  # it stops at its next hand-over; the file must stay open until then
