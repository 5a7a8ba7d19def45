"""Named points where a test can kill the process, to prove that any interruption is survived.

Writes that must be atomic call :func:`checkpoint` at the moments that matter (a store batch
before and after its commit, a file before and after it is renamed into place, …). When the
environment variable ``OCDS_PIPELINE_KILL_AT`` is ``<point>:<n>``, the n-th time the process
reaches that point it kills itself with SIGKILL — the same on any machine, unlike a kill after
a delay. Unset (always, outside tests), a checkpoint costs one comparison.
"""

from __future__ import annotations

import os
import signal

ENV = "OCDS_PIPELINE_KILL_AT"


def _target() -> tuple[str, int] | None:
    value = os.environ.get(ENV)
    if not value:
        return None
    point, _, count = value.rpartition(":")
    return point, int(count)


_TARGET = _target()
_REACHED: dict[str, int] = {}


def checkpoint(point: str) -> None:
    """Count one more passage through ``point``; die there if a test asked for this one."""
    if _TARGET is None or _TARGET[0] != point:
        return
    _REACHED[point] = _REACHED.get(point, 0) + 1
    if _REACHED[point] == _TARGET[1]:
        os.kill(os.getpid(), signal.SIGKILL)
