"""A year's spreadsheets, statistics and site pages with and without what is kept per process
(`publish/processcache.py`): compiled releases (JSON Lines, plain or .gz) made into one year's CSV tables and
workbook, into the year's statistics, and into its site pages (encoded, not written), four times each, in this
order: without the state, with an empty state (every process made and kept), with the state just filled (every
process kept), and without the state again. Prints each pass's seconds and the states' sizes.

    .venv/bin/python bench/processcache.py compiled-2025.jsonl bench/out/processcache
"""

from __future__ import annotations

import gzip
import shutil
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Callable

import orjson

from ocds_pipeline.config import Config
from ocds_pipeline.extensions import patched_release_schema
from ocds_pipeline.privacy import Privacy
from ocds_pipeline.procedure_types import ProcedureTypes
from ocds_pipeline.publish.contracts import ContractRows
from ocds_pipeline.publish.processcache import ProcessCache
from ocds_pipeline.publish.site.years import write_year
from ocds_pipeline.publish.statistics import year_statistics
from ocds_pipeline.publish.tables import Tables
from ocds_pipeline.publish.yearly import YearSpreadsheets
from ocds_pipeline.schemas import SchemaResolver

Bodies = list[tuple[str, bytes]]


def spreadsheets(bodies: Bodies, out: Path) -> Callable[[ProcessCache | None], None]:
    """One pass writing the year's spreadsheets."""
    config = Config()
    tables = Tables(patched_release_schema(SchemaResolver.from_env(), base_uri=config.base_uri))
    contracts = ContractRows(tables, config, ProcedureTypes.load())

    def write(cache: ProcessCache | None) -> None:
        sheets = YearSpreadsheets(out / "files", "2025", tables, contracts, bom=False, max_rows=config.xlsx_max_rows,
                                  dated=datetime(2026, 1, 1))
        for ocid, body in bodies:
            if cache is None:
                sheets.add(orjson.loads(body))
            else:
                sheets.add_encoded(cache.get(ocid, body, lambda: sheets.encode(orjson.loads(body))))
        sheets.close()
    return write


def statistics(bodies: Bodies) -> Callable[[ProcessCache | None], None]:
    """One pass taking the year's statistics (with the site's red flags), as a publish's worker does."""
    config = Config()
    document, site = Privacy.of(config, "spreadsheets").document, Privacy.of(config, "site").body

    def count(cache: ProcessCache | None) -> None:
        year_statistics(((ocid, "2025-01-01", body, None) for ocid, body in bodies), document, site, cache)
    return count


def site_pages(bodies: Bodies) -> Callable[[ProcessCache | None], None]:
    """One pass making the year's site pages (each shard encoded as JSON; no release history)."""
    site = Privacy.of(Config(), "site").body

    def write(cache: ProcessCache | None) -> None:
        write_year(lambda key, value: orjson.dumps(value), "2025", ((ocid, site(body)) for ocid, body in bodies), (),
                   kept=cache)
    return write


def main(source: Path, out: Path) -> None:
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rb") as lines:
        bodies = [(orjson.loads(line)["ocid"], line.rstrip(b"\n")) for line in lines]
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    passes = (("spreadsheets", spreadsheets(bodies, out)), ("statistics", statistics(bodies)), ("site pages", site_pages(bodies)))
    for name, one_pass in passes:
        state = out / f"{name.replace(' ', '-')}.sqlite"
        for label, kept in (("without the state", False), ("state empty", True), ("state filled", True),
                            ("without the state, again", False)):
            started = time.perf_counter()
            cache = ProcessCache(state, "bench", "2025") if kept else None
            one_pass(cache)
            if cache is not None:
                cache.close()
            print(f"{name}, {label}: {time.perf_counter() - started:.2f} s", flush=True)
        print(f"{name}: {len(bodies):,} processes; the state: {state.stat().st_size / 1e6:.1f} MB", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
