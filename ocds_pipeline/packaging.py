"""OCDS package envelopes and streaming writers for releases (JSON package and JSON Lines).

Writers stream: releases are written as they come, so memory does not grow with the package,
and each file is renamed into place only when complete. ``publishedDate`` is the latest release
date in the package (the last change to its contents), so rewriting the same data gives the
same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

from .atomic import atomic_open
from .config import Config
from .extensions import PUBLISHED_EXTENSIONS, load_extension
from .schemas import SchemaResolver

OCDS_VERSION = "1.1"


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, the one serialisation used for every published file."""
    return orjson.dumps(value)


def extension_urls(config: Config, resolver: SchemaResolver, names=PUBLISHED_EXTENSIONS) -> list[str]:
    return [load_extension(name, resolver, config.base_uri).url for name in names]


def package_metadata(config: Config, uri: str, extensions: list[str] | None = None,
                     version: str = OCDS_VERSION) -> dict[str, Any]:
    """Everything of a release, record or OC4IDS project package except its contents and ``publishedDate``."""
    metadata = {
        "uri": uri,
        "version": version,
        "publisher": {"name": config.publisher_name, "scheme": config.publisher_scheme,
                      "uid": config.publisher_uid, "uri": config.publisher_uri},
        "license": config.license,
        "publicationPolicy": config.publication_policy,
    }
    if extensions is not None:
        metadata["extensions"] = extensions
    return metadata


class PackageWriter:
    """Streams one package file: its metadata, then the ``releases`` or ``records`` array."""

    def __init__(self, path: Path, metadata: dict[str, Any], key: str) -> None:
        self.count = 0
        self.latest = ""
        self._context = atomic_open(path, "wb")
        self._file = self._context.__enter__()
        self._file.write(dumps(metadata)[:-1] + b',"' + key.encode() + b'":[')  # the object, still open

    def add(self, body: bytes, date: str = "") -> None:
        self._file.write(b"," + body if self.count else body)
        self.count += 1
        self.saw(date)

    def saw(self, date: str) -> None:
        """Note a date of the contents: ``publishedDate`` is the latest one."""
        if date and date > self.latest:
            self.latest = date

    def close(self) -> None:
        self._file.write(b'],"publishedDate":' + dumps(self.latest or None) + b"}\n")
        self._context.__exit__(None, None, None)

    def abort(self, error: BaseException) -> None:
        self._context.__exit__(type(error), error, error.__traceback__)


class LinesWriter:
    """Streams a JSON Lines file."""

    def __init__(self, path: Path) -> None:
        self.count = 0
        self._context = atomic_open(path, "wb")
        self._file = self._context.__enter__()

    def add(self, body: bytes, date: str = "") -> None:
        self._file.write(body + b"\n")
        self.count += 1

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
        for writer in self.writers.values():
            if exc is None:
                writer.close()
            else:
                writer.abort(exc)


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
