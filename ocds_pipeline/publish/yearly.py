"""One year's spreadsheets: the ``contratos`` table and the flattened OCDS tables, as CSV files
and as one Excel workbook, written while the year's processes stream by."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .contracts import ContractRows
from .documents import DICTIONARY_COLUMNS, dictionary_rows
from .spreadsheets import CsvTable, Workbook
from .tables import Tables

CONTRATOS = "contratos"
DICTIONARY_SHEET = "diccionario"


def csv_path(year: str, table: str) -> str:
    """Where a table's CSV file goes: ``csv/2024/contratos.csv``, ``csv/2024/ocds/ocds_pagos.csv``."""
    return f"csv/{year}/{table}.csv" if table == CONTRATOS else f"csv/{year}/ocds/{table}.csv"


def xlsx_path(year: str) -> str:
    return f"xlsx/{year}.xlsx"


# A process's rows in a year's tables, in the order of :attr:`YearSpreadsheets.csv` (``contratos``, then the OCDS
# tables): for each table none, or its CSV text and each row's workbook template with its cut cells.
Encoded = tuple[tuple[str, tuple[tuple[str, int], ...]] | None, ...]


@dataclass
class YearSheets:
    """What a year's spreadsheets hold: rows per CSV file, and why the workbook is missing if it is."""

    rows: dict[str, int] = field(default_factory=dict)          # CSV path -> rows
    sheets: dict[str, int] = field(default_factory=dict)        # sheet -> rows
    workbook: str | None = None                                 # its path, None when not written
    note: str | None = None


class YearSpreadsheets:
    """Streams each compiled release of a year into its CSV tables and workbook sheets."""

    def __init__(self, root: Path, year: str, tables: Tables, contracts: ContractRows, *, bom: bool,
                 max_rows: int, dated: datetime) -> None:
        self.year, self.tables, self.contracts = year, tables, contracts
        self._stack = ExitStack()
        self.csv: dict[str, CsvTable] = {}
        self.book = Workbook(root / xlsx_path(year), max_rows, dated)
        headers = {CONTRATOS: [column["title_es"] for column in tables.contratos["columns"]]}
        headers.update({table.name: [column.title_es for column in table.columns] for table in tables.ocds})
        for name, header in headers.items():
            path = csv_path(year, name)
            self.csv[name] = CsvTable(root / path, header, bom)
            self._stack.callback(self.csv[name].close)
            self.book.sheet(name, header)

    def add(self, compiled: dict[str, Any]) -> None:
        self.add_encoded(self.encode(compiled))

    def encode(self, compiled: dict[str, Any]) -> Encoded:
        """A process's rows as this year's files write them, for :meth:`add_encoded` (here, or in a later writing of
        the same year: :mod:`.processcache`)."""
        tables = [(CONTRATOS, self.contracts.rows(compiled, self.year))]
        tables += [(table.name, table.rows(compiled)) for table in self.tables.ocds]
        encoded = []
        for name, rows in tables:
            rows = list(rows)
            encoded.append((self.csv[name].encode(rows), tuple(self.book.template(name, row) for row in rows))
                           if rows else None)
        return tuple(encoded)

    def add_encoded(self, encoded: Encoded) -> None:
        for name, table in zip(self.csv, encoded):
            if table is not None:
                text, rows = table
                self.csv[name].add_encoded(text, len(rows))
                for row, cut in rows:
                    self.book.add_template(name, row, cut)

    def close(self) -> YearSheets:
        """Finish every file; the workbook is saved only when every sheet fits in Excel."""
        self._stack.close()
        result = YearSheets(rows={csv_path(self.year, name): table.rows for name, table in self.csv.items()},
                            sheets=dict(self.book.rows))
        self.book.sheet(DICTIONARY_SHEET, DICTIONARY_COLUMNS)
        for row in dictionary_rows(self.tables):
            self.book.add(DICTIONARY_SHEET, row)
        too_long = self.book.too_long
        if self.book.save():
            result.workbook = xlsx_path(self.year)
            if self.book.cut:
                result.note = (f"{xlsx_path(self.year)}: {self.book.cut:,} text cells longer than Excel's 32,767 "
                               f"characters are cut there; the CSV tables of {self.year} have them whole")
        else:
            listed = ", ".join(f"{name} ({rows:,} rows)" for name, rows in sorted(too_long.items()))
            result.note = (f"{xlsx_path(self.year)} is not published: {listed} more than Excel's "
                           f"{self.book.max_rows:,} rows; the CSV tables of {self.year} hold every row")
        return result

    def abort(self) -> None:
        for table in self.csv.values():
            table.abort(RuntimeError("publication interrupted"))
        self._stack.pop_all()
        self.book.discard()
