"""What a publish's forked workers inherit: the objects of the publish that forks them (only a task, a year,
goes to each worker, and its result comes back), and its store over connections of their own."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

from ..parallel import map_forked
from ..store import Store

_INHERITED: dict[str, Any] = {}


@contextmanager
def inherited(store: Store, **objects: Any) -> Iterator[None]:
    """Make ``store`` and ``objects`` what workers forked meanwhile find (:func:`store`, :func:`get`); what was
    there before comes back after (these may nest)."""
    before = dict(_INHERITED)
    _INHERITED.update(objects, store=store)
    try:
        yield
    finally:
        _INHERITED.clear()
        _INHERITED.update(before)


def get(name: str) -> Any:
    return _INHERITED[name]


def store() -> Store:
    """The publish's store; in a forked worker, over connections of its own (the parent's stay the parent's)."""
    return _INHERITED["store"].in_this_process()


def in_workers(function: Callable[[Any], Any], tasks: list[Any], workers: int) -> Iterator[Any]:
    """``function`` over ``tasks``, results in order: in forked workers when there are several of both."""
    if workers > 1 and len(tasks) > 1:
        return map_forked(function, tasks, min(workers, len(tasks)))
    return map(function, tasks)
