"""The main job, end to end, as one library call; the CLI's ``run`` and ``map`` are thin shells over it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .atomic import write_bytes
from .config import Config
from .mapping import MappingStats, map_source
from .packaging import extension_urls, package_metadata, write_releases
from .schemas import SchemaResolver
from .sources import Accounting, RejectLog

RELEASES_STEM = "releases"


@dataclass
class RunSummary:
    """What a run read, published and rejected, and where it wrote its outputs."""

    source: str
    accounting: Accounting
    mapping: MappingStats
    rejects: int
    out: Path
    max_reject_rate: float
    files: list[str] = field(default_factory=list)

    @property
    def reject_rate(self) -> float:
        total = self.accounting.total
        return total.rejected / total.read if total.read else 0.0

    @property
    def ok(self) -> bool:
        return self.reject_rate <= self.max_reject_rate

    def as_dict(self) -> dict[str, Any]:
        total = self.accounting.total
        return {
            "source": self.source,
            "tables": self.accounting.as_dict(),
            "total": {"read": total.read, "accepted": total.accepted, "rejected": total.rejected},
            "unused_lookup_rows": self.mapping.unused,
            "reject_rate": round(self.reject_rate, 6),
            "max_reject_rate": self.max_reject_rate,
            "processes": self.mapping.processes,
            "releases": self.mapping.releases,
            "releases_by_tag": dict(sorted(self.mapping.tags.items())),
            "files": self.files,
        }


def map_to_files(source: str | Path, out: Path, config: Config, resolver: SchemaResolver, *,
                 progress: Callable[[str, int], None] | None = None, **reader_options: Any) -> RunSummary:
    """Map a source into ``out``: releases.json (package), releases.jsonl, rejects.csv, summary.json.

    Every file is written beside its target and renamed into place when complete, so an
    interrupted run leaves the previous outputs as they were.
    """
    out.mkdir(parents=True, exist_ok=True)
    accounting, stats = Accounting(), MappingStats()
    metadata = package_metadata(config, f"{config.base_uri}{RELEASES_STEM}.json", extension_urls(config, resolver))
    with RejectLog(out / "rejects.csv") as rejects:
        releases = map_source(source, config, rejects=rejects, accounting=accounting, stats=stats,
                              progress=progress, **reader_options)
        write_releases(releases, out, RELEASES_STEM, metadata)
    files = [f"{RELEASES_STEM}.json", f"{RELEASES_STEM}.jsonl", "rejects.csv", "summary.json"]
    summary = RunSummary(str(source), accounting, stats, rejects.count, out, config.max_reject_rate, files)
    write_bytes(out / "summary.json", (json.dumps(summary.as_dict(), indent=2, ensure_ascii=False) + "\n").encode())
    return summary


def run(source: str | Path, out: Path, config: Config, resolver: SchemaResolver, **options: Any) -> RunSummary:
    """The daily job. At this stage: read, check and map the source, and write the release files."""
    return map_to_files(source, out, config, resolver, **options)
