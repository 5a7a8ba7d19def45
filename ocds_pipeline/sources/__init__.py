"""Stage 1 — read SERCOP source tables (CSV folder or SQL database) as streams of typed rows.

Every row read ends up either accepted (yielded, typed) or rejected (a :class:`Reject` with table,
line, column, value and reason); :class:`Accounting` proves it for every table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterator

from ..parallel import map_forked
from .checks import KeyIndex, KeyValues, RowChecker
from .readers import CsvFolderReader, Reader, SourceError, SqlReader, open_reader
from .rejects import Accounting, Reject, RejectLog, read_rejects
from .tableschema import TableSpec, load_tables

__all__ = [
    "Accounting", "CsvFolderReader", "Reject", "RejectLog", "SourceError", "SourceReport", "SqlReader",
    "TableSpec", "check_source", "iter_rows", "load_tables", "open_reader", "read_rejects",
]

Progress = Callable[[str, int], None]


@dataclass
class SourceReport:
    """The outcome of reading a source: counts per table, rejects, and notes on each table."""

    accounting: Accounting
    rejects: RejectLog
    notes: dict[str, list[str]] = field(default_factory=dict)
    missing_tables: list[str] = field(default_factory=list)


# What a consumer keeps of a typed row, made where the row is typed (in a worker, say): (table, typed row) -> value.
Encode = Callable[[str, dict[str, Any]], Any]
BATCH = 2_000  # rows typed together (in a worker, one task)


def iter_rows(
    reader: Reader,
    rejects: RejectLog,
    accounting: Accounting,
    *,
    specs: dict[str, TableSpec] | None = None,
    notes: dict[str, list[str]] | None = None,
    progress: Progress | None = None,
    progress_every: int = 50_000,
    encode: Encode | None = None,
    workers: int = 1,
) -> Iterator[tuple[str, int, Any]]:
    """Yield ``(table, line, typed row)`` for every accepted row, parents before children; with ``encode``,
    ``encode(table, typed row)`` in place of the row.

    Rejected rows go to ``rejects``; counts go to ``accounting``. A missing required table raises
    :class:`SourceError`; a missing optional table is noted and read as empty. With several ``workers``,
    rows are typed (and encoded) in forked workers, a batch at a time; their keys are checked here, in
    the source's order, so what is accepted and rejected is the same.
    """
    specs = specs or load_tables()
    notes = notes if notes is not None else {}
    tasks = _batches(reader, specs, notes, accounting, encode)
    typed = map_forked(_typed_batch, tasks, workers) if workers > 1 else map(_typed_batch, tasks)
    with KeyIndex(referenced={fk.table for spec in specs.values() for fk in spec.foreign_keys}) as keys:
        for spec, rows in typed:
            count, checker = accounting.table(spec.name), RowChecker(spec, keys)
            for line, row in rows:
                count.read += 1
                reject = row if isinstance(row, Reject) else checker.check_keys(row[0], line)
                if reject is not None:
                    count.rejected += 1
                    rejects.add(reject)
                else:
                    count.accepted += 1
                    yield spec.name, line, row[1]
                if progress and count.read % progress_every == 0:
                    progress(spec.name, count.read)


# A batch of a table's raw rows (each a dict of cells, or the reader's Reject for a line it could not read).
Task = tuple[TableSpec, str, list[tuple[int, Any]], "Encode | None"]


def _batches(reader: Reader, specs: dict[str, TableSpec], notes: dict[str, list[str]], accounting: Accounting,
             encode: Encode | None) -> Iterator[Task]:
    """Each table's rows in batches of :data:`BATCH`, tables parents first; missing tables noted, or refused."""
    for name, spec in specs.items():
        accounting.table(name)
        if not reader.has_table(spec):
            if spec.required:
                raise SourceError(f"required table {name!r} is missing from the source (expected {name}.csv or a table {name})")
            notes.setdefault(name, []).append("table absent: read as empty")
            continue
        raw = reader.open_table(spec)
        notes.setdefault(name, []).extend(raw.notes)
        rows = iter(raw.rows)
        while batch := list(islice(rows, BATCH)):
            yield spec, raw.decimal_char, batch, encode


def _typed_batch(task: Task) -> tuple[TableSpec, list[tuple[int, Reject | tuple[KeyValues, Any]]]]:
    """Type one batch of rows: for each, its Reject, or its key values and the typed row (or its encoding)."""
    spec, decimal_char, rows, encode = task
    checker, typed_rows = RowChecker(spec, None, decimal_char), []
    for line, values in rows:
        if isinstance(values, Reject):
            typed_rows.append((line, values))
            continue
        typed, reject = checker.typed(values, line)
        if reject is not None:
            typed_rows.append((line, reject))
        else:
            typed_rows.append((line, (checker.key_values(typed), encode(spec.name, typed) if encode else typed)))
    return spec, typed_rows


def _nothing(_table: str, _row: dict[str, Any]) -> None:
    """The encoding of a row nobody keeps: nothing to send back from a worker."""


def check_source(
    location: str | Path,
    *,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
    workers: int = 1,
    **reader_options: Any,
) -> SourceReport:
    """Read and check every table of a source (typing rows in ``workers`` processes); return the
    accounting, rejects and notes."""
    reader = open_reader(location, **reader_options)
    accounting, notes = Accounting(), {}
    with RejectLog(rejects_path) as rejects:
        for _ in iter_rows(reader, rejects, accounting, notes=notes, progress=progress, encode=_nothing, workers=workers):
            pass
    missing = [name for name, n in notes.items() if "table absent: read as empty" in n]
    return SourceReport(accounting, rejects, notes, missing)
