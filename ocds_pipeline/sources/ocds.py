"""Read existing OCDS data from any publisher as a stream of releases, in bounded memory.

Accepted: release packages, record packages, arrays of packages (SERCOP's bulk files), single
releases or records (SERCOP's API bodies are release packages with one release), concatenated
JSON and JSON Lines of any of these; plain, ``.gz`` or ``.zip`` (members are read in place,
never extracted). Package arrays are streamed item by item with ijson, so a 5 GB package needs
the memory of one release (or record), not of the file.
"""

from __future__ import annotations

import gzip
import io
import itertools
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, Callable, Iterator

import ijson
import orjson

from .limits import Capped, ReaderLimits, current
from .package_ends import WINDOW, package_head, package_tail
from .readers import SourceError
from .rejects import Reject, truncate
from .upgrade import is_10, upgrade_10

_STREAMED = ("releases", "records")
LINE_LIMIT = 4 << 20  # what is read of a line at first
BIG_LINE = 64 << 20  # a JSON Lines line up to this is parsed whole (a 10 MB description); longer ones are streamed
METADATA_KEPT = 1000  # package fields kept for the package schema (a JSON Lines file may hold millions)
_JSON_TYPES = {dict: "object", list: "array", str: "string", int: "number", float: "number", bool: "boolean",
               type(None): "null"}


class NotOCDSError(SourceError):
    """The input is not OCDS data (or not JSON); the message says what was found."""


@dataclass
class Declared:
    """What packages declared about themselves: publishers, licences, publication policies and
    extensions, each distinct value once, in the order met (what a republication keeps)."""

    publishers: list[dict[str, Any]] = field(default_factory=list)
    licenses: list[str] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)
    extensions: list[str] = field(default_factory=list)

    def add_package(self, fields: dict[str, Any]) -> None:
        if isinstance(fields.get("publisher"), dict) and fields["publisher"] not in self.publishers:
            self.publishers.append(fields["publisher"])
        for values, value in ((self.licenses, fields.get("license")), (self.policies, fields.get("publicationPolicy"))):
            if isinstance(value, str) and value and value not in values:
                values.append(value)
        self.add_extensions(fields.get("extensions"))

    def add_extensions(self, extensions: Any) -> None:
        if isinstance(extensions, list):
            self.extensions += [e for e in dict.fromkeys(extensions) if isinstance(e, str) and e not in self.extensions]

    def merge(self, other: "Declared") -> None:
        for publisher in other.publishers:
            if publisher not in self.publishers:
                self.publishers.append(publisher)
        self.licenses += [v for v in other.licenses if v not in self.licenses]
        self.policies += [v for v in other.policies if v not in self.policies]
        self.add_extensions(other.extensions)

    def as_dict(self) -> dict[str, list[Any]]:
        return {"publishers": self.publishers, "licenses": self.licenses, "publicationPolicies": self.policies,
                "extensions": self.extensions}

    @classmethod
    def from_dict(cls, doc: dict[str, list[Any]]) -> "Declared":
        return cls(list(doc.get("publishers", [])), list(doc.get("licenses", [])),
                   list(doc.get("publicationPolicies", [])), list(doc.get("extensions", [])))


@dataclass
class OcdsReadStats:
    """What the reader saw: values read, releases yielded, linked releases skipped, packages."""

    releases: int = 0
    linked_releases: int = 0
    packages: int = 0
    records: int = 0
    upgraded: int = 0  # OCDS 1.0 releases upgraded to 1.1
    declared: Declared = field(default_factory=Declared)
    metadata: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (releases or records, package fields)
    unchecked_packages: int = 0  # packages whose fields were not kept (beyond METADATA_KEPT, or not found)

    @property
    def extensions(self) -> set[str]:
        """Every extension URL the packages declared."""
        return set(self.declared.extensions)

    def add(self, other: "OcdsReadStats") -> None:
        """Count what another reader saw (a block of the same file) too."""
        self.releases += other.releases
        self.linked_releases += other.linked_releases
        self.packages += other.packages
        self.records += other.records
        self.upgraded += other.upgraded
        self.declared.merge(other.declared)
        kept = other.metadata[: max(0, METADATA_KEPT - len(self.metadata))]
        self.metadata += kept
        self.unchecked_packages += other.unchecked_packages + len(other.metadata) - len(kept)


