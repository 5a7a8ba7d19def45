"""CSV writers for generated tables, in the dialects real SOCE exports come in."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from ..atomic import atomic_open
from ..sources.tableschema import TableSpec


@dataclass(frozen=True)
class Dialect:
    """How values are written: ``iso`` is the readable default; ``excel-es`` mimics a Spanish Excel export."""

    name: str
    encoding: str
    delimiter: str
    decimal_char: str
    date_format: str
    datetime_format: str
    true: str
    false: str

    def format(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return self.true if value else self.false
        if isinstance(value, datetime):
            return value.strftime(self.datetime_format)
        if isinstance(value, date):
            return value.strftime(self.date_format)
        if isinstance(value, Decimal):
            return str(value).replace(".", self.decimal_char)
        return str(value)


DIALECTS = {
    "iso": Dialect("iso", "utf-8", ",", ".", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "S", "N"),
    "excel-es": Dialect("excel-es", "cp1252", ";", ",", "%d/%m/%Y", "%d/%m/%Y %H:%M", "S", "N"),
}


class TableWriters:
    """One open CSV per table, each published atomically when all writing succeeded."""

    def __init__(self, folder: Path, specs: dict[str, TableSpec], dialect: Dialect) -> None:
        self.dialect = dialect
        self.counts = {name: 0 for name in specs}
        self._contexts = {name: atomic_open(folder / f"{name}.csv", "w", encoding=dialect.encoding, newline="")
                          for name in specs}
        self._writers: dict[str, Callable[[list[str]], Any]] = {}
        self._columns = {name: spec.field_names for name, spec in specs.items()}
        for name, context in self._contexts.items():
            writer = csv.writer(context.__enter__(), delimiter=dialect.delimiter, lineterminator="\r\n")
            writer.writerow(self._columns[name])
            self._writers[name] = writer.writerow

    def write(self, table: str, row: dict[str, Any]) -> None:
        fmt = self.dialect.format
        self._writers[table]([fmt(row.get(column)) for column in self._columns[table]])
        self.counts[table] += 1

    def __enter__(self) -> "TableWriters":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        for context in self._contexts.values():
            context.__exit__(exc_type, exc, tb)
