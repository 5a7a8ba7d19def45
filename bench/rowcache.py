"""A year's spreadsheets with and without the rows kept per process (`publish/rowcache.py`): compiled releases
(JSON Lines, plain or .gz) written as one year's CSV tables and workbook four times, in this order: without the
state, with an empty state (every process encoded and kept), with the state just filled (every process kept), and
without the state again. Prints each writing's seconds and the state's size.

    .venv/bin/python bench/rowcache.py compiled-2025.jsonl bench/out/rowcache
"""

from __future__ import annotations

import gzip
import shutil
import sys
import time
from datetime import datetime
from pathlib import Path

import orjson

from ocds_pipeline.config import Config
from ocds_pipeline.extensions import patched_release_schema
from ocds_pipeline.procedure_types import ProcedureTypes
from ocds_pipeline.publish.contracts import ContractRows
from ocds_pipeline.publish.rowcache import RowCache
from ocds_pipeline.publish.tables import Tables
from ocds_pipeline.publish.yearly import YearSpreadsheets
from ocds_pipeline.schemas import SchemaResolver


def main(source: Path, out: Path) -> None:
    config = Config()
    tables = Tables(patched_release_schema(SchemaResolver.from_env(), base_uri=config.base_uri))
    contracts = ContractRows(tables, config, ProcedureTypes.load())
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rb") as lines:
        bodies = [(orjson.loads(line)["ocid"], line.rstrip(b"\n")) for line in lines]
    shutil.rmtree(out, ignore_errors=True)
    state = out / "state.sqlite"
    for label, kept in (("without the state", False), ("state empty", True), ("state filled", True),
                        ("without the state, again", False)):
        started = time.perf_counter()
        sheets = YearSpreadsheets(out / "files", "2025", tables, contracts, bom=False, max_rows=config.xlsx_max_rows,
                                  dated=datetime(2026, 1, 1))
        cache = RowCache(state, "bench", "2025") if kept else None
        for ocid, body in bodies:
            if cache is None:
                sheets.add(orjson.loads(body))
            else:
                sheets.add_encoded(cache.rows(ocid, body, lambda: sheets.encode(orjson.loads(body))))
        if cache is not None:
            cache.close()
        sheets.close()
        print(f"{label}: {time.perf_counter() - started:.2f} s", flush=True)
    print(f"{len(bodies):,} processes; the state: {state.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
