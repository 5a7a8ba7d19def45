"""Freed memory handed back between long steps (ocds_pipeline.memory)."""

import subprocess
import sys

PROGRAM = """
import numpy as np
from ocds_pipeline.memory import release_freed_memory

def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 >> 20

# 300 MB in arrays of 64 KB, under the size glibc maps on its own: they come from the heap, which freeing
# every other one leaves full of holes that the allocator keeps.
arrays = [np.ones(8192) for _ in range(4800)]
del arrays[::2]
before = rss()
released = release_freed_memory()
print(before, rss(), released)
"""


def test_the_memory_a_step_freed_goes_back_to_the_system():
    """In a process of its own: what the allocator keeps depends on all that came before in it."""
    before, after, released = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True,
                                             check=True).stdout.split()
    assert released == "True"
    assert int(before) - int(after) >= 100, (before, after)  # about 150 MB freed in holes, given back


ARROW_PROGRAM = """
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from ocds_pipeline.memory import release_freed_memory

def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 >> 20

# 320 MB of Arrow arrays (8 MB each), allocated from Arrow's own pool, then freed: the pool keeps them.
arrays = [pc.add(pa.array(np.arange(1 << 20, dtype="float64")), 1) for _ in range(40)]
del arrays
before = rss()
release_freed_memory()
print(before, rss())
"""


def test_the_memory_arrow_freed_goes_back_to_the_system_too():
    """Arrow allocates from a pool of its own (mimalloc or jemalloc), which glibc's trim does not reach."""
    before, after = subprocess.run([sys.executable, "-c", ARROW_PROGRAM], capture_output=True, text=True,
                                   check=True).stdout.split()
    assert int(before) - int(after) >= 200, (before, after)  # about 320 MB kept by the pool, given back