def nesting_depth(value: Any) -> int:
    """How many objects and arrays deep ``value`` goes (0 for a scalar), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if type(node) is dict:
            children = node.values()
        elif type(node) is list:
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children if type(child) in (dict, list))
    return deepest


def too_deep(value: Any) -> bool:
    """Whether ``value`` nests deeper than the limit (``max_nesting``): its brackets are counted first (cheap
    and almost always conclusive), and only a value with more brackets than the limit is walked."""
    limit = current().max_nesting
    try:
        raw = orjson.dumps(value)
    except orjson.JSONEncodeError:
        return True  # deeper than orjson writes
    return raw.count(b"{") + raw.count(b"[") > limit and nesting_depth(value) > limit


def _build(events: Iterator, prefix: str, event: str, value: Any) -> Any:
    """The whole value that starts with (prefix, event, value)."""
    if event not in ("start_map", "start_array"):
        return value
    builder = ijson.ObjectBuilder()
    builder.event(event, value)
    for item_prefix, item_event, item_value in events:
        builder.event(item_event, item_value)
        if item_prefix == prefix and item_event in ("end_map", "end_array"):
            break
    return builder.value


class ReleaseParser:
    """Turns parsed OCDS values (packages, records, releases) into releases, counting and rejecting as it goes."""

    def __init__(self, name: str, stats: OcdsReadStats, rejects: list[Reject],
                 on_record: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.name = name
        self.stats = stats
        self.rejects = rejects
        self.on_record = on_record  # called with each record (a validator checks the record's own fields)
        self.position = 0  # the number of the release or record within this input, for messages
        self.shallow = False  # True while the bytes of the value being read prove it is not too deep
        self.version: str | None = None  # the OCDS version the package being read declared, when known

    def values(self, events: Iterator) -> Iterator[dict[str, Any]]:
        number = 0
        for prefix, event, _ in events:
            number += 1
            if event == "start_map":
                yield from self._object(events, prefix, f"top-level value {number}")
            elif event == "start_array":
                for item_prefix, item_event, _ in events:
                    if item_prefix == prefix and item_event == "end_array":
                        break
                    if item_event != "start_map":
                        raise NotOCDSError(f"{self.name}: top-level value {number} is an array of "
                                           f"{item_event.replace('start_', '')}s, not of OCDS objects")
                    yield from self._object(events, item_prefix, f"an item of top-level value {number}")
            else:
                raise NotOCDSError(f"{self.name}: top-level value {number} is a {event}, not an OCDS package, release or record")

    def from_value(self, value: Any, where: str) -> Iterator[dict[str, Any]]:
        """The releases of one parsed top-level value (a JSON Lines line, or a small document)."""
        if isinstance(value, list):
            for item in value:
                if not isinstance(item, dict):
                    raise NotOCDSError(f"{self.name}: {where} is an array of {_JSON_TYPES[type(item)]}s, not of OCDS objects")
                yield from self.from_value(item, f"an item of {where}")
            return
        if not isinstance(value, dict):
            raise NotOCDSError(f"{self.name}: {where} is a {_JSON_TYPES[type(value)]}, not an OCDS package, release or record")
        streamed = {key: 0 for key in _STREAMED if isinstance(value.get(key), list)}
        if "ocid" in value or not streamed:
            yield from self._finish(value, {}, where)  # a release, a record, or not OCDS
            return
        self.note_extensions(value.get("extensions"))
        # As when streaming: only a version declared before the releases counts (the keys are in file order).
        self.version = declared_version(dict(itertools.takewhile(lambda pair: pair[0] not in _STREAMED, value.items())))
        try:
            for key in streamed:
                for item in value[key]:
                    for release in self.releases_of(key, item):
                        streamed[key] += 1
                        yield release
        finally:
            self.version = None
        yield from self._finish({k: v for k, v in value.items() if k not in streamed}, streamed, where)

    def from_line(self, line: bytes, number: int) -> Iterator[dict[str, Any]]:
        """The releases of one JSON Lines line."""
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            if "recursion" in str(error).lower():
                raise NotOCDSError(f"{self.name}: line {number} nests deeper than {current().max_nesting} levels "
                                  "(the limit, max_nesting): refused") from None
            raise NotOCDSError(f"{self.name}: line {number} is not valid JSON ({error})") from None
        self.shallow = line.count(b"{") + line.count(b"[") <= current().max_nesting
        try:
            yield from self._line_value(value, number)
        finally:
            self.shallow = False

    def _line_value(self, value: Any, number: int) -> Iterator[dict[str, Any]]:
        if type(value) is dict and "ocid" in value and "releases" not in value and "compiledRelease" not in value:
            if self._usable(value):  # the common case: one bare release per line
                yield value
        else:
            yield from self.from_value(value, f"line {number}")

    def _object(self, events: Iterator, prefix: str, where: str) -> Iterator[dict[str, Any]]:
        """Consume one object: stream its releases/records arrays, build everything else."""
        fields: dict[str, Any] = {}
        streamed: dict[str, int] = {}
        for key_prefix, event, key in events:
            if key_prefix == prefix and event == "end_map":
                break
            value_prefix, value_event, value = next(events)
            if key in _STREAMED and value_event == "start_array":
                streamed[key] = 0
                self.version = declared_version(fields)  # None when "version" comes after the array
                for item_prefix, item_event, item_value in events:
                    if item_prefix == value_prefix and item_event == "end_array":
                        break
                    item = _build(events, item_prefix, item_event, item_value)
                    for release in self.releases_of(key, item):
                        streamed[key] += 1
                        yield release
                self.version = None
            else:
                fields[key] = _build(events, value_prefix, value_event, value)
                if key == "extensions":  # known before the releases that follow it
                    self.note_extensions(fields[key])
        yield from self._finish(fields, streamed, where)

    def _finish(self, fields: dict[str, Any], streamed: dict[str, int], where: str) -> Iterator[dict[str, Any]]:
        """After an object's arrays were streamed: count a package, or yield the release or record itself."""
        if streamed:
            if "ocid" not in fields:
                self.stats.packages += 1
                self.note_package(fields, next(iter(streamed)), counted=True)
            elif not streamed.get("releases") and isinstance(fields.get("compiledRelease"), dict):
                if self._usable(fields["compiledRelease"]):  # a record with linked releases only
                    yield fields["compiledRelease"]
            return
        if "ocid" in fields:
            if "releases" in fields or "compiledRelease" in fields:
                yield from self.releases_of("records", fields)
            else:
                if self._usable(fields):
                    yield fields
            return
        keys = ", ".join(sorted(fields)[:8]) or "none"
        raise NotOCDSError(f"{self.name}: {where} is not OCDS: expected a release package, record package, "
                           f"release or record, found an object with keys: {keys}")

    def note_package(self, fields: dict[str, Any], key: str, counted: bool = False) -> None:
        """Keep a package's own fields (all but its releases or records), for the package schema."""
        if not counted:
            self.stats.packages += 1
        self.stats.declared.add_package(fields)
        if len(self.stats.metadata) < METADATA_KEPT:
            self.stats.metadata.append((key, fields))
        else:
            self.stats.unchecked_packages += 1

    def note_extensions(self, extensions: Any) -> None:
        self.stats.declared.add_extensions(extensions)

    def releases_of(self, key: str, item: Any) -> Iterator[dict[str, Any]]:
        if key == "releases":
            if isinstance(item, dict) and "url" in item and "ocid" not in item:
                self.stats.linked_releases += 1
                return
            if self._usable(item):
                yield item
            return
        self.stats.records += 1
        self.position += 1
        if not isinstance(item, dict):
            self._reject("records", "", item, "a record must be a JSON object")
            return
        if self.on_record is not None:
            self.on_record(item)
        embedded = [r for r in item.get("releases") or [] if isinstance(r, dict) and "ocid" in r]
        self.stats.linked_releases += sum(1 for r in item.get("releases") or [] if isinstance(r, dict) and "url" in r)
        if embedded:
            for release in embedded:
                if self._usable(release):
                    yield release
        elif isinstance(item.get("compiledRelease"), dict):
            if self._usable(item["compiledRelease"]):
                yield item["compiledRelease"]
        else:
            self._reject("records", "releases", item.get("ocid"),
                         "the record has neither embedded releases nor a compiledRelease to store")

    def _usable(self, release: Any) -> bool:
        """Whether a release can be used (an object with ocid, id and date strings); rejected with its reason if not.

        A usable OCDS 1.0 release is upgraded to 1.1 in place (:mod:`.upgrade`).
        """
        self.position += 1
        if not isinstance(release, dict):
            self._reject("releases", "", release, "a release must be a JSON object")
            return False
        for key in ("ocid", "id", "date"):
            if not isinstance(release.get(key), str) or not release[key]:
                self._reject("releases", key, release.get(key),
                             f"release {release.get('id')!r} of {release.get('ocid')!r} has no {key} string")
                return False
        if not self.shallow and too_deep(release):
            raise NotOCDSError(f"{self.name}: release {release['id']!r} of {release['ocid']!r} nests deeper than "
                               f"{current().max_nesting} levels (the limit, max_nesting): refused")
        self.stats.releases += 1
        if is_10(release, self.version):
            upgrade_10(release)
            self.stats.upgraded += 1
        return True

    def _reject(self, kind: str, column: str, value: Any, reason: str) -> None:
        self.rejects.append(Reject(f"{self.name} {kind}", self.position, column, truncate(value), reason, "ingest"))


