"""Readers yield the raw rows of one table from a folder of CSV exports or a SQL database."""

from __future__ import annotations

import codecs
import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Protocol

from ..redaction import redact
from .bundles import BY_CONTRACT, BY_PROCEDURE
from .csvrecords import BadRecord, CsvRecords, open_lines
from .limits import current
from .rejects import Reject, truncate
from .tableschema import TableSpec

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # records are bounded by max_field_size instead


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
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        key = name.strip().lstrip("\ufeff").lower()
        if key in positions:
            raise SourceError(f"{where}: column {name.strip()!r} appears twice in the header "
                              f"(columns {positions[key] + 1} and {i + 1}): keep one")
        positions[key] = i
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


def detect_encoding(path: Path, sample_lines: int = 100) -> str:
    """The file's encoding: from its BOM, else UTF-8 unless its first non-ASCII lines are not UTF-8.

    Lines are looked at one by one until one with accents decodes as UTF-8 (UTF-8), or
    ``sample_lines`` such lines in a row do not (Windows-1252, as Excel writes in Ecuador). A few
    bad bytes in a UTF-8 file do not change its encoding: their lines are rejected on their own.
    """
    with open(path, "rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        failed = 0
        for raw in handle:
            if raw.isascii():
                continue
            try:
                raw.decode("utf-8")
                return "utf-8"
            except UnicodeDecodeError:
                failed += 1
                if failed >= sample_lines:
                    break
    return "cp1252" if failed else "utf-8"


def detect_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


DEFAULT_MAX_FIELD_SIZE = 1 << 20


class CsvFolderReader:
    """Reads ``<table>.csv`` files from a folder; encoding, delimiter and decimal mark detected.

    Records come from :class:`~ocds_pipeline.sources.csvrecords.CsvRecords`: a physical line that
    cannot be read (bad bytes, an unbalanced quote, more than ``max_field_size`` bytes) is
    rejected alone, and the lines after it are read as usual.
    """

    def __init__(self, folder: Path, *, encoding: str | None = None, delimiter: str | None = None,
                 decimal_char: str | None = None, max_field_size: int = DEFAULT_MAX_FIELD_SIZE) -> None:
        if not folder.is_dir():
            raise SourceError(f"{folder} is not a folder of CSV files")
        self.folder = folder
        self.encoding = encoding
        self.delimiter = delimiter
        self.decimal_char = decimal_char
        self.max_field_size = max_field_size

    def path(self, spec: TableSpec) -> Path:
        return self.folder / f"{spec.name}.csv"

    def has_table(self, spec: TableSpec) -> bool:
        return self.path(spec).is_file()

    def open_table(self, spec: TableSpec) -> RawTable:
        path = self.path(spec)
        size, limit = path.stat().st_size, current().max_input_bytes
        if size > limit:
            raise SourceError(f"{path} is {size:,} bytes, more than the limit ({limit:,}, max_input_bytes)")
        encoding = self.encoding or detect_encoding(path)
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise SourceError(f"unknown encoding {encoding!r} (try utf-8 or cp1252)") from None
        handle, lines = open_lines(path, encoding, self.max_field_size)
        try:
            header_line = next(lines, None)
            if header_line is None:
                raise SourceError(f"{path} is empty: a CSV table starts with a header line naming its columns")
            if header_line.problem:
                raise SourceError(f"{path} line 1 (the header): {header_line.problem}")
            if "\r" in header_line.text.rstrip("\r\n"):
                raise SourceError(f"{path}: the lines end in CR alone (classic Mac OS): "
                                  "save the file with LF or CRLF line ends")
            delimiter = self.delimiter or detect_delimiter(header_line.text)
            header = next(csv.reader([header_line.text.lstrip("\ufeff")], delimiter=delimiter), [])
            mapping, notes = _match_columns(spec, header, str(path))
        except BaseException:
            handle.close()
            raise
        notes.insert(0, f"encoding {encoding}, delimiter {delimiter!r}")
        decimal_char = self.decimal_char or ("," if delimiter == ";" else ".")
        multiline = frozenset(mapping[f.name] for f in spec.fields if f.multiline and f.name in mapping)
        records = CsvRecords(lines, delimiter, multiline, self.max_field_size)
        return RawTable(self._rows(spec, handle, records, delimiter, mapping, len(header)), decimal_char, notes)

    def _rows(self, spec: TableSpec, handle, records: CsvRecords, delimiter: str, mapping: dict[str, int],
              width: int) -> Iterator[tuple[int, dict[str, Any] | Reject]]:
        with handle:
            for line, cells in records:
                if isinstance(cells, BadRecord):
                    yield line, Reject(spec.name, line, "", truncate(cells.text), cells.reason)
                elif len(cells) != width:
                    yield line, Reject(spec.name, line, "", truncate(delimiter.join(cells)),
                                       f"row has {len(cells)} fields, the header has {width}")
                else:
                    yield line, {name: cells[i] for name, i in mapping.items()}


class SqlReader:
    """Reads each table with ``SELECT *`` through SQLAlchemy, streaming; row number stands for line.

    A text value longer than ``max_field_size`` bytes rejects its row, as a long CSV line does. With
    ``modified_since``, it reads a delta: the procedures modified on or after it (``fecha_ultima_modificacion``),
    every row that belongs to them, and every row of the lookup tables (entities, suppliers, projects).
    """

    def __init__(self, url: str, *, batch_size: int = 5000, max_field_size: int = DEFAULT_MAX_FIELD_SIZE,
                 modified_since: str | None = None) -> None:
        import sqlalchemy

        try:
            self.engine = sqlalchemy.create_engine(url)
            # One query for every table's columns: reflecting tables one by one costs ~40 ms each on PostgreSQL.
            columns = sqlalchemy.inspect(self.engine).get_multi_columns()
            self.columns = {name: [c["name"] for c in found] for (_, name), found in columns.items()}
            self.tables = {name.lower(): name for name in self.columns}
        except Exception as error:  # any driver or URL problem is a usage error at the edge
            raise SourceError(redact(f"cannot open database {url!r}: {error}")) from None
        self.batch_size = batch_size
        self.max_field_size = max_field_size
        self.modified_since = modified_since

    def has_table(self, spec: TableSpec) -> bool:
        return spec.name.lower() in self.tables

    def open_table(self, spec: TableSpec) -> RawTable:
        name = self.tables[spec.name.lower()]
        mapping, notes = _match_columns(spec, self.columns[name], f"table {name}")
        return RawTable(self._rows(spec, mapping), ".", notes)

    def _table(self, name: str):
        """A source table (by its name in the specs, lower case) with all its columns, and those columns by
        their lower-case names."""
        import sqlalchemy

        actual = self.tables[name]
        table = sqlalchemy.table(actual, *(sqlalchemy.column(column) for column in self.columns[actual]))
        return table, {column.name.lower(): column for column in table.columns}

    def _select(self, name: str):
        """All of a table; or, for a delta, only its rows that belong to procedures modified since the date.
        (The columns named here are required: the tables were checked for them when opened.)"""
        import sqlalchemy

        table, own = self._table(name.lower())
        query = sqlalchemy.select(table)
        if self.modified_since is None or name not in ("procedimientos", *BY_PROCEDURE, *BY_CONTRACT):
            return query
        if name == "procedimientos":
            return query.where(own["fecha_ultima_modificacion"] >= self.modified_since)
        _, procedures = self._table("procedimientos")
        changed = sqlalchemy.select(procedures["codigo"]).where(procedures["fecha_ultima_modificacion"] >= self.modified_since)
        if name in BY_PROCEDURE:
            return query.where(own[BY_PROCEDURE[name]].in_(changed))
        _, contracts = self._table("contratos")
        return query.where(own[BY_CONTRACT[name]].in_(
            sqlalchemy.select(contracts["codigo_contrato"]).where(contracts["codigo_procedimiento"].in_(changed))))

    def _rows(self, spec: TableSpec, mapping: dict[str, int]) -> Iterator[tuple[int, dict[str, Any] | Reject]]:
        limit = self.max_field_size
        with self.engine.connect() as connection:
            result = connection.execution_options(stream_results=True, yield_per=self.batch_size).execute(
                self._select(spec.name)
            )
            for number, row in enumerate(result, start=1):
                values = {name: row[i] for name, i in mapping.items()}
                long = next((name for name, value in values.items() if isinstance(value, str) and len(value) > limit // 4
                             and len(value.encode("utf-8")) > limit), None)
                if long is not None:
                    size = len(values[long].encode("utf-8"))
                    yield number, Reject(spec.name, number, long, truncate(values[long]),
                                         f"the value is {size:,} bytes long, more than max_field_size ({limit:,})")
                else:
                    yield number, values


def open_reader(location: str | Path, *, max_field_size: int = DEFAULT_MAX_FIELD_SIZE, modified_since: str | None = None,
                **options: Any) -> Reader:
    """A SQL reader for URLs (``sqlite:///…``, ``postgresql://…``), else a CSV folder reader.

    ``modified_since`` (a database's delta, see :class:`SqlReader`) is refused for a CSV folder: a delta
    export of CSV files is read as it is.
    """
    text = str(location)
    if "://" in text:
        return SqlReader(text, max_field_size=max_field_size, modified_since=modified_since)
    if modified_since is not None:
        raise SourceError("--modified-since selects a delta in a database source; a folder of CSV files is read as it "
                          "is (a delta export holds the changed procedures' rows and every lookup row: docs/store.md)")
    return CsvFolderReader(Path(text), max_field_size=max_field_size, **options)
