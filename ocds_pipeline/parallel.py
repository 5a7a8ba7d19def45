"""Worker processes: how many by default, and running a function over blocks of a file in them."""

from __future__ import annotations

import gc
import multiprocessing
import os
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
A = TypeVar("A")


def default_workers(limit: int = 4) -> int:
    """The CPUs this process may use, at most ``limit``."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(limit, cpus))


def map_forked(function: Callable[[A], T], items: Iterable[A], workers: int) -> Iterator[T]:
    """``function(item)`` for each item, in forked worker processes, results in order.

    Forked workers inherit the parent's state (a compiled schema, say), so only the items and the
    results are pickled. They work on parsed JSON, which holds no reference cycles, so they turn
    the cycle collector off: its passes over the many young objects cost time and free nothing.

    Once every result is in, the pool is closed and joined: its workers finish and its threads end.
    ``Pool.terminate`` (what ``with Pool`` does) is kept for failures and early exits: when every
    result was already taken, it could block for ever joining the pool's task-handler thread (seen
    under the test suite with py-spy, in a process that also ran Dask).
    """
    items = list(items)
    pool = multiprocessing.get_context("fork").Pool(max(1, min(workers, len(items))), initializer=gc.disable)
    try:
        yield from pool.imap(function, items)
        pool.close()
    except BaseException:  # a failure, or the caller stopped reading: stop the workers now
        pool.terminate()
        raise
    finally:
        pool.join()
