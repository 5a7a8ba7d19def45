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
from collections import Counter

ENV = "OCDS_PIPELINE_KILL_AT"

_TARGET: tuple[str, int] | None = None
REACHED: Counter[str] = Counter()  # passages through each point since the process was armed


def arm(value: str | None) -> None:
    """Kill at ``<point>:<n>`` (``<point>:0`` never kills: it only counts every point); None disarms."""
    global _TARGET
    REACHED.clear()
    if not value:
        _TARGET = None
        return
    point, _, count = value.rpartition(":")
    _TARGET = point, int(count)


def checkpoint(point: str) -> None:
    """Count one more passage through ``point``; die there if a test asked for this one."""
    if _TARGET is None:
        return
    REACHED[point] += 1
    if _TARGET == (point, REACHED[point]):
        os.kill(os.getpid(), signal.SIGKILL)


arm(os.environ.get(ENV))
