"""Compile OCDS from files as it streams: releases grouped by ocid, and compiled releases.

Bulk files are usually ordered by process, so each process's releases can be merged as soon as
the next process starts; an input that is not (an ocid reappears later) raises
:class:`NotGroupedError`, and callers stage it in a temporary store instead.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

from ..schemas import SchemaResolver
from ..sources.ocds import OcdsReadStats, read_ocds
from ..sources.rejects import Reject, truncate
from ..store import Store, StoredRelease
from ..store.ingest import ingest
from .merge import MergeError, Merger


class NotGroupedError(Exception):
    """An ocid's releases are not contiguous in the input, so it cannot be compiled as it streams."""


def group_releases(paths: Iterable[Path], stats: OcdsReadStats,
                   rejects: list[Reject]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Each process's releases (oldest first) straight from inputs grouped by ocid.

    Repeated identical releases are dropped; a different release with the same ocid and id is
    rejected. Raises :class:`NotGroupedError` when an ocid reappears after another one.
    """
    seen: set[str] = set()
    current, group = None, {}
    for path in paths:
        for release in read_ocds(Path(path), stats, rejects):
            ocid = release["ocid"]
            if ocid != current:
                if group:
                    yield current, sorted(group.values(), key=lambda r: r["date"])
                if ocid in seen:
                    raise NotGroupedError(ocid)
                seen.add(ocid)
                current, group = ocid, {}
            earlier = group.setdefault(release["id"], release)
            if earlier is not release and StoredRelease.of(earlier).digest != StoredRelease.of(release).digest:
                rejects.append(Reject("releases", 0, "id", truncate(f"{ocid} {release['id']}"),
                                      "two different releases have this ocid and id; the first was kept", "ingest"))
    if group:
        yield current, sorted(group.values(), key=lambda r: r["date"])


def stream_groups(paths: Iterable[Path], stats: OcdsReadStats, rejects: list[Reject]) -> Iterator[tuple[str, list[bytes]]]:
    """Like :func:`group_releases`, with each release as its JSON body."""
    for ocid, releases in group_releases(paths, stats, rejects):
        yield ocid, [orjson.dumps(release) for release in releases]


def iter_compiled(paths: Iterable[Path], merger: Merger, stats: OcdsReadStats | None = None,
                  rejects: list[Reject] | None = None) -> Iterator[dict[str, Any]]:
    """One compiled release per process in any OCDS input (release history, records, API bodies).

    A process given by a single compiled release is used as it is. Processes whose releases
    cannot be merged are reported in ``rejects`` and skipped.
    """
    paths = list(paths)
    stats = stats if stats is not None else OcdsReadStats()
    rejects = rejects if rejects is not None else []

    def compiled(groups: Iterable[tuple[str, list[dict[str, Any]]]]) -> Iterator[dict[str, Any]]:
        for ocid, releases in groups:
            if len(releases) == 1 and releases[0].get("tag") == ["compiled"]:
                yield releases[0]
                continue
            try:
                yield merger.compiled(releases)
            except MergeError as error:
                rejects.append(Reject("releases", 0, "ocid", ocid, f"cannot compile: {error}", "compile"))

    try:
        yield from compiled(group_releases(paths, stats, rejects))
        return
    except NotGroupedError:
        stats.__init__()
        rejects.clear()
    with tempfile.TemporaryDirectory(prefix="ocds-compile-") as workdir:
        store = Store(str(Path(workdir) / "store.sqlite"))
        result = ingest(paths, store)
        stats.__dict__.update(result.stats.__dict__)
        rejects.extend(result.rejects)
        yield from compiled((ocid, [orjson.loads(body) for body in bodies]) for ocid, bodies in store.releases_by_ocid())
        store.close()


def compiled_releases_of(path: Path, resolver: SchemaResolver | None = None) -> Iterator[dict[str, Any]]:
    """Compiled releases of any OCDS file, merged with the pinned OCDS 1.1.5 + published extensions."""
    from ..extensions import patched_release_schema

    resolver = resolver or SchemaResolver.from_env()
    return iter_compiled([Path(path)], Merger(patched_release_schema(resolver)))
