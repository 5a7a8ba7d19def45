"""CSV records from physical lines, where one bad line is rejected alone and never takes others with it.

Each physical line is decoded on its own, so a byte that is not valid in the file's encoding
rejects only its line (with the byte's offset) and never changes how the rest is read. A quoted
field may run over several lines only in the columns the table schema marks ``multiline``; a
quote that runs past its line elsewhere, or to the end of the file, is taken for an unbalanced
quote: its first line is rejected and reading resumes at the next line. A line (or a record)
longer than ``max_field_size`` bytes is rejected the same way, and memory stays bounded by it.
"""

from __future__ import annotations

import codecs
import csv
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

_CHUNK = 1 << 16


@dataclass(frozen=True)
class Line:
    """One physical line: its number (1 = header), byte offset, and text, or why it cannot be read."""

    number: int
    offset: int
    text: str
    problem: str | None = None


@dataclass(frozen=True)
class BadRecord:
    """A physical line rejected before it became a row, with its text (as far as it could be read)."""

    text: str
    reason: str


def byte_oriented(encoding: str) -> bool:
    """Whether lines can be split on the byte ``\\n`` before decoding (not UTF-16 or UTF-32)."""
    return not codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))


def _encoding_name(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "cp1252": "Windows-1252", "latin-1": "Latin-1"}.get(name, name)


def physical_lines(handle: IO[bytes], encoding: str, max_size: int) -> Iterator[Line]:
    """Every physical line of a binary file, decoded one by one; bad bytes and long lines become problems."""
    name, number, offset = _encoding_name(encoding), 0, 0
    if codecs.lookup(encoding).name == "utf-8-sig":
        encoding = "utf-8"
        if handle.read(3) != codecs.BOM_UTF8:
            handle.seek(0)
        else:
            offset = 3
    while True:
        raw = handle.readline(max_size + 1)
        if not raw:
            return
        number += 1
        start, size = offset, len(raw)
        if size > max_size and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # skip the rest of the line, a chunk at a time
                raw = handle.readline(_CHUNK)
                size += len(raw)
            yield Line(number, start, "", f"the line is {size:,} bytes long, more than max_field_size ({max_size:,})")
            offset += size
            continue
        offset += size
        try:
            yield Line(number, start, raw.decode(encoding))
        except UnicodeDecodeError as error:
            text = raw.decode(encoding, errors="replace")
            yield Line(number, start, text,
                       f"not valid {name}: byte 0x{raw[error.start]:02X} at byte offset {start + error.start:,} of the "
                       f"file (the other lines are read as {name}; pass --encoding if the file is in another)")


def text_lines(handle: IO[str]) -> Iterator[Line]:
    """Physical lines of a text stream (encodings that are not byte-oriented; no byte offsets)."""
    for number, text in enumerate(handle, start=1):
        yield Line(number, -1, text)


class CsvRecords:
    """Records of a CSV file after its header: ``(first line, cells)`` or ``(line, BadRecord)``."""

    def __init__(self, lines: Iterator[Line], delimiter: str, multiline: frozenset[int], max_size: int) -> None:
        self.lines = lines
        self.delimiter = delimiter
        self.multiline = multiline  # column positions whose values may hold line breaks
        self.max_size = max_size
        self.pushed: deque[Line] = deque()  # lines read ahead for a record that was refused

    def _next_line(self) -> Line | None:
        return self.pushed.popleft() if self.pushed else next(self.lines, None)

    def __iter__(self) -> Iterator[tuple[int, list[str] | BadRecord]]:
        while True:
            line = self._next_line()
            if line is None:
                return
            if line.problem:
                yield line.number, BadRecord(line.text.rstrip("\r\n"), line.problem)
                continue
            text = line.text.rstrip("\r\n")
            if '"' not in text and "\r" not in text:  # the common case: the line is the record
                if text.strip():
                    yield line.number, text.split(self.delimiter)
                continue
            yield from self._quoted(line)

    def _quoted(self, first: Line) -> Iterator[tuple[int, list[str] | BadRecord]]:
        """Parse a record that starts at ``first`` and may run over more lines."""
        taken = [first]

        def feed() -> Iterator[str]:
            yield first.text
            size = len(first.text)
            while (line := self._next_line()) is not None:
                taken.append(line)
                size += len(line.text)
                if line.problem or size > self.max_size:
                    raise _Stop()
                yield line.text

        try:
            cells, reason = next(csv.reader(feed(), delimiter=self.delimiter, strict=True), []), None
        except _Stop:
            cells, reason = [], (f"a quoted field is still open at line {taken[-1].number}, which cannot be read "
                                 "or passes max_field_size: an unbalanced quote?")
        except csv.Error as error:
            cells, reason = [], (f"a quote opened on line {first.number} is never closed (the file ends first): "
                                 "an unbalanced quote?" if "unexpected end of data" in str(error) else f"unreadable CSV: {error}")
        if reason is None and len(taken) > 1 and any(
                ("\n" in cell or "\r" in cell) and i not in self.multiline for i, cell in enumerate(cells)):
            reason = (f"a quoted field runs past the end of the line (to line {taken[-1].number}) in a column "
                      "that may not hold line breaks: an unbalanced quote?")
        if reason is not None:
            self.pushed.extendleft(reversed(taken[1:]))  # read again, as lines of their own
            yield first.number, BadRecord(first.text.rstrip("\r\n"), reason)
        elif len(cells) > 1 or (cells and cells[0].strip()):
            yield first.number, cells


class _Stop(Exception):
    """A record cannot go on: a line that cannot be read, or more than max_field_size bytes."""


def open_lines(path: Path, encoding: str, max_size: int) -> tuple[IO, Iterator[Line]]:
    """The open file and its physical lines, decoded in ``encoding``."""
    if byte_oriented(encoding):
        handle = open(path, "rb")
        return handle, physical_lines(handle, encoding, max_size)
    handle = open(path, encoding=encoding, newline="")
    return handle, text_lines(handle)
