"""Memory a long step freed, handed back to the system before the next one starts."""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Callable


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None


def release_freed_memory() -> bool:
    """Give back to the system what the C allocator keeps of freed memory (glibc's ``malloc_trim``).

    Python and NumPy free into the allocator, which keeps most of it for later use: the step after one with a
    large passing peak (the statistics combining a national run's facts, some 500 MB) would start from that
    peak. Returns whether anything was given back; elsewhere than on glibc there is nothing to call."""
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False
