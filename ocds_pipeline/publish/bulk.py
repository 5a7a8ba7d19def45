"""The publication's OCDS files: per year and for everything, split by date when too large.

A process belongs to the year of its first release date (:func:`.cache.process_year`), which
its later releases never change, so a process does not move between files when it changes. Each
part of the publication has three files: ``compiled.jsonl.gz`` (one compiled release a line),
``releases.json.gz`` (a release package) and ``records.json.gz`` (a record package linking to
those releases). A year whose files would pass ``max_file_bytes`` uncompressed is split into
runs of whole months (``compiled-2024-01_2024-06.jsonl.gz``), each written again only when its own
processes change (:func:`part_signature`); ``full/`` holds everything when it fits within the limit,
else the years are the only files (the manifest says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from ..packaging import OCDS_VERSION, LinesWriter, Outputs, PackageFields, PackageWriter, package_metadata
from ..privacy import Privacy
from ..store import Store
from .cache import cached_processes
from .records import CompiledProcess

FULL = "full"
# Bytes a release adds to a part beyond its own body: its link in the record package, the
# package punctuation, and (over-)estimating the compiled release with the releases it merges.
PER_RELEASE = 300


@dataclass(frozen=True)
class Part:
    """A set of processes with their own three files: a year (``year`` None: every year), or some of its months."""

    folder: str
    year: str | None
    months: tuple[str, str] | None = None

    @property
    def suffix(self) -> str:
        return "" if self.months is None else f"-{self.months[0]}_{self.months[1]}"

    def path(self, kind: str) -> str:
        """The file's path in the publication: ``ocds/2024/compiled.jsonl.gz``."""
        extension = "jsonl.gz" if kind == "compiled" else "json.gz"
        return f"ocds/{self.folder}/{kind}{self.suffix}.{extension}"


def _estimate(releases: int, size: int) -> int:
    return size + PER_RELEASE * releases


def year_parts(year: str, months: dict[str, tuple[int, int, int]], limit: int) -> list[Part]:
    """The year whole, or runs of whole months each within ``limit`` (a month larger than the limit alone);
    ``months``: :meth:`.Store.month_totals` of the year."""
    if _estimate(sum(m[1] for m in months.values()), sum(m[2] for m in months.values())) <= limit:
        return [Part(year, year)]
    parts, run, total = [], [], 0
    for month, (_, releases, size) in months.items():
        estimate = _estimate(releases, size)
        if run and total + estimate > limit:
            parts.append(Part(year, year, (run[0], run[-1])))
            run, total = [], 0
        run.append(month)
        total += estimate
    if run:
        parts.append(Part(year, year, (run[0], run[-1])))
    return parts


def part_signature(part: Part, months: dict[str, tuple[int, int, int]]) -> list[Any]:
    """What changes whenever a month part's processes change: its months, and their processes, releases and
    bytes (releases are only ever added)."""
    assert part.months is not None
    return [list(part.months), [[month, *totals] for month, totals in months.items()
                                if part.months[0] <= month <= part.months[1]]]


def full_fits(totals: dict[str, dict[str, Any]], limit: int) -> bool:
    """Whether every process fits in one set of files."""
    return _estimate(sum(t["releases"] for t in totals.values()), sum(t["release_bytes"] for t in totals.values())) <= limit


@dataclass
class Written:
    """What one part's files hold."""

    processes: int = 0
    releases: int = 0
    first_date: str = ""
    latest_date: str = ""


def write_part(store: Store, part: Part, root: Path, base_uri: str, fields: PackageFields, privacy: Privacy,
               each: Callable[[CompiledProcess], None] | None = None) -> Written:
    """Write one part's three files under ``root`` (natural persons' data as ``privacy`` says); ``each``
    also sees every process, as stored (for the tables, which follow a policy of their own)."""
    releases_uri = f"{base_uri}{part.path('releases')}"

    def metadata(kind: str, **extra: Any) -> dict[str, Any]:
        return {**package_metadata(fields, f"{base_uri}{part.path(kind)}", OCDS_VERSION), **extra}

    written = Written()
    writers = {"compiled": LinesWriter(root / part.path("compiled")),
               "releases": PackageWriter(root / part.path("releases"), metadata("releases"), "releases"),
               "records": PackageWriter(root / part.path("records"), metadata("records", packages=[releases_uri]),
                                        "records")}
    with Outputs(**writers) as files:
        for stored in _processes(store, part, releases_uri):
            process = privacy.process(stored)
            for body in process.bodies:
                files.releases.add(body)
            files.releases.saw(process.latest)
            files.records.add(process.record, process.latest)
            if process.compiled is not None:
                files.compiled.add(process.compiled)
            written.processes += 1
            written.releases += process.releases
            written.first_date = min(written.first_date or process.first, process.first)
            written.latest_date = max(written.latest_date, process.latest)
            if each is not None:
                each(stored)
    return written


def _processes(store: Store, part: Part, releases_uri: str) -> Iterator[CompiledProcess]:
    return cached_processes(store, releases_uri, part.year, part.months)
