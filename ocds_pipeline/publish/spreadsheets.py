"""CSV tables and Excel workbooks that open cleanly and cannot run anything (and a table's JSON copy).

A text cell that a spreadsheet would read as a formula (it starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) gets a leading apostrophe, in CSV and in Excel alike (OWASP's advice
against CSV injection); numbers stay numbers. Identifiers are text, so RUCs keep their leading
zeros in Excel. Both writers stream a row at a time (:mod:`.xlsx` for Excel); every file is written
beside its target and renamed into place when complete.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

import orjson

from ..atomic import atomic_open
from .xlsx import XlsxWriter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> Any:
    """A value as the CSV file writes it: neutralised text, empty for None, true/false for booleans
    (one call a cell: tables of hundreds of thousands of rows go through it)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class CsvTable:
    """One CSV file (UTF-8, optionally with a byte order mark for Excel), written row by row."""

    def __init__(self, path: Path, header: list[str], bom: bool = False) -> None:
        self.path = path
        self.rows = 0
        self._context = atomic_open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="")
        self._file = self._context.__enter__()
        self._writer = csv.writer(self._file, lineterminator="\r\n")
        self._writer.writerow(header)
        self._buffer = io.StringIO()
        self._encoder = csv.writer(self._buffer, lineterminator="\r\n")

    def add(self, row: list[Any]) -> None:
        self._writer.writerow(map(_csv_cell, row))
        self.rows += 1

    def encode(self, rows: Iterable[list[Any]]) -> str:
        """Rows as this file writes them, for :meth:`add_encoded` (here, or in a later file of the same table)."""
        self._buffer.seek(0)
        self._buffer.truncate()
        for row in rows:
            self._encoder.writerow(map(_csv_cell, row))
        return self._buffer.getvalue()

    def add_encoded(self, text: str, rows: int) -> None:
        self._file.write(text)
        self.rows += rows

    def close(self) -> None:
        self._context.__exit__(None, None, None)

    def abort(self, error: BaseException) -> None:
        self._context.__exit__(type(error), error, error.__traceback__)


class JsonTable:
    """A table's rows as one JSON array of objects, written row by row: the same bytes as ``orjson.dumps(rows,
    option=orjson.OPT_INDENT_2)`` (the indicators table has a row per buyer, year and indicator)."""

    def __init__(self, path: Path) -> None:
        self.rows = 0
        self._context = atomic_open(path, "wb")
        self._file = self._context.__enter__()
        self._file.write(b"[")

    def add(self, row: dict[str, Any]) -> None:
        # Strings escape their line breaks, so every b"\n" is the layout's: each row one level deeper.
        body = orjson.dumps(row, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n  ")
        self._file.write((b",\n  " if self.rows else b"\n  ") + body)
        self.rows += 1

    def close(self) -> None:
        self._file.write(b"\n]" if self.rows else b"]")
        self._context.__exit__(None, None, None)

    def abort(self, error: BaseException) -> None:
        self._context.__exit__(type(error), error, error.__traceback__)


class Workbook:
    """One Excel workbook of several sheets, streamed; never saved when a sheet would pass ``max_rows``.

    Sheets are written in the order they are created, each a header row (bold, frozen) and its rows.
    The same rows and date give the same bytes.
    """

    def __init__(self, path: Path, max_rows: int, dated: datetime) -> None:
        self.path = path
        self.max_rows = max_rows
        self.rows: dict[str, int] = {}
        self._over = False  # a sheet has more rows than Excel takes: no more rows are written
        self._book = XlsxWriter(path, dated, guarded=FORMULA_STARTS)

    @property
    def too_long(self) -> dict[str, int]:
        """The sheets with more rows than Excel takes, and how many they have."""
        return {name: rows for name, rows in self.rows.items() if rows > self.max_rows}

    @property
    def cut(self) -> int:
        """Text cells cut to Excel's 32,767 characters (the CSV files have them whole)."""
        return self._book.cut

    def sheet(self, name: str, header: list[str]) -> None:
        self._book.sheet(name, header)
        self.rows[name] = 0

    def add(self, name: str, row: list[Any]) -> None:
        self.add_template(name, *self.template(name, row))

    def template(self, name: str, row: list[Any]) -> tuple[str, int]:
        """A row as the sheet writes it, for :meth:`add_template` (text a spreadsheet would take for a formula is
        guarded there): :meth:`.xlsx.XlsxWriter.template`."""
        return self._book.template(name, row)

    def add_template(self, name: str, row: str, cut: int = 0) -> None:
        self.rows[name] += 1
        self._over = self._over or self.rows[name] > self.max_rows
        if not self._over:
            self._book.add_template(name, row, cut)

    def discard(self) -> None:
        self._book.discard()

    def save(self) -> bool:
        """Write the workbook into place; False (nothing written) when a sheet is too long for Excel."""
        if self.too_long:
            self._book.discard()
            return False
        with atomic_open(self.path, "wb") as handle:
            self._book.save(handle)
        return True
