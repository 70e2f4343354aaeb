"""The import's read-ahead thread: same items, same order, errors where they happened, stops when closed."""

import threading

import pytest

from members.imports.read_ahead import read_ahead


def test_items_arrive_in_order_each_prepared_once():
    # given
    prepared = []

    # when
    items = list(read_ahead(iter(range(50)), prepare=prepared.append, depth=2))

    # then
    assert items == list(range(50))
    assert prepared == list(range(50))


def test_an_error_in_the_producer_is_raised_after_the_items_before_it():
    # given
    def source():
        yield 1
        yield 2
        raise ValueError("第 3 行无法解码")

    # when
    seen = []
    with pytest.raises(ValueError, match="第 3 行"):
        for item in read_ahead(source()):
            seen.append(item)

    # then
    assert seen == [1, 2]


def test_closing_early_stops_the_producer_thread():
    # given
    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    stream = read_ahead(endless(), depth=2)

    # when
    assert next(stream) == 0
    stream.close()

    # then: the producer stopped within a few items of the consumer and is gone
    assert len(produced) <= 5
    assert not any(t.name == "import-read-ahead" for t in threading.enumerate())
