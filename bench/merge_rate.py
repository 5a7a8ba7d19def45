"""How fast releases are merged into compiled releases (compile/merge.py), in one process, every process's releases
parsed and held first, each compiled release kept as it is made (the heap grows as in a process that collects its
results) or let go (as a streaming pass does); with the cycle collector on and off (as in the workers). Best of
``rounds`` each.

    .venv/bin/python bench/merge_rate.py bench/out/map-10000/releases.jsonl [rounds]
"""

from __future__ import annotations

import gc
import sys
import time
from itertools import groupby
from operator import itemgetter

import orjson

from ocds_pipeline.compile.stream import default_merger


def main() -> None:
    path, rounds = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3
    merger = default_merger()
    with open(path, "rb") as handle:
        groups = [list(group) for _, group in groupby(map(orjson.loads, handle), key=itemgetter("ocid"))]
    releases = sum(map(len, groups))
    for collector in ("on", "off"):
        if collector == "off":
            gc.disable()
        for keep in (True, False):
            best = min(_timed(merger, groups, keep) for _ in range(rounds))
            print(f"cycle collector {collector}, compiled releases {'kept' if keep else 'let go'}: {best:.2f} s for "
                  f"{releases:,} releases of {len(groups):,} processes ({1e6 * best / releases:.1f} µs a release, "
                  f"best of {rounds})")


def _timed(merger, groups, keep: bool) -> float:
    kept = []
    start = time.perf_counter()
    for group in groups:
        compiled = merger.compiled(group)
        if keep:
            kept.append(compiled)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
