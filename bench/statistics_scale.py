"""The publication's statistics at a national scale without a national store: a store's years' facts, copied
with distinct ocids, combined and summarised as a publish does (bench: time and peak RSS of that step alone).

Usage:
  python bench/statistics_scale.py prepare STORE FOLDER COPIES   each year's facts, COPIES times, one pickle a year
  python bench/statistics_scale.py summarise FOLDER [--held]     combine them; the indicators as JSON, the ranking

``--held`` loads every year first and combines the list, as publishes did until 2026-12-02 (session 15); without
it the years are read back one at a time, as a publish now reads its kept years.
"""

from __future__ import annotations

import pickle
import sys
import time
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

from ocds_pipeline.config import Config
from ocds_pipeline.indicators.facts import Facts, combine
from ocds_pipeline.privacy import Privacy
from ocds_pipeline.publish.statistics import indicator_rows, ranking_rows, year_statistics
from ocds_pipeline.store import Store


def prepare(store_path: str, folder: Path, copies: int) -> None:
    """Each year of the store: its statistics' facts, and ``copies`` - 1 copies with ``-<n>`` after each ocid."""
    folder.mkdir(parents=True, exist_ok=True)
    store, document = Store(store_path), Privacy.of(Config(), "spreadsheets").document
    try:
        years = sorted({year for _, year, *_ in store.compiled_index()})
        for year in years:
            rows = ((ocid, first, body, error) for ocid, _, first, body, error in store.compiled_index(year=year))
            part = year_statistics(rows, document)
            copied = combine(_copies(part.facts, copies))
            (folder / f"{year}.pickle").write_bytes(pickle.dumps((copied, part.suppliers), protocol=pickle.HIGHEST_PROTOCOL))
            print(year, len(copied.processes), "processes", len(copied.parties), "party rows", flush=True)
    finally:
        store.close()


def _copies(part: Facts, copies: int) -> Iterator[Facts]:
    yield part
    for number in range(1, copies):
        suffix = f"-{number}"
        yield Facts(part.processes.assign(ocid=part.processes["ocid"].astype(str) + suffix), part.parties)


def summarise(folder: Path, held: bool) -> None:
    start = time.perf_counter()
    paths = sorted(folder.glob("*.pickle"))

    def read_back() -> Iterator[Facts]:
        for path in paths:
            with path.open("rb") as handle:  # as the publication's year cache reads: no copy of the bytes
                yield pickle.load(handle)[0]

    suppliers = pickle.loads(paths[-1].read_bytes())[1]
    tables = combine(list(read_back()) if held else read_back())
    combined = time.perf_counter()
    indicators = _written(indicator_rows(tables), folder / "indicators.json")
    ranking = ranking_rows(tables, suppliers)
    print(f"{len(tables.processes):,} processes, {len(tables.parties):,} party rows: combined in "
          f"{combined - start:.1f} s, {indicators:,} indicator rows (written as JSON) and {len(ranking):,} ranking "
          f"rows in {time.perf_counter() - combined:.1f} s")


def _written(rows: Iterable[dict[str, Any]], path: Path) -> int:
    """The indicators' rows as the publication writes their JSON: row by row where the code does
    (since session 15), else the whole list at once."""
    try:
        from ocds_pipeline.publish.spreadsheets import JsonTable
    except ImportError:
        rows = list(rows)
        path.write_bytes(orjson.dumps(rows, option=orjson.OPT_INDENT_2))
        return len(rows)
    table = JsonTable(path)
    for row in rows:
        table.add(row)
    table.close()
    return table.rows


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))
    else:
        summarise(Path(sys.argv[2]), "--held" in sys.argv[3:])
