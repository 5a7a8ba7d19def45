"""map_forked: any callable runs in forked workers (a closure over what cannot be pickled included), results in
order, and two calls under way at once each run their own function."""

from __future__ import annotations

import os
import threading

from ocds_pipeline.parallel import map_forked


def test_a_closure_over_what_cannot_be_pickled_runs_in_the_workers():
    lock = threading.Lock()  # pickle refuses locks: the workers must inherit the function, not receive it

    def work(item: int) -> tuple[int, int]:
        with lock:
            return item * item, os.getpid()

    results = list(map_forked(work, range(20), 2))
    assert [square for square, _ in results] == [n * n for n in range(20)]
    assert os.getpid() not in {pid for _, pid in results}


def test_two_calls_under_way_at_once_keep_their_own_function():
    outer = map_forked(lambda item: ("outer", item), range(6), 2)
    seen = []
    for found in outer:  # the inner call's pool starts workers while the outer's is still running
        seen.append(found)
        seen += list(map_forked(lambda item: ("inner", item), [found[1]], 1))
    assert seen == [pair for n in range(6) for pair in (("outer", n), ("inner", n))]
