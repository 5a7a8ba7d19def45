"""Each process's releases from any OCDS files, once, however the input is ordered.

Bulk files are usually ordered by process, so each process's releases can be merged as soon as
the next process starts (:func:`group_releases`, streaming, no temporary files). An input that is
not (an ocid reappears later) raises :class:`NotGroupedError` there; :func:`with_groups` then
starts again from the beginning through a temporary grouping by ocid on disk
(:class:`~ocds_pipeline.compile.spill.Spill`), so that whatever consumes the processes sees each
exactly once. The consumer is a function of the whole stream (it builds a table, a report or a
set of files), so restarting it is safe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

import orjson

from ..schemas import SchemaResolver
from ..sources.ocds import OcdsReadStats, read_ocds
from ..sources.rejects import Reject, truncate
from .merge import MergeError, Merger
from .spill import Spill

T = TypeVar("T")
Group = tuple[str, list[dict[str, Any]]]


class NotGroupedError(Exception):
    """An ocid's releases are not contiguous in the input, so it cannot be compiled as it streams."""


def distinct_releases(ocid: str, releases: Iterable[dict[str, Any]], rejects: list[Reject]) -> list[dict[str, Any]]:
    """One process's releases, oldest first: a repeated identical release is dropped, and a
    different release with the same id is rejected (the first is kept)."""
    kept: dict[str, tuple[dict[str, Any], bytes | None]] = {}
    for release in releases:
        earlier = kept.get(release["id"])
        if earlier is None:
            kept[release["id"]] = (release, None)
            continue
        first, digest = earlier
        digest = digest or orjson.dumps(first, option=orjson.OPT_SORT_KEYS)
        kept[release["id"]] = (first, digest)
        if orjson.dumps(release, option=orjson.OPT_SORT_KEYS) != digest:
            rejects.append(Reject("releases", 0, "id", truncate(f"{ocid} {release['id']}"),
                                  "two different releases have this ocid and id; the first was kept", "ingest"))
    return sorted((release for release, _ in kept.values()), key=lambda r: r["date"])


def runs_by_ocid(releases: Iterable[dict[str, Any]]) -> Iterator[Group]:
    """Each run of consecutive releases with the same ocid, in input order, as it ends.

    Raises :class:`NotGroupedError` when an ocid reappears after another one.
    """
    seen: set[str] = set()
    current, group = None, []
    for release in releases:
        ocid = release["ocid"]
        if ocid != current:
            if group:
                yield current, group
            if ocid in seen:
                raise NotGroupedError(ocid)
            seen.add(ocid)
            current, group = ocid, []
        group.append(release)
    if group:
        yield current, group


def group_releases(paths: Iterable[Path], stats: OcdsReadStats, rejects: list[Reject]) -> Iterator[Group]:
    """Each process's releases (oldest first) straight from inputs grouped by ocid.

    Raises :class:`NotGroupedError` when an ocid reappears after another one.
    """
    read = (release for path in paths for release in read_ocds(Path(path), stats, rejects))
    for ocid, group in runs_by_ocid(read):
        yield ocid, distinct_releases(ocid, group, rejects)


def spilled_groups(paths: Iterable[Path], stats: OcdsReadStats, rejects: list[Reject]) -> Iterator[Group]:
    """Each process's releases (oldest first), in ocid order, from inputs in any order."""
    with Spill() as spill:
        for path in paths:
            for release in read_ocds(Path(path), stats, rejects):
                spill.add(release["ocid"], orjson.dumps(release))
        for ocid, bodies in spill.groups():
            yield ocid, distinct_releases(ocid, map(orjson.loads, bodies), rejects)


def with_groups(paths: Iterable[Path], consume: Callable[[Iterator[Group], OcdsReadStats], T], *,
                stats: OcdsReadStats | None = None, rejects: list[Reject] | None = None) -> tuple[T, bool]:
    """``consume`` each process's releases, once; return its result and whether the input had to be regrouped.

    ``consume`` also gets what this pass of the reading has seen so far (complete once the
    groups are exhausted). What the reading saw and refused is added to ``stats`` and
    ``rejects`` (never cleared), from the one pass that counted.
    """
    paths = list(paths)
    for regroup in (False, True):
        seen, refused = OcdsReadStats(), []
        groups = (spilled_groups if regroup else group_releases)(paths, seen, refused)
        try:
            result = consume(groups, seen)
        except NotGroupedError:
            continue
        if stats is not None:
            stats.add(seen)
        if rejects is not None:
            rejects.extend(refused)
        return result, regroup
    raise AssertionError("unreachable: regrouped input is always grouped")


def compiled_releases(groups: Iterable[Group], merger: Merger, rejects: list[Reject]) -> Iterator[dict[str, Any]]:
    """One compiled release per process; a process given by a single compiled release is used as it is.

    Processes whose releases cannot be merged are reported in ``rejects`` and skipped.
    """
    for ocid, releases in groups:
        if len(releases) == 1 and releases[0].get("tag") == ["compiled"]:
            yield releases[0]
            continue
        try:
            yield merger.compiled(releases)
        except MergeError as error:
            rejects.append(Reject("releases", 0, "ocid", ocid, f"cannot compile: {error}", "compile"))


def default_merger(resolver: SchemaResolver | None = None) -> Merger:
    """A merger of the pinned OCDS 1.1.5 release schema with this project's published extensions."""
    from ..extensions import patched_release_schema

    return Merger(patched_release_schema(resolver or SchemaResolver.from_env()))


def with_compiled(paths: Iterable[Path], consume: Callable[[Iterator[dict[str, Any]]], T], *,
                  merger: Merger | None = None, resolver: SchemaResolver | None = None,
                  stats: OcdsReadStats | None = None, rejects: list[Reject] | None = None) -> T:
    """``consume`` one compiled release per process of any OCDS files (each process once, any order).

    Releases are merged with the pinned OCDS 1.1.5 and this project's published extensions unless
    a ``merger`` is given.
    """
    merger = merger or default_merger(resolver)
    refused: list[Reject] = []

    def run(groups: Iterator[Group], _seen: OcdsReadStats) -> T:
        refused.clear()  # this pass's own merge rejects; a restarted pass counts them again
        return consume(compiled_releases(groups, merger, refused))

    result, _ = with_groups(paths, run, stats=stats, rejects=rejects)
    if rejects is not None:
        rejects.extend(refused)
    return result


def as_bodies(groups: Iterable[Group]) -> Iterator[tuple[str, list[bytes]]]:
    """Each process's releases as JSON bodies (what the publication writers take)."""
    for ocid, releases in groups:
        yield ocid, [orjson.dumps(release) for release in releases]
