"""Memory a long step freed, handed back to the system before the next one starts."""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Callable

import pyarrow  # at import: importing it in the call would itself take some 25 MB as the call gives memory back


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None


def release_freed_memory() -> bool:
    """Give back to the system what the allocators keep of freed memory: the C allocator's (glibc's
    ``malloc_trim``) and Arrow's memory pool (mimalloc or jemalloc, which keep their own).

    Python and NumPy free into the C allocator, Arrow into its pool, and both keep most of it for later use:
    the step after one with a large passing peak (the statistics combining a national run's facts, some 500 MB)
    would start from that peak. Returns whether the C allocator gave anything back (elsewhere than on glibc
    there is nothing to call)."""
    pyarrow.default_memory_pool().release_unused()
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False
