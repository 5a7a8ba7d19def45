"""CSV tables and Excel workbooks that open cleanly and cannot run anything.

A text cell that a spreadsheet would read as a formula (it starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) gets a leading apostrophe, in CSV and in Excel alike (OWASP's advice
against CSV injection); numbers stay numbers. Identifiers are text, so RUCs keep their leading
zeros in Excel. Both writers stream: a CSV row, or an Excel row in openpyxl's write-only mode, at a
time; every file is written beside its target and renamed into place when complete.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from ..atomic import atomic_open

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CORE_PROPERTIES = "docProps/core.xml"
_MODIFIED = re.compile(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def neutralise(value: Any) -> Any:
    """``value``, with a leading apostrophe when it is text a spreadsheet would take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class CsvTable:
    """One CSV file (UTF-8, optionally with a byte order mark for Excel), written row by row."""

    def __init__(self, path: Path, header: list[str], bom: bool = False) -> None:
        self.path = path
        self.rows = 0
        self._context = atomic_open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="")
        self._writer = csv.writer(self._context.__enter__(), lineterminator="\r\n")
        self._writer.writerow(header)

    def add(self, row: list[Any]) -> None:
        self._writer.writerow([_csv_text(neutralise(value)) for value in row])
        self.rows += 1

    def close(self) -> None:
        self._context.__exit__(None, None, None)

    def abort(self, error: BaseException) -> None:
        self._context.__exit__(type(error), error, error.__traceback__)


class Workbook:
    """One Excel workbook of several sheets, streamed; never saved when a sheet would pass ``max_rows``.

    Sheets are written in the order they are created, each a header row (bold, frozen) and its rows.
    """

    def __init__(self, path: Path, max_rows: int, dated: datetime) -> None:
        from openpyxl import Workbook as OpenpyxlWorkbook

        self.path = path
        self.max_rows = max_rows
        self.dated = dated
        self.rows: dict[str, int] = {}
        self._book = OpenpyxlWorkbook(write_only=True)
        self._book.properties.created = self._book.properties.modified = dated
        self._sheets: dict[str, Any] = {}

    @property
    def too_long(self) -> dict[str, int]:
        """The sheets with more rows than Excel takes, and how many they have."""
        return {name: rows for name, rows in self.rows.items() if rows > self.max_rows}

    def sheet(self, name: str, header: list[str]) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        sheet = self._book.create_sheet(title=name)
        sheet.freeze_panes = "A2"
        bold = []
        for title in header:
            cell = WriteOnlyCell(sheet, value=title)
            cell.font = Font(bold=True)
            bold.append(cell)
        sheet.append(bold)
        self._sheets[name] = sheet
        self.rows[name] = 0

    def add(self, name: str, row: list[Any]) -> None:
        self.rows[name] += 1
        if self.rows[name] <= self.max_rows and not self.too_long:
            self._sheets[name].append([_excel_value(neutralise(value)) for value in row])

    def save(self) -> bool:
        """Write the workbook into place; False (nothing written) when a sheet is too long for Excel.

        The same rows and date give the same bytes: every member of the zip file is stamped with
        ``dated`` (openpyxl stamps them with the time of writing).
        """
        if self.too_long:
            self._discard()
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.path.parent, prefix=".") as scratch:
            written = Path(scratch) / "book.xlsx"
            self._book.save(written)
            with zipfile.ZipFile(written) as source, atomic_open(self.path, "wb") as handle, \
                    zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as target:
                for member in source.infolist():
                    stamped = zipfile.ZipInfo(member.filename, date_time=self.dated.timetuple()[:6])
                    stamped.compress_type = zipfile.ZIP_DEFLATED
                    if member.filename == _CORE_PROPERTIES:  # openpyxl sets "modified" to the time of saving
                        core = _MODIFIED.sub(rf"\g<1>{self.dated.isoformat(timespec='seconds')}Z\g<2>",
                                             source.read(member).decode("utf-8"))
                        target.writestr(stamped, core.encode("utf-8"))
                        continue
                    with source.open(member) as data, target.open(stamped, "w", force_zip64=member.file_size >= 1 << 31) as out:
                        shutil.copyfileobj(data, out, 1 << 20)
        return True

    def _discard(self) -> None:
        """Close the sheets and remove the temporary files openpyxl streams them to."""
        for sheet in self._sheets.values():
            sheet.close()
            sheet._writer.cleanup()  # openpyxl's write-only sheets remove their file only at exit


def _excel_value(value: Any) -> Any:
    """A cell Excel accepts: control characters XML cannot hold are removed."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value
