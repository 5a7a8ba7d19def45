"""OCDS package envelopes and streaming writers for releases (JSON package and JSON Lines).

Writers stream: releases are written as they come, so memory does not grow with the package,
and each file is renamed into place only when complete. ``publishedDate`` is the latest release
date in the package (the last change to its contents), so rewriting the same data gives the
same bytes.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator

import orjson

from .atomic import atomic_output
from .config import Config
from .extensions import PUBLISHED_EXTENSIONS, load_extension
from .faults import checkpoint
from .schemas import SchemaResolver
from .sources.ocds import Declared

OCDS_VERSION = "1.1"


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, the one serialisation used for every published file."""
    return orjson.dumps(value)


def extension_urls(config: Config, resolver: SchemaResolver, names=PUBLISHED_EXTENSIONS) -> list[str]:
    return [load_extension(name, resolver, config.base_uri).url for name in names]


@dataclass(frozen=True)
class PackageFields:
    """Who publishes a package, under which licence and policy, with which extensions."""

    publisher: dict[str, Any]
    license: str | None
    publication_policy: str | None
    extensions: list[str]

    @classmethod
    def of_config(cls, config: Config, extensions: list[str]) -> "PackageFields":
        """This project's own publication: the configured publisher, licence and policy."""
        return cls(_publisher(config), config.license, config.policy_url, extensions)


def _publisher(config: Config) -> dict[str, Any]:
    return {"name": config.publisher_name, "scheme": config.publisher_scheme, "uid": config.publisher_uid,
            "uri": config.publisher_uri}


def republishing(config: Config, declared: list[Declared], own_extensions: list[str] | None) -> tuple[PackageFields, list[str]]:
    """The fields of a package that republishes what ``declared`` describes (other publishers'
    packages), with this project's own releases too when ``own_extensions`` is given.

    Each of publisher, licence and policy is kept when the sources agree on one; when they differ,
    or state none, the configuration decides (and a disagreement is a warning). Extensions are
    the union of all, in the order met; this project's own only when its own releases are there.
    """
    sources = Declared()
    for one in declared:
        sources.merge(one)
    warnings: list[str] = []

    def choose(found: list[Any], configured: Any, what: str, show: Callable[[Any], str]) -> Any:
        candidates = list(found)
        if own_extensions is not None and configured not in candidates:
            candidates.append(configured)
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            warnings.append(f"the input mixes {len(candidates)} {what}s ({'; '.join(show(c) for c in candidates)}): "
                            f"the packages state the configured one, {show(configured)}")
        return configured

    publisher = choose(sources.publishers, _publisher(config), "publisher", lambda p: str(p.get("name")))
    license = choose(sources.licenses, config.license, "licence", str)
    policy = choose(sources.policies, config.policy_url, "publication policy", str)
    extensions = list(dict.fromkeys([*sources.extensions, *(own_extensions or [])]))
    return PackageFields(publisher, license, policy, extensions), warnings


def package_metadata(fields: PackageFields, uri: str, version: str = OCDS_VERSION,
                     with_extensions: bool = True) -> dict[str, Any]:
    """Everything of a release, record or OC4IDS project package except its contents and ``publishedDate``."""
    metadata = {"uri": uri, "version": version, "publisher": fields.publisher}
    if fields.license:
        metadata["license"] = fields.license
    if fields.publication_policy:
        metadata["publicationPolicy"] = fields.publication_policy
    if with_extensions:
        metadata["extensions"] = fields.extensions
    return metadata


class PackageWriter:
    """Streams one package file: its metadata, then the ``releases`` or ``records`` array.

    ``metadata`` may be a function, for metadata known only once the contents were read (a
    republication keeps what its sources declared): the array then goes to a temporary file,
    copied after the metadata when the package closes.
    """

    def __init__(self, path: Path, metadata: dict[str, Any] | Callable[[], dict[str, Any]], key: str) -> None:
        self.count = 0
        self.latest = ""
        self.key = key.encode()
        self._context = atomic_output(path)
        self._file = self._context.__enter__()
        self._later: Callable[[], dict[str, Any]] | None = None
        self._items: IO[bytes] = self._file
        if callable(metadata):
            self._later = metadata
            self._items = tempfile.TemporaryFile(dir=path.parent)
        else:
            self._head(metadata)

    def _head(self, metadata: dict[str, Any]) -> None:
        self._file.write(dumps(metadata)[:-1] + b',"' + self.key + b'":[')  # the object, still open

    def add(self, body: bytes, date: str = "") -> None:
        self._items.write(b"," + body if self.count else body)
        self.count += 1
        self.saw(date)
        checkpoint("file.writing")

    def saw(self, date: str) -> None:
        """Note a date of the contents: ``publishedDate`` is the latest one."""
        if date and date > self.latest:
            self.latest = date

    def close(self) -> None:
        if self._later is not None:
            self._head(self._later())
            self._items.seek(0)
            shutil.copyfileobj(self._items, self._file, 1 << 20)
            self._items.close()
        self._file.write(b'],"publishedDate":' + dumps(self.latest or None) + b"}\n")
        self._context.__exit__(None, None, None)

    def abort(self, error: BaseException) -> None:
        if self._later is not None:
            self._items.close()
        self._context.__exit__(type(error), error, error.__traceback__)


class LinesWriter:
    """Streams a JSON Lines file."""

    def __init__(self, path: Path) -> None:
        self.count = 0
        self._context = atomic_output(path)
        self._file = self._context.__enter__()

    def add(self, body: bytes, date: str = "") -> None:
        self._file.write(body + b"\n")
        self.count += 1
        checkpoint("file.writing")

    def close(self) -> None:
        self._context.__exit__(None, None, None)

    def abort(self, error: BaseException) -> None:
        self._context.__exit__(type(error), error, error.__traceback__)


class Outputs:
    """Writers that are all published (renamed into place) at the end, or all dropped on error."""

    def __init__(self, **writers: PackageWriter | LinesWriter) -> None:
        self.writers = writers

    def __getattr__(self, name: str) -> PackageWriter | LinesWriter:
        try:
            return self.__dict__["writers"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __enter__(self) -> "Outputs":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        """Close every writer, or abort every one on error; one that fails to close (a full disk) aborts
        the rest, so that no temporary file is left behind, and its error is raised."""
        failure: BaseException | None = None
        for writer in self.writers.values():
            try:
                if exc is None and failure is None:
                    writer.close()
                else:
                    writer.abort(exc or failure)
            except BaseException as error:
                failure = failure or error
        if failure is not None and failure is not exc:
            raise failure


def write_releases(releases: Iterable[dict[str, Any]], directory: Path, stem: str, metadata: dict[str, Any]) -> int:
    """Write a release package and a JSON Lines file of the same releases; return how many."""
    with Outputs(package=PackageWriter(directory / f"{stem}.json", metadata, "releases"),
                 lines=LinesWriter(directory / f"{stem}.jsonl")) as out:
        for release in releases:
            body = dumps(release)
            out.package.add(body, release["date"])
            out.lines.add(body)
    return out.package.count


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, "rb") as handle:
        for line in handle:
            if line.strip():
                yield orjson.loads(line)
