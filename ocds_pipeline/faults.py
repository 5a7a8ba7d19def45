"""Named points where a test can kill the process, to prove that any interruption is survived.

Writes that must be atomic call :func:`checkpoint` at the moments that matter (a store batch
before and after its commit, a file before and after it is renamed into place, …). When the
environment variable ``OCDS_PIPELINE_KILL_AT`` is ``<point>:<n>``, the n-th time the process
reaches that point it kills itself with SIGKILL — the same on any machine, unlike a kill after
a delay. ``<point>:<n>:stop`` stops it there instead (SIGSTOP), for a test to change the world
around it (restart its database) and let it go on (SIGCONT). Unset (always, outside tests), a
checkpoint costs one comparison.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV = "OCDS_PIPELINE_KILL_AT"

_TARGET: tuple[str, int] | None = None
_SIGNAL = signal.SIGKILL
REACHED: Counter[str] = Counter()  # passages through each point since the process was armed


def arm(value: str | None) -> None:
    """Kill at ``<point>:<n>``, or stop there with ``<point>:<n>:stop`` (``<point>:0`` only counts every
    point); None disarms."""
    global _TARGET, _SIGNAL
    REACHED.clear()
    if not value:
        _TARGET = None
        return
    point, count, *action = value.split(":")
    _TARGET = point, int(count)
    _SIGNAL = signal.SIGSTOP if action == ["stop"] else signal.SIGKILL


def checkpoint(point: str) -> None:
    """Count one more passage through ``point``; die there if a test asked for this one."""
    if _TARGET is None:
        return
    REACHED[point] += 1
    if _TARGET == (point, REACHED[point]):
        os.kill(os.getpid(), _SIGNAL)


arm(os.environ.get(ENV))
