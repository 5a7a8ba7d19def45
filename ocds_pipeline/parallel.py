"""Worker processes: how many by default, and running a function over blocks of a file in them."""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
from collections import deque
from contextlib import contextmanager
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
A = TypeVar("A")

# Descriptors only this process may keep open: a writer's lock (its file, its server connection). A forked
# worker closes its copies, so that the lock goes with the process that took it (killed, say) and not with
# the last of its workers, which may be busy for minutes more.
_PARENT_ONLY: set[int] = set()


@contextmanager
def parent_only(descriptor: int) -> Iterator[None]:
    """Keep ``descriptor`` out of the workers forked while this is open."""
    _PARENT_ONLY.add(descriptor)
    try:
        yield
    finally:
        _PARENT_ONLY.discard(descriptor)


def _start_worker(collect_cycles: bool) -> None:
    for descriptor in _PARENT_ONLY:
        try:
            os.close(descriptor)  # this copy only: the parent's stays open, and its lock held
        except OSError:
            pass
    _PARENT_ONLY.clear()
    if not collect_cycles:
        gc.disable()


def forked_executor(workers: int, collect_cycles: bool = True) -> ProcessPoolExecutor:
    """A pool of ``workers`` forked processes that hold none of the parent's locks; without
    ``collect_cycles``, they turn the cycle collector off."""
    return ProcessPoolExecutor(max(1, workers), mp_context=multiprocessing.get_context("fork"),
                               initializer=_start_worker, initargs=(collect_cycles,))


def default_workers(limit: int = 4) -> int:
    """The CPUs this process may use, at most ``limit``."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(limit, cpus))


# The functions of the map_forked calls under way, by number: forked workers inherit them, so a closure or a
# bound method can be given, and only the items and the results are pickled.
_FUNCTIONS: dict[int, Callable] = {}
_NUMBERS = itertools.count()


def _call_inherited(task: tuple[int, A]) -> T:
    number, item = task
    return _FUNCTIONS[number](item)


def map_forked(function: Callable[[A], T], items: Iterable[A], workers: int) -> Iterator[T]:
    """``function(item)`` for each item, in forked worker processes, results in order.

    Forked workers inherit the parent's state, ``function`` included (a closure or a bound method will
    do, and what it holds is not pickled: a compiled schema, a staging file's reader), so only the items
    and the results are pickled. They work on parsed JSON, which holds no reference cycles, so they turn
    the cycle collector off: its passes over the many young objects cost time and free nothing.

    At most two items per worker are in flight, so results wait in memory only that long. When the
    caller stops early or an item fails, the items not started are cancelled and the running ones
    finish: workers are never killed. ``multiprocessing.Pool.terminate`` was used before, and could
    block for ever joining the pool's task-handler thread (seen twice under the test suite with py-spy).
    """
    items = iter(items)
    number = next(_NUMBERS)
    _FUNCTIONS[number] = function  # before any worker is forked: the pool starts them as tasks come
    try:
        with forked_executor(workers, collect_cycles=False) as executor:
            pending = deque(executor.submit(_call_inherited, (number, item)) for item in islice(items, 2 * max(1, workers)))
            try:
                while pending:
                    result = pending.popleft().result()
                    pending.extend(executor.submit(_call_inherited, (number, item)) for item in islice(items, 1))
                    yield result
            finally:
                for future in pending:
                    future.cancel()
    finally:
        del _FUNCTIONS[number]
