"""Readers yield the raw rows of one table from a folder of CSV exports or a SQL database."""

from __future__ import annotations

import codecs
import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Protocol

from .rejects import Reject, truncate
from .tableschema import TableSpec

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class SourceError(Exception):
    """The source as a whole cannot be read (missing file or column, bad URL); say how to fix it."""


@dataclass
class RawTable:
    """What a reader knows about one table before checking rows."""

    rows: Iterator[tuple[int, dict[str, Any] | Reject]]
    decimal_char: str = "."
    notes: list[str] = field(default_factory=list)


class Reader(Protocol):
    def has_table(self, spec: TableSpec) -> bool: ...

    def open_table(self, spec: TableSpec) -> RawTable: ...


def _match_columns(spec: TableSpec, header: list[str], where: str) -> tuple[dict[str, int], list[str]]:
    """Map spec fields to header positions (case-insensitive); a missing required column is fatal."""
    positions = {name.strip().lstrip("\ufeff").lower(): i for i, name in enumerate(header)}
    mapping, notes = {}, []
    for spec_field in spec.fields:
        index = positions.get(spec_field.name.lower())
        if index is None:
            if spec_field.required:
                raise SourceError(
                    f"{where}: required column {spec_field.name!r} is missing "
                    f"(found: {', '.join(header)}); see docs/source-data.md"
                )
            notes.append(f"optional column {spec_field.name!r} is absent: read as empty")
        else:
            mapping[spec_field.name] = index
    known = {f.name.lower() for f in spec.fields}
    extra = [h for h in header if h.strip().lstrip("\ufeff").lower() not in known]
    if extra:
        notes.append(f"ignored unknown columns: {', '.join(extra)}")
    return mapping, notes


def _encoding_error(path: Path, line: int, encoding: str, error: UnicodeDecodeError) -> SourceError:
    return SourceError(
        f"{path} line {line}: not valid {encoding} ({error.reason}); "
        "pass the right --encoding (e.g. cp1252 for Windows exports) or omit it to detect"
    )


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as UTF-8, else Windows-1252/Latin-1."""
    with open(path, "rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    return "latin-1"


def detect_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


class CsvFolderReader:
    """Reads ``<table>.csv`` files from a folder; encoding, delimiter and decimal mark detected."""

    def __init__(self, folder: Path, *, encoding: str | None = None, delimiter: str | None = None,
                 decimal_char: str | None = None) -> None:
        if not folder.is_dir():
            raise SourceError(f"{folder} is not a folder of CSV files")
        self.folder = folder
        self.encoding = encoding
        self.delimiter = delimiter
        self.decimal_char = decimal_char

    def path(self, spec: TableSpec) -> Path:
        return self.folder / f"{spec.name}.csv"

    def has_table(self, spec: TableSpec) -> bool:
        return self.path(spec).is_file()

    def open_table(self, spec: TableSpec) -> RawTable:
        path = self.path(spec)
        encoding = self.encoding or detect_encoding(path)
        try:
            with open(path, encoding=encoding, newline="") as handle:
                header_line = handle.readline()
        except UnicodeDecodeError as error:
            raise _encoding_error(path, 1, encoding, error) from None
        delimiter = self.delimiter or detect_delimiter(header_line)
        header = next(csv.reader([header_line], delimiter=delimiter), [])
        mapping, notes = _match_columns(spec, header, str(path))
        notes.insert(0, f"encoding {encoding}, delimiter {delimiter!r}")
        decimal_char = self.decimal_char or ("," if delimiter == ";" else ".")
        return RawTable(self._rows(spec, path, encoding, delimiter, mapping, len(header)), decimal_char, notes)

    def _rows(self, spec: TableSpec, path: Path, encoding: str, delimiter: str,
              mapping: dict[str, int], width: int) -> Iterator[tuple[int, dict[str, Any] | Reject]]:
        with open(path, encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            next(reader, None)
            line = reader.line_num + 1
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError as error:
                    raise _encoding_error(path, line, encoding, error) from None
                except csv.Error as error:
                    yield line, Reject(spec.name, line, "", "", f"unreadable CSV record: {error}")
                    line = reader.line_num + 1
                    continue
                start, line = line, reader.line_num + 1
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue  # blank lines are not rows
                if len(cells) != width:
                    yield start, Reject(spec.name, start, "", truncate(delimiter.join(cells)),
                                        f"row has {len(cells)} fields, the header has {width}")
                    continue
                yield start, {name: cells[i] for name, i in mapping.items()}


class SqlReader:
    """Reads each table with ``SELECT *`` through SQLAlchemy, streaming; row number stands for line."""

    def __init__(self, url: str, *, batch_size: int = 5000) -> None:
        import sqlalchemy

        try:
            self.engine = sqlalchemy.create_engine(url)
            self.tables = {name.lower(): name for name in sqlalchemy.inspect(self.engine).get_table_names()}
        except Exception as error:  # any driver or URL problem is a usage error at the edge
            raise SourceError(f"cannot open database {url!r}: {error}") from None
        self.batch_size = batch_size

    def has_table(self, spec: TableSpec) -> bool:
        return spec.name.lower() in self.tables

    def open_table(self, spec: TableSpec) -> RawTable:
        import sqlalchemy

        table = sqlalchemy.Table(self.tables[spec.name.lower()], sqlalchemy.MetaData(), autoload_with=self.engine)
        header = [column.name for column in table.columns]
        mapping, notes = _match_columns(spec, header, f"table {table.name}")
        return RawTable(self._rows(table, mapping), ".", notes)

    def _rows(self, table, mapping: dict[str, int]) -> Iterator[tuple[int, dict[str, Any] | Reject]]:
        import sqlalchemy

        with self.engine.connect() as connection:
            result = connection.execution_options(stream_results=True, yield_per=self.batch_size).execute(
                sqlalchemy.select(table)
            )
            for number, row in enumerate(result, start=1):
                yield number, {name: row[i] for name, i in mapping.items()}


def open_reader(location: str | Path, **options: Any) -> Reader:
    """A SQL reader for URLs (``sqlite:///…``, ``postgresql://…``), else a CSV folder reader."""
    text = str(location)
    if "://" in text:
        return SqlReader(text)
    return CsvFolderReader(Path(text), **options)
