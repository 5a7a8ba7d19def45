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


def package_metadata(config: Config, uri: str, extensions: list[str]) -> dict[str, Any]:
    """Everything of a release/record package except its contents and ``publishedDate``."""
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "publisher": {"name": config.publisher_name, "scheme": config.publisher_scheme,
                      "uid": config.publisher_uid, "uri": config.publisher_uri},
        "license": config.license,
        "publicationPolicy": config.publication_policy,
        "extensions": extensions,
    }


class ReleaseWriters:
    """Writes the same release stream to a release package (``.json``) and JSON Lines (``.jsonl``)."""

    def __init__(self, directory: Path, stem: str, metadata: dict[str, Any]) -> None:
        self.count = 0
        self.latest = ""
        self._metadata = metadata
        self._package = atomic_open(directory / f"{stem}.json", "wb")
        self._lines = atomic_open(directory / f"{stem}.jsonl", "wb")
        self._json = self._package.__enter__()
        self._jsonl = self._lines.__enter__()
        head = dumps(metadata)[:-1]  # the metadata object, still open
        self._json.write(head + b',"releases":[')

    def write(self, release: dict[str, Any]) -> None:
        body = dumps(release)
        self._json.write(b"," + body if self.count else body)
        self._jsonl.write(body + b"\n")
        self.count += 1
        self.latest = max(self.latest, release["date"])

    def close(self) -> None:
        self._json.write(b'],"publishedDate":' + dumps(self.latest or None) + b"}\n")
        self._package.__exit__(None, None, None)
        self._lines.__exit__(None, None, None)

    def abort(self, error: BaseException) -> None:
        """Remove the partial files; the previous publication (if any) stays untouched."""
        for context in (self._package, self._lines):
            context.__exit__(type(error), error, error.__traceback__)


def write_releases(releases: Iterable[dict[str, Any]], directory: Path, stem: str, metadata: dict[str, Any]) -> int:
    """Write a release package and a JSON Lines file atomically; return the number of releases."""
    writers = ReleaseWriters(directory, stem, metadata)
    try:
        for release in releases:
            writers.write(release)
    except BaseException as error:
        writers.abort(error)
        raise
    writers.close()
    return writers.count


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, "rb") as handle:
        for line in handle:
            if line.strip():
                yield orjson.loads(line)