def declared_version(package: dict[str, Any]) -> str | None:
    """The version a package declares, or None: 1.0 packages have no such field, and a 1.1 package may put
    it after its releases, so then each release's shape decides (:func:`.upgrade.is_10`)."""
    version = package.get("version")
    return version if isinstance(version, str) else None


def ocds_paths(source: Any) -> list[Path] | None:
    """``source`` as a list of paths when it names files (a path, or a list or tuple of them), else None."""
    if isinstance(source, (str, Path)):
        return [Path(source)]
    if isinstance(source, (list, tuple)) and source and all(isinstance(s, (str, Path)) for s in source):
        return [Path(s) for s in source]
    return None


_GZIP, _ZIP, _BOM = b"\x1f\x8b", b"PK\x03\x04", b"\xef\xbb\xbf"
_EMPTY_ZIP = b"PK\x05\x06"
# In JSON, a closing bracket is followed by a comma, another closing bracket or the end; one
# followed by an opening bracket ends a top-level value (or sits inside a string).
_VALUE_BOUNDARY = re.compile(rb"[}\]]\s*[{\[]")


def is_plain(path: Path) -> bool:
    """Whether the file is neither compressed nor starts with a byte order mark (it can be cut into blocks)."""
    with open(path, "rb") as handle:
        magic = handle.read(4)
    return not magic.startswith((_GZIP, _ZIP, _EMPTY_ZIP, _BOM)) and path.suffix.lower() not in {".gz", ".zip"}


