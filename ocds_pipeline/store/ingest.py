"""Add existing OCDS data (any publisher, any package shape) to the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..sources.ocds import OcdsReadStats, read_ocds
from ..sources.rejects import Reject, truncate
from . import Store, StoredRelease


@dataclass
class IngestResult:
    """What an ingest added to the store, what it already had, and what it refused."""

    run_id: int
    added: int = 0
    already_stored: int = 0
    stats: OcdsReadStats = field(default_factory=OcdsReadStats)
    rejects: list[Reject] = field(default_factory=list)


def ingest(paths: Iterable[Path], store: Store, *, batch_size: int = 1000,
           progress: Callable[[str, int], None] | None = None) -> IngestResult:
    """Add the releases of existing OCDS files to the store; identical ones are skipped.

    A release whose (ocid, id) is already stored with different content is rejected: stored
    releases are immutable.
    """
    paths = list(paths)
    result = IngestResult(store.start_run("ingest", ", ".join(map(str, paths))))

    def flush(batch: list[StoredRelease]) -> None:
        stored = store.digests((s.ocid, s.release_id) for s in batch)
        new, seen = [], {}
        for item in batch:
            key = (item.ocid, item.release_id)
            digest = stored.get(key) or seen.get(key)
            if digest is None:
                seen[key] = item.digest
                new.append(item)
            elif digest == item.digest:
                result.already_stored += 1
            else:
                result.rejects.append(Reject("releases", 0, "id", truncate(f"{item.ocid} {item.release_id}"),
                                             "a different release with this ocid and id is already stored; "
                                             "stored releases never change", "ingest"))
        result.added += store.insert(result.run_id, new)

    try:
        batch: list[StoredRelease] = []
        for path in paths:
            for release in read_ocds(Path(path), result.stats, result.rejects):
                batch.append(StoredRelease.of(release))
                if len(batch) >= batch_size:
                    flush(batch)
                    batch = []
                    if progress:
                        progress("ingested releases", result.stats.releases)
        flush(batch)
    except BaseException:
        store.finish_run(result.run_id, {"added": result.added, "declared": result.stats.declared.as_dict()}, status="failed")
        raise
    store.add_rejects(result.run_id, result.rejects)
    store.finish_run(result.run_id, {"added": result.added, "already_stored": result.already_stored,
                                     "declared": result.stats.declared.as_dict(),
                                     "rejected": len(result.rejects), "packages": result.stats.packages})
    return result
