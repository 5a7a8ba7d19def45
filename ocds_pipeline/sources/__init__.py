"""Stage 1 — read SERCOP source tables (CSV folder or SQL database) as streams of typed rows.

Every row read ends up either accepted (yielded, typed) or rejected (a :class:`Reject` with table,
line, column, value and reason); :class:`Accounting` proves it for every table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from .checks import KeyIndex, RowChecker
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


def iter_rows(
    reader: Reader,
    rejects: RejectLog,
    accounting: Accounting,
    *,
    specs: dict[str, TableSpec] | None = None,
    notes: dict[str, list[str]] | None = None,
    progress: Progress | None = None,
    progress_every: int = 50_000,
) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """Yield ``(table, line, typed row)`` for every accepted row, parents before children.

    Rejected rows go to ``rejects``; counts go to ``accounting``. A missing required table raises
    :class:`SourceError`; a missing optional table is noted and read as empty.
    """
    specs = specs or load_tables()
    notes = notes if notes is not None else {}
    keys = KeyIndex()
    for name, spec in specs.items():
        count = accounting.table(name)
        if not reader.has_table(spec):
            if spec.required:
                raise SourceError(f"required table {name!r} is missing from the source (expected {name}.csv or a table {name})")
            notes.setdefault(name, []).append("table absent: read as empty")
            continue
        raw = reader.open_table(spec)
        notes.setdefault(name, []).extend(raw.notes)
        checker = RowChecker(spec, keys, raw.decimal_char)
        for line, values in raw.rows:
            count.read += 1
            if isinstance(values, Reject):
                typed, reject = None, values
            else:
                typed, reject = checker.check(values, line)
            if reject is not None:
                count.rejected += 1
                rejects.add(reject)
            else:
                count.accepted += 1
                yield name, line, typed
            if progress and count.read % progress_every == 0:
                progress(name, count.read)


def check_source(
    location: str | Path,
    *,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
    **reader_options: Any,
) -> SourceReport:
    """Read and check every table of a source; return the accounting, rejects and notes."""
    reader = open_reader(location, **reader_options)
    accounting, notes = Accounting(), {}
    with RejectLog(rejects_path) as rejects:
        for _ in iter_rows(reader, rejects, accounting, notes=notes, progress=progress):
            pass
    missing = [name for name, n in notes.items() if "table absent: read as empty" in n]
    return SourceReport(accounting, rejects, notes, missing)