def _kind(name: str, path: Path, magic: bytes) -> str:
    """What a file is by its first bytes: gzip, zip or plain; a suffix that promises otherwise is an error."""
    kind = "gzip" if magic.startswith(_GZIP) else "zip" if magic.startswith((_ZIP, _EMPTY_ZIP)) else "plain"
    suffix = path.suffix.lower()
    if suffix == ".gz" and kind != "gzip":
        raise NotOCDSError(f"{name} is not gzip: it does not start with gzip's signature (1f 8b)")
    if suffix == ".zip" and kind != "zip":
        raise NotOCDSError(f"{name} is not a zip archive: it does not start with a zip signature (PK)")
    return kind


def _skip_bom(stream: IO[bytes]) -> IO[bytes]:
    """The stream past a UTF-8 byte order mark, if it starts with one (JSON must not, but Windows tools add it)."""
    if stream.read(3) != _BOM:
        stream.seek(0)
    return stream


def open_inputs(path: Path) -> Iterator[tuple[str, str, IO[bytes]]]:
    """(name, kind, binary stream past any BOM) for a file, a gzip file, or each member of a zip file.

    Compression is recognised by its signature, whatever the file is called (standard input
    has no name to go by); ``kind`` is ``plain`` when the stream is the file itself.
    """
    if not path.is_file():
        raise SourceError(f"{path} is not a file")
    limits = current()
    size = path.stat().st_size
    with open(path, "rb") as raw:
        kind = _kind(path.name, path, raw.read(4))
        raw.seek(0)
        if kind == "plain":
            _check_size(path.name, size, limits)
            yield path.name, kind, _skip_bom(raw)
            return
        if kind == "gzip":
            with gzip.open(raw, "rb") as stream:
                yield path.name, kind, _skip_bom(_decompressed(path.name, stream, size, limits))
            return
        with zipfile.ZipFile(raw) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            if not members:
                raise NotOCDSError(f"{path.name} is a zip archive with no files in it")
            if len(members) > limits.max_zip_members:
                raise NotOCDSError(f"{path.name} is a zip archive of {len(members):,} files, more than the limit "
                                   f"({limits.max_zip_members:,}, max_zip_members); refusing the archive")
            for info in members:
                member = PurePosixPath(info.filename)
                if member.is_absolute() or ".." in member.parts:
                    raise NotOCDSError(f"{path.name}: member {info.filename!r} has an unsafe path; refusing the archive")
                name = f"{path.name}:{info.filename}"
                _check_size(name, info.file_size, limits)
                _check_ratio(name, info.file_size, info.compress_size, limits)
                with archive.open(info) as stream:  # zipfile reads no more than the size checked above
                    if _kind(name, member, stream.read(4)) == "gzip":
                        stream.seek(0)
                        with gzip.open(stream, "rb") as inner:
                            yield name, "member", _skip_bom(_decompressed(name, inner, info.file_size, limits))
                    else:
                        stream.seek(0)
                        yield name, "member", _skip_bom(stream)


