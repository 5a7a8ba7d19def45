"""How long the indicators' facts of one process take (indicators/facts.py), in one process, the releases parsed
first: `fact_row`, `party_rows` and `process_facts` (both, as the workers call them), best of ``rounds``, the cycle
collector off as in the workers.

    .venv/bin/python bench/facts_rate.py bench/out/compiled-100000/compiled.jsonl [processes] [rounds]
"""

from __future__ import annotations

import gc
import sys
import time
from itertools import islice

import orjson

from ocds_pipeline.indicators.facts import fact_row, party_rows, process_facts
from ocds_pipeline.procedure_types import default_procedure_types


def main() -> None:
    path, count, rounds = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20_000, int(sys.argv[3]) if len(sys.argv) > 3 else 9
    types = default_procedure_types()
    with open(path, "rb") as handle:
        compiled = [orjson.loads(line) for line in islice(handle, count)]
    gc.disable()
    for name, function in (("fact_row", lambda c: fact_row(c, types)), ("party_rows", party_rows),
                           ("process_facts", lambda c: process_facts(c, types))):
        best = min(_timed(function, compiled) for _ in range(rounds))
        print(f"{name}: {1e6 * best / len(compiled):.1f} µs a process ({len(compiled):,} processes, best of {rounds})")


def _timed(function, compiled) -> float:
    start = time.perf_counter()
    for release in compiled:
        function(release)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
