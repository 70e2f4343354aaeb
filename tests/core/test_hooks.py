"""core.hooks.Hook: connect once, call or iterate, send after commit, batch the sends of one operation."""

import pytest
from django.db import transaction

from core.hooks import Hook


class Boom(Exception):
    pass


def test_connecting_twice_keeps_one_item_in_connection_order():
    # given a hook with two items, the first connected twice
    hook = Hook("things")
    first, second = object(), object()
    hook.connect(first)
    hook.connect(second)
    hook.connect(first)

    # then each is there once, in the order first connected
    assert list(hook) == [first, second]
    assert len(hook) == 2


def test_disconnect_removes_the_item_and_ignores_an_unknown_one():
    hook = Hook("things")
    item = hook.connect(object())

    hook.disconnect(item)
    hook.disconnect(object())

    assert list(hook) == [] and not hook


def test_send_calls_every_handler_with_the_arguments():
    # given two handlers
    hook = Hook("happened")
    seen = []
    hook.connect(lambda **kwargs: seen.append(("a", kwargs)))
    hook.connect(lambda **kwargs: seen.append(("b", kwargs)))

    # when the owner sends
    hook.send(ids=[1])

    # then both ran, in order
    assert seen == [("a", {"ids": [1]}), ("b", {"ids": [1]})]


def test_a_handler_may_disconnect_itself_while_being_sent():
    hook = Hook("happened")
    seen = []

    def once(**kwargs):
        seen.append("once")
        hook.disconnect(once)

    hook.connect(once)
    hook.connect(lambda **kwargs: seen.append("always"))

    hook.send()
    hook.send()

    assert seen == ["once", "always", "always"]


def recorder(hook: Hook) -> list:
    calls = []
    hook.connect(lambda **kwargs: calls.append(kwargs))
    return calls


@pytest.mark.django_db
def test_send_on_commit_waits_for_the_commit_and_sorts_distinct_values(django_capture_on_commit_callbacks):
    hook = Hook("posted")
    calls = recorder(hook)

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            hook.send_on_commit(ids=[3, 1, 3], kinds=["b", "a"])
            assert calls == []  # not before the commit

    assert calls == [{"ids": [1, 3], "kinds": ["a", "b"]}]


@pytest.mark.django_db
def test_send_on_commit_sends_nothing_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    hook = Hook("posted")
    calls = recorder(hook)

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(Boom), transaction.atomic():
            hook.send_on_commit(ids=[1])
            raise Boom

    assert calls == []


@pytest.mark.django_db
def test_send_on_commit_with_nothing_in_it_sends_nothing(django_capture_on_commit_callbacks):
    hook = Hook("posted")
    calls = recorder(hook)

    with django_capture_on_commit_callbacks(execute=True):
        hook.send_on_commit(ids=[])

    assert calls == []


@pytest.mark.django_db
def test_a_batch_merges_its_sends_and_nested_batches_into_one(django_capture_on_commit_callbacks):
    hook = Hook("posted")
    calls = recorder(hook)

    @hook.batch()
    def write_one(pk):
        hook.send_on_commit(ids=[pk], kinds=["earn"])

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic(), hook.batch():
            write_one(2)
            write_one(1)
            hook.send_on_commit(ids=[2], kinds=["redeem"])

    assert calls == [{"ids": [1, 2], "kinds": ["earn", "redeem"]}]


@pytest.mark.django_db
def test_a_batch_still_announces_chunks_committed_before_it_failed(django_capture_on_commit_callbacks):
    # given a batch over two chunks, each in its own transaction, the second failing
    hook = Hook("posted")
    calls = recorder(hook)

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(Boom), hook.batch():
            with transaction.atomic():
                hook.send_on_commit(ids=[1])
            with transaction.atomic():
                hook.send_on_commit(ids=[2])
                raise Boom

    # then the committed chunk is not left unannounced (the failed one may be named too)
    assert len(calls) == 1 and 1 in calls[0]["ids"]


@pytest.mark.django_db
def test_a_batch_inside_a_rolled_back_transaction_sends_nothing(django_capture_on_commit_callbacks):
    hook = Hook("posted")
    calls = recorder(hook)

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(Boom), transaction.atomic(), hook.batch():
            hook.send_on_commit(ids=[1])
            raise Boom

    assert calls == []


@pytest.mark.django_db
def test_a_failing_handler_after_commit_is_logged_not_raised(django_capture_on_commit_callbacks, caplog):
    # given a handler that fails and one that works
    hook = Hook("posted")

    def broken(**kwargs):
        raise RuntimeError("downstream bug")

    hook.connect(broken)
    calls = recorder(hook)

    # when a committed change is announced
    with django_capture_on_commit_callbacks(execute=True):
        hook.send_on_commit(ids=[1])

    # then the caller sees no error, the failure is logged and the other handler still ran
    assert "posted handler" in caplog.text and "downstream bug" in caplog.text
    assert calls == [{"ids": [1]}]