def _check_size(name: str, size: int, limits: ReaderLimits) -> None:
    if size > limits.max_input_bytes:
        raise NotOCDSError(f"{name} is {size:,} bytes, more than the limit ({limits.max_input_bytes:,}, "
                           "max_input_bytes); refusing it")


def _check_ratio(name: str, size: int, compressed: int, limits: ReaderLimits) -> None:
    if size > limits.max_compression_ratio * max(compressed, 1):
        raise NotOCDSError(f"{name} decompresses to {size:,} bytes from {compressed:,}, more than "
                           f"{limits.max_compression_ratio:,} times (max_compression_ratio): a zip bomb? refusing it")


def _decompressed(name: str, stream: IO[bytes], compressed: int, limits: ReaderLimits) -> IO[bytes]:
    """A gzip stream that stops, with the limit's message, past the most its compressed size may give."""
    ratio_bound = limits.max_compression_ratio * max(compressed, 1)
    if ratio_bound < limits.max_input_bytes:
        error = NotOCDSError(f"{name} decompresses to more than {ratio_bound:,} bytes from {compressed:,}, more than "
                             f"{limits.max_compression_ratio:,} times (max_compression_ratio): a gzip bomb? refusing it")
    else:
        error = NotOCDSError(f"{name} decompresses to more than {limits.max_input_bytes:,} bytes, the limit "
                             "(max_input_bytes); refusing it")
    return Capped(stream, min(ratio_bound, limits.max_input_bytes), error)  # type: ignore[return-value]


