"""A streaming Excel (Office Open XML) writer for the publication's workbooks.

Each sheet's XML is written row by row to a temporary file beside the workbook, and the files are
zipped when the workbook is saved, so memory does not grow with the rows. Cells are numbers,
booleans or inline strings (no shared-string table to keep in memory); the header row is bold and
frozen. This is the subset of the format Excel, LibreOffice and openpyxl read that tables need, at
about the speed of writing CSV (openpyxl's write-only mode took 80 % of the time of a publication's
spreadsheets: bench/README.md).
"""

from __future__ import annotations

import math
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
MAX_CELL_CHARACTERS = 32_767  # Excel's limit for the text of one cell
# Characters XML 1.0 cannot hold (Excel refuses a file that has them).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))  # a bare CR would be read as a line feed
# Where a row's number goes in its template (:meth:`XlsxWriter.template`): escaped text never holds a "<".
ROW = "<#>"


def column_letters(index: int) -> str:
    """``0`` → ``A``, ``25`` → ``Z``, ``26`` → ``AA``."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _escaped(text: str) -> str:
    for character, entity in _ESCAPES:
        if character in text:
            text = text.replace(character, entity)
    return text


class _Sheet:
    def __init__(self, path: Path, columns: int) -> None:
        self.path = path
        self.rows = 0
        self.cells = [f'<c r="{column_letters(i)}{ROW}' for i in range(columns)]  # how each column's cell starts
        self.handle: IO[str] = open(path, "w", encoding="utf-8", newline="")
        self.handle.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}">'
                          '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                          'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>')


class XlsxWriter:
    """A workbook of named sheets, each a header row and rows appended in any order between sheets."""

    def __init__(self, path: Path, dated: datetime, guarded: tuple[str, ...] = ()) -> None:
        """``guarded``: the starts of text that gets a leading apostrophe (a formula's, for :mod:`.spreadsheets`)."""
        self.path = Path(path)
        self.dated = dated
        self.guarded = guarded
        self.cut = 0  # text cells cut to Excel's limit
        self._sheets: dict[str, _Sheet] = {}

    def sheet(self, name: str, header: list[str]) -> None:
        if len(name) > 31 or re.search(r"[\[\]:*?/\\]", name):
            raise ValueError(f"{name!r} cannot name an Excel sheet")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        number = len(self._sheets) + 1
        sheet = _Sheet(self.path.parent / f".{self.path.name}.sheet{number}.xml", max(len(header), 1))
        self._sheets[name] = sheet
        self.add_template(name, *self.template(name, header, bold=True))

    def add(self, name: str, row: list[Any]) -> None:
        self.add_template(name, *self.template(name, row))

    def template(self, name: str, values: list[Any], bold: bool = False) -> tuple[str, int]:
        """A row of sheet ``name`` as XML with :data:`ROW` for its number, and how many of its texts were cut to
        Excel's limit: what :meth:`add_template` writes as the sheet's next row (a row kept from an earlier
        workbook is written without encoding its values again)."""
        sheet = self._sheets[name]
        style = '" s="1"' if bold else '"'
        row, cut = self._cells(sheet, values, style, clean=False)
        if _ILLEGAL.search(row):  # rare: the row again, each text cleaned before it is guarded
            row, cut = self._cells(sheet, values, style, clean=True)
        return row, cut

    def add_template(self, name: str, row: str, cut: int = 0) -> None:
        sheet = self._sheets[name]
        sheet.rows += 1
        self.cut += cut
        number = str(sheet.rows)
        sheet.handle.write(f'<row r="{number}">{row.replace(ROW, number)}</row>')

    def _cells(self, sheet: _Sheet, values: list[Any], style: str, clean: bool) -> tuple[str, int]:
        """A row's cells, and how many texts were cut to Excel's limit. Unless ``clean``, short text keeps the
        characters XML cannot hold, for :meth:`template` to look for once in the row (only text can hold them, the
        markup never does): a cell at a time, that search took a third of the time of a year's workbook."""
        cells, cut = [], 0
        for index, value in enumerate(values):
            kind = type(value)
            if kind is not str:
                if value is None:
                    continue
                if kind is bool:
                    cells.append(f'{sheet.cells[index]}{style} t="b"><v>{int(value)}</v></c>')
                    continue
                if isinstance(value, (int, float)) and not (isinstance(value, float) and not math.isfinite(value)):
                    cells.append(f'{sheet.cells[index]}{style}><v>{value!r}</v></c>')
                    continue
                value = str(value)
            if clean or len(value) > MAX_CELL_CHARACTERS:
                value = _ILLEGAL.sub("", value)
            if not value:
                continue
            if kind is str and self.guarded and value.startswith(self.guarded):
                value = "'" + value
            if len(value) > MAX_CELL_CHARACTERS:
                cut += 1
                value = value[:MAX_CELL_CHARACTERS]
            if "&" in value or "<" in value or ">" in value or "\r" in value:
                value = _escaped(value)
            cells.append(f'{sheet.cells[index]}{style} t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>')
        return "".join(cells), cut

    def save(self, handle: IO[bytes]) -> None:
        """Write the workbook to ``handle``; every zip member is stamped with ``dated``."""
        stamp = max(self.dated, datetime(1980, 1, 1)).timetuple()[:6]
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            def member(name: str, text: str) -> None:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, text.encode("utf-8"))

            names = list(self._sheets)
            member("[Content_Types].xml", self._content_types(len(names)))
            member("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
                   f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
                   f'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
                   f'metadata/core-properties" Target="docProps/core.xml"/></Relationships>')
            member("docProps/core.xml", self._core())
            member("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
                   + "".join(f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{n}" r:id="rId{n}"/>'
                             for n, name in enumerate(names, 1)) + "</sheets></workbook>")
            member("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
                   + "".join(f'<Relationship Id="rId{n}" Type="{RELATIONSHIPS}/worksheet" '
                             f'Target="worksheets/sheet{n}.xml"/>' for n in range(1, len(names) + 1))
                   + f'<Relationship Id="rId{len(names) + 1}" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
                   "</Relationships>")
            member("xl/styles.xml", STYLES)
            for number, name in enumerate(names, 1):
                sheet = self._sheets[name]
                sheet.handle.write("</sheetData></worksheet>")
                sheet.handle.close()
                info = zipfile.ZipInfo(f"xl/worksheets/sheet{number}.xml", date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(sheet.path, "rb") as source, archive.open(info, "w", force_zip64=True) as target:
                    while chunk := source.read(1 << 20):
                        target.write(chunk)
        self.discard()

    def discard(self) -> None:
        """Remove the sheets' temporary files."""
        for sheet in self._sheets.values():
            sheet.handle.close()
            sheet.path.unlink(missing_ok=True)

    def _content_types(self, sheets: int) -> str:
        kind = "application/vnd.openxmlformats-officedocument"
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                f'<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/workbook.xml" ContentType="{kind}.spreadsheetml.sheet.main+xml"/>'
                f'<Override PartName="/xl/styles.xml" ContentType="{kind}.spreadsheetml.styles+xml"/>'
                f'<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.'
                f'core-properties+xml"/>'
                + "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
                          f'ContentType="{kind}.spreadsheetml.worksheet+xml"/>' for n in range(1, sheets + 1))
                + "</Types>")

    def _core(self) -> str:
        when = self.dated.strftime("%Y-%m-%dT%H:%M:%SZ")
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                '<dc:creator>ocds_pipeline</dc:creator>'
                f'<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
                f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified></cp:coreProperties>')


STYLES = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN}">'
          '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
          '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
          '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
          '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
          '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
          '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
