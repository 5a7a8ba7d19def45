"""Split a big OCDS file into blocks of whole items that worker processes parse on their own.

Two layouts split: JSON Lines (cut at line ends) and one release package whose releases start
with their ``ocid`` (cut between releases). Anything else — compressed files, record packages,
arrays of packages, small files — returns ``None`` and is read sequentially by
:func:`~ocds_pipeline.sources.ocds.read_ocds`.

Package cuts are found without parsing: a cut is a ``},`` followed by ``{"ocid":``. A worker
parses its block a few releases at a time, as ``[`` + piece + ``]``: success proves the cut is
between two releases (JSON tokenises the same from a true boundary, so a cut inside a string or
a nested object cannot parse). A piece that does not parse grows to the next cut; a block whose
end does not parse raises :class:`BlockSplitError`, after which the caller reads the file
sequentially instead. Memory follows the block size, not the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import orjson

from .ocds import LINE_LIMIT, OcdsReadStats, ReleaseParser, declared_version, is_plain
from .package_ends import DECODER, WHITESPACE, WINDOW, members_to_end, package_head
from .rejects import Reject

BLOCK_SIZE = 2 << 20  # what a worker gets at a time
PIECE_SIZE = 16 << 10  # what a worker parses at a time: a few releases, whose objects stay in the CPU caches
SEARCH = 64 << 10  # cuts are searched for in chunks of this size


class BlockSplitError(Exception):
    """A block did not parse on its own: read the file sequentially instead."""


@dataclass(frozen=True)
class Block:
    """Bytes ``start``–``end`` of ``path``: whole lines, or whole items of a package's array.

    The last block of a package (``last``) also holds the end of the package object.
    """

    path: str
    number: int
    start: int
    end: int
    layout: str  # "lines" or "items"
    key: str = ""  # "releases" or "records", for items
    first_key: bytes = b""  # the key each item starts with, as in the file (b'"ocid"'), for items
    last: bool = False
    version: str | None = None  # the OCDS version the package declares before its array, for items

    def cuts(self) -> re.Pattern:
        """Where one item may end and the next begin: ``},`` then ``{`` and the first key."""
        return re.compile(rb"\}\s*,\s*(?=\{\s*" + re.escape(self.first_key) + rb"\s*:)")


@dataclass
class BlockPlan:
    """The blocks of one file, and the package fields found before its array (its extensions…)."""

    blocks: list[Block]
    head: dict[str, Any] = field(default_factory=dict)


def plan_blocks(path: Path, size: int = BLOCK_SIZE) -> BlockPlan | None:
    """Blocks of about ``size`` bytes, or ``None`` when the file is small or has another layout."""
    path = Path(path)
    total = path.stat().st_size
    if total < 2 * size or not is_plain(path):
        return None
    with open(path, "rb") as handle:
        first = handle.readline(LINE_LIMIT)
        if first.endswith(b"\n") and _parses(first):
            return _line_blocks(handle, str(path), total, size)
        handle.seek(0)
        return _item_blocks(handle, str(path), total, size)


def _parses(data: bytes) -> bool:
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError:
        return False
    return True


def _line_blocks(handle, path: str, total: int, size: int) -> BlockPlan | None:
    starts = [0]
    while starts[-1] + size < total:
        handle.seek(starts[-1] + size)
        rest = handle.readline(LINE_LIMIT)
        if not rest.endswith(b"\n"):
            if len(rest) >= LINE_LIMIT:
                return None  # a huge line: the sequential reader streams it
            break
        starts.append(handle.tell())
    ends = starts[1:] + [total]
    return BlockPlan([Block(path, n, s, e, "lines") for n, (s, e) in enumerate(zip(starts, ends)) if e > s])


def _item_blocks(handle, path: str, total: int, size: int) -> BlockPlan | None:
    found = package_head(handle.read(WINDOW))
    if found is None:
        return None
    head, key, start, first_key = found
    if key != "releases" or first_key != b'"ocid"':
        # Cuts are recognised by the item's first key: only a release's "ocid" is distinctive
        # (a record's embedded releases start with "ocid" too; nested objects often with "id").
        return None
    cut = Block(path, 0, 0, 0, "items", key, first_key).cuts()
    starts, ends = [start], []
    while True:
        found_cut = _next_cut(handle, cut, starts[-1] + size, total)
        if found_cut is None:
            break
        end, next_start = found_cut
        if end - starts[-1] > 8 * size:
            return None  # no cut for too long: one block would not fit the memory budget
        ends.append(end)
        starts.append(next_start)
    last = _last_cut(handle, cut, starts[-1], total)
    if last is not None:
        ends.append(last[0])
        starts.append(last[1])
    ends.append(total)
    version = declared_version(head)
    blocks = [Block(path, n, s, e, "items", key, first_key, last=n == len(starts) - 1, version=version)
              for n, (s, e) in enumerate(zip(starts, ends))]
    return BlockPlan(blocks, head)


def _next_cut(handle, cut: re.Pattern, offset: int, total: int) -> tuple[int, int] | None:
    """(end of the block, start of the next) at the first cut after ``offset``."""
    while offset < total:
        handle.seek(offset)
        window = handle.read(SEARCH + 64)
        match = cut.search(window)
        if match:
            return offset + match.start() + 1, offset + match.end()
        if len(window) <= 64:
            return None
        offset += SEARCH
    return None


def _last_cut(handle, cut: re.Pattern, after: int, total: int) -> tuple[int, int] | None:
    """The cut before the last item, so that the last block (parsed more slowly) holds one item."""
    offset = total
    while offset > after:
        begin = max(after, offset - WINDOW)
        handle.seek(begin)
        window = handle.read(offset - begin + 64)
        matches = list(cut.finditer(window))
        if matches:
            match = matches[-1]
            return begin + match.start() + 1, begin + match.end()
        offset = begin
    return None


def read_block(block: Block, stats: OcdsReadStats, rejects: list[Reject]) -> Iterator[dict[str, Any]]:
    """The releases in one block; raises :class:`BlockSplitError` when it does not parse alone."""
    with open(block.path, "rb") as handle:
        handle.seek(block.start)
        data = handle.read(block.end - block.start)
    parser = ReleaseParser(f"{Path(block.path).name} block {block.number}", stats, rejects)
    parser.version = block.version
    if block.layout == "lines":
        for number, line in enumerate(data.splitlines(), 1):
            if line.strip():
                yield from parser.from_line(line, number)
        return
    if block.last:
        items, tail = _last_items(data)
        for item in items:
            yield from parser.releases_of(block.key, item)
        parser.note_package(tail, block.key)  # the caller adds the fields before the array (the plan's head)
        return
    for piece in _pieces(data, block.cuts()):
        for item in piece:
            yield from parser.releases_of(block.key, item)


def _pieces(data: bytes, cut: re.Pattern) -> Iterator[list[Any]]:
    """The items of a block, parsed ``PIECE_SIZE`` bytes at a time.

    A piece that does not parse ended at a false cut: it grows to the next cut and is parsed
    again. Only the block's own end can then be wrong, which raises :class:`BlockSplitError`.
    """
    start = 0
    while start < len(data):
        match = cut.search(data, start + PIECE_SIZE)
        while True:
            end = match.start() + 1 if match else len(data)
            try:
                items = orjson.loads(b"[" + data[start:end] + b"]")
                break
            except orjson.JSONDecodeError as error:
                if match is None:
                    raise BlockSplitError(str(error)) from None
                match = cut.search(data, match.end())
        yield items
        start = match.end() if match else len(data)


def _last_items(data: bytes) -> tuple[list[Any], dict[str, Any]]:
    """The items of the last block, up to the array's end, and the package fields after it."""
    try:
        text = data.decode("utf-8")
        items, position = [], 0
        while True:
            item, position = DECODER.raw_decode(text, WHITESPACE.match(text, position).end())
            items.append(item)
            position = WHITESPACE.match(text, position).end()
            if text[position] == "]":
                break
            if text[position] != ",":
                raise ValueError(f"expected ',' or ']' at {position}")
            position += 1
    except (ValueError, IndexError) as error:
        raise BlockSplitError(str(error)) from None
    tail = members_to_end(text, WHITESPACE.match(text, position + 1).end())
    if tail is None:
        raise BlockSplitError("the package does not end after its array")
    return items, tail

