"""How many worker processes parallel stages use by default."""

from __future__ import annotations

import os


def default_workers(limit: int = 4) -> int:
    """The CPUs this process may use, at most ``limit``."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(limit, cpus))
