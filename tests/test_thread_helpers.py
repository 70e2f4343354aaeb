"""The thread helpers every concurrency test relies on: a thread that never finishes, or never
reaches the starting line, fails the test instead of being silently dropped."""

import threading

import pytest

from tests.conftest import in_thread, join_all, start_together

# Real threads need their own connections, so a transactional test; serialized_rollback restores the
# migrations' rows (role groups, match rules) for the tests after it, as the other threaded tests do.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_join_all_fails_the_test_naming_the_thread_that_did_not_finish():
    # given one thread that finishes and one that waits until told
    errors, release = [], threading.Event()
    quick = in_thread(lambda: None, errors, name="quick")
    stuck = in_thread(release.wait, errors, name="stuck-worker")

    # when the test waits for both, then it fails naming only the stuck one
    try:
        with pytest.raises(pytest.fail.Exception, match=r"1 of 2 threads did not finish .*: stuck-worker$"):
            join_all([quick, stuck], timeout=0.5)
    finally:
        release.set()
        stuck.join(10)
    assert errors == []


def test_join_all_returns_when_every_thread_finished():
    errors, done = [], []
    join_all([in_thread(lambda n=n: done.append(n), errors) for n in range(3)], timeout=10)

    assert sorted(done) == [0, 1, 2] and errors == []


def test_a_party_that_never_arrives_breaks_the_barrier_for_the_others():
    # given a barrier for three, of which only two threads ever arrive
    errors, barrier = [], start_together(3, timeout=0.5)

    # when they wait at it
    join_all([in_thread(barrier.wait, errors, name=f"waiting-{n}") for n in range(2)], timeout=10)

    # then both give up with BrokenBarrierError, which the test sees
    assert [type(error) for error in errors] == [threading.BrokenBarrierError] * 2