class _Prefixed(io.RawIOBase):
    """A stream that first returns ``head`` (bytes already read), then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self.head, self.stream = head, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.head:
            size = min(len(buffer), len(self.head))
            buffer[:size], self.head = self.head[:size], self.head[size:]
            return size
        data = self.stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def _lines(parser: ReleaseParser, first: bytes, stream: IO[bytes]) -> Iterator[dict[str, Any]]:
    """JSON Lines (or one compact document per line): each line parsed at C speed by orjson.

    A line longer than ``BIG_LINE`` switches the rest of the input to the streaming parser.
    """
    number, line = 0, first
    while line:
        number += 1
        if len(line) >= LINE_LIMIT and not line.endswith(b"\n"):
            line += stream.readline(BIG_LINE - len(line))
            if len(line) >= BIG_LINE and not line.endswith(b"\n"):
                rest = io.BufferedReader(_Prefixed(line, stream), buffer_size=1 << 16)
                yield from parser.values(ijson.parse(rest, multiple_values=True, use_float=True))
                return
        current, line = line, stream.readline(LINE_LIMIT)
        if current.strip():
            yield from parser.from_line(current, number)


def _package_shape(head: bytes) -> tuple[str, str] | None:
    """(items prefix, array name) when the input starts as a package or an array of packages.

    Found from the first events of the head of the file: a top-level object (or array of objects)
    with a ``releases`` or ``records`` key before any ``ocid`` key.
    """
    events = ijson.parse(io.BytesIO(head[: 1 << 20]), multiple_values=True)
    try:
        for prefix, event, value in events:
            if event == "map_key" and prefix in ("", "item"):
                if value == "ocid":
                    return None  # a release or record, not a package
                if value in _STREAMED:
                    base = f"{prefix}." if prefix else ""
                    return f"{base}{value}.item", value
    except ijson.JSONError:  # the head ends mid-document: nothing found in it
        return None
    return None


def _package_items(parser: ReleaseParser, stream: IO[bytes], offset: int, prefix: str, key: str) -> Iterator[dict[str, Any]]:
    """Releases or records of one big package, built by ijson's C backend; ``stream`` is the plain file.

    The package's own fields are read before the releases are yielded, wherever they are (SERCOP's
    API bodies put the extensions after the releases), from the ends of the file; a package
    whose ends are not found there is read by the generic streaming parser instead.
    """
    stream.seek(offset)
    head = package_head(stream.read(WINDOW))
    tail = package_tail(stream, key) if head is not None else None
    stream.seek(offset)
    if head is None or tail is None:
        yield from parser.values(ijson.parse(stream, multiple_values=True, use_float=True))
        return
    parser.note_package({**head[0], **tail}, key)  # one package: its fields before and after the array
    parser.version = declared_version(head[0])  # as the streaming parser knows it: declared before the array
    for item in ijson.items(stream, prefix, multiple_values=True, use_float=True):
        yield from parser.releases_of(key, item)


def _one_value(stream: IO[bytes], offset: int) -> bool:
    """Whether the plain file holds a single JSON value (no top-level value ends before another starts)."""
    stream.seek(offset)
    tail = b""
    for chunk in iter(lambda: stream.read(1 << 22), b""):
        if _VALUE_BOUNDARY.search(tail + chunk):
            return False
        tail = chunk[-64:]
    return True


def read_ocds(path: Path, stats: OcdsReadStats | None = None, rejects: list[Reject] | None = None,
              on_record: Callable[[dict[str, Any]], None] | None = None) -> Iterator[dict[str, Any]]:
    """Yield every release in ``path``; malformed releases go to ``rejects``; non-OCDS input raises.

    ``on_record`` is called with each record, before its releases are yielded.

    When the first line of an input is a whole JSON value of at most ``LINE_LIMIT`` bytes, the
    input is read line by line (JSON Lines, the usual bulk format). An array of packages (SERCOP's
    bulk files) is read package by package; one big package in a plain file is streamed by
    ijson's C backend; anything else (concatenated bodies, compressed packages) by the generic
    streaming parser, so that one huge pretty-printed package never has to fit in memory.
    """
    stats = stats if stats is not None else OcdsReadStats()
    rejects = rejects if rejects is not None else []
    name = Path(path).name
    try:
        for name, kind, stream in open_inputs(Path(path)):
            yield from _read_input(ReleaseParser(name, stats, rejects, on_record), kind, stream)
    except (OSError, EOFError, zipfile.BadZipFile, gzip.BadGzipFile, zlib.error) as error:
        raise NotOCDSError(f"{name}: cannot read ({error})") from None


def _read_input(parser: ReleaseParser, kind: str, stream: IO[bytes]) -> Iterator[dict[str, Any]]:
    """The releases of one input stream (a file, or a member of a zip archive)."""
    name, offset = parser.name, stream.tell()
    try:
        first = stream.readline(LINE_LIMIT)
        while first and not first.strip():
            offset, first = stream.tell(), stream.readline(LINE_LIMIT)
        if not first:
            raise NotOCDSError(f"{name} is empty: no JSON in it")
        shape, asked = _package_shape(first), LINE_LIMIT
        if shape is None and len(first) >= LINE_LIMIT and not first.endswith(b"\n"):
            first += stream.readline(BIG_LINE - len(first))  # a long first line of releases (not a package)
            asked = BIG_LINE
        if first.endswith(b"\n") or len(first) < asked:  # a whole line
            try:
                orjson.loads(first)
            except orjson.JSONDecodeError:
                pass
            else:
                yield from _lines(parser, first, stream)
                return
        if shape is not None and kind == "plain" and shape[0] != f"item.{shape[1]}.item" and _one_value(stream, offset):
            yield from _package_items(parser, stream, offset, *shape)  # one big package: the fast path
            return
        if kind == "plain":
            stream.seek(offset)
            rest: IO[bytes] = stream
        else:
            rest = io.BufferedReader(_Prefixed(first, stream), buffer_size=1 << 16)
        if shape is not None and shape[0] == f"item.{shape[1]}.item":  # an array of packages
            for package in ijson.items(rest, "item", multiple_values=True, use_float=True):
                yield from parser.from_value(package, "a package")
        else:
            yield from parser.values(ijson.parse(rest, multiple_values=True, use_float=True))
    except ijson.JSONError as error:
        message = " ".join(str(error).split())
        raise NotOCDSError(f"{name}: not valid JSON ({message}) after {parser.position} releases or records") from None
