"""The main job, end to end, as one library call; the CLI's ``run`` and ``map`` are thin shells over it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable

import orjson

from .atomic import write_bytes
from .compile import MergeError, Merger, merge_rules
from .compile.delta import CorrectionError, CorrectionRules, Corrector, correction_release
from .compile.rules import field_rules
from .config import Config
from .extensions import patched_release_schema
from .mapping import MappedProcess, MappingStats, map_processes, map_source
from .packaging import PackageFields, extension_urls, package_metadata, write_releases
from .publish import (
    RELEASES,
    ProjectSource,
    Publication,
    STORE_FILES,
    publish_from_store,
    record_builder,
    refresh_store,
)
from .memory import release_freed_memory
from .publish.cache import refresh_compiled
from .publish.publication import Published, publish
from .privacy import Privacy
from .redaction import redact
from .schemas import SchemaResolver
from .sources import Accounting, RejectLog, read_rejects
from .sources.casting import ECUADOR
from .store import Reconciliation, Store, StoredRelease
from .store.incremental import Change, mapping_digest, plan, recorded_date, release_kind
from .store.ingest import IngestResult, ingest
from .validate.quality.files import QUALITY_FILES, check_quality_file, write_quality_report


def _write_summary(path: Path, document: dict[str, Any]) -> None:
    write_bytes(path, (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode())


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
                 progress: Callable[[str, int], None] | None = None, workers: int = 1,
                 **reader_options: Any) -> RunSummary:
    """Map a source into ``out``: releases.json (package), releases.jsonl, rejects.csv, summary.json;
    ``workers`` processes map the procedures once the rows are read and checked.

    Every file is written beside its target and renamed into place when complete, so an
    interrupted run leaves the previous outputs as they were.
    """
    out.mkdir(parents=True, exist_ok=True)
    accounting, stats = Accounting(), MappingStats()
    metadata = package_metadata(PackageFields.of_config(config, extension_urls(config, resolver)),
                                f"{config.base_uri}{RELEASES}.json")
    with RejectLog(out / "rejects.csv") as rejects:
        releases = map_source(source, config, rejects=rejects, accounting=accounting, stats=stats,
                              progress=progress, workers=workers, **reader_options)
        ocds = Privacy.of(config, "ocds")
        write_releases(map(ocds.document, releases), out, RELEASES, metadata)
    files = [f"{RELEASES}.json", f"{RELEASES}.jsonl", "rejects.csv", "summary.json"]
    summary = RunSummary(redact(source), accounting, stats, rejects.count, out, config.max_reject_rate, files)
    _write_summary(out / "summary.json", summary.as_dict())
    return summary


class Reconciler:
    """Adds each mapped process to the store as :mod:`ocds_pipeline.store.incremental` decides.

    A process whose published releases no longer compile like today's gets one correction release
    (:mod:`ocds_pipeline.compile.delta`); each batch is one transaction, releases and mappings
    together, so a run killed at any point is finished by running it again.
    """

    def __init__(self, store: Store, run_id: int, schema: dict[str, Any], now: datetime) -> None:
        rules = merge_rules(schema)
        self.store, self.run_id, self.now = store, run_id, now
        self.merger = Merger(rules=rules)
        self.corrector = Corrector(rules, field_rules(schema), CorrectionRules.load())
        self.added = self.corrections = 0
        self.errors: dict[str, str] = {}  # processes that could not be reconciled, with why

    def add(self, batch: list[MappedProcess]) -> None:
        """Reconcile a batch of mapped processes; each is recorded with its mapping and source digests."""
        digests = {process.ocid: mapping_digest(process.releases) for process in batch}
        reconciled = self.store.mappings(digests)
        todo = [process for process in batch if reconciled.get(process.ocid) != digests[process.ocid]]
        stored = self.store.release_ids(process.ocid for process in todo)
        new, changed = [], []
        for process in todo:
            change, releases = plan(stored.get(process.ocid, []), process.releases)
            new += [StoredRelease.of(release, release_kind(release)) for release in releases]
            if change is Change.CHANGED:
                changed.append(process)
        published = self.store.bodies(process.ocid for process in changed)
        for process in changed:
            releases = [orjson.loads(body) for body in published[process.ocid]]
            date = recorded_date((r["date"] for r in releases), process.modified, self.now)
            try:
                correction = correction_release(releases, process.releases, self.merger, self.corrector, date)
            except (MergeError, CorrectionError) as error:
                self.errors[process.ocid] = str(error)
                del digests[process.ocid]  # tried again on the next run
                continue
            if correction is not None:
                new.append(StoredRelease.of(correction, release_kind(correction)))
                self.corrections += 1
        self.added += self.store.insert(self.run_id, new, {p.ocid: Reconciliation(digests[p.ocid], p.source, p.outline)
                                                           for p in batch if p.ocid in digests})


@dataclass
class DailyRun:
    """A run against the store: what it added, and the publication written afterwards."""

    summary: RunSummary
    run_id: int
    added: int
    updates: int  # correction releases among the added
    publication: Publication
    published: Published | None = None  # the publication, when one was asked for


def run(source: str | Path, out: Path, config: Config, resolver: SchemaResolver, *, store_url: str,
        publication_root: Path | None = None, progress: Callable[[str, int], None] | None = None, batch_size: int = 500,
        now: datetime | None = None, workers: int = 1, reports_only: bool = False, **reader_options: Any) -> DailyRun:
    """The daily job: map the day's export, add what changed to the store, publish from the store.

    A process's changes are added as new releases when it only moved on, or as one correction
    release dated when it was recorded (``now`` when the source does not say); see docs/store.md.
    Rerunning the same input adds nothing and rewrites identical files; a run interrupted at any
    point leaves the store consistent and the previous files in place, and a rerun completes it.
    With ``publication_root``, the run ends by writing the publication there (:func:`.publish.publication.publish`).
    ``workers`` processes map the export, merge the changed processes and take the publication's statistics
    year by year.
    With ``reports_only``, ``out`` gets only the run's rejects.csv and summary.json: the store's releases,
    records and compiled releases are not written there again (the publication has them), and those an
    earlier run wrote there are removed rather than left out of date.
    """
    store = Store(store_url)
    try:
        with store.exclusive("run"):  # before anything is written, the out folder's stale files included
            out.mkdir(parents=True, exist_ok=True)
            for stale in out.glob(".*.tmp"):
                stale.unlink()  # temporary files of a run that was killed before renaming them
            run_id = store.start_run("map", redact(source))
            accounting, stats = Accounting(), MappingStats()
            now = now or datetime.now(ECUADOR)
            reconciler = Reconciler(store, run_id, patched_release_schema(resolver), now)
            try:
                with RejectLog(out / "rejects.csv") as rejects:
                    batch: list[MappedProcess] = []

                    def reconciled(sources: dict[str, str]) -> dict[str, Any]:  # asked in the mapping's workers too
                        return store.in_this_process().reconciled(sources)

                    for process in map_processes(source, config, rejects=rejects, accounting=accounting, stats=stats,
                                                 progress=progress, reconciled=reconciled, workers=workers,
                                                 **reader_options):
                        batch.append(process)
                        if len(batch) >= batch_size:
                            reconciler.add(batch)
                            batch = []
                    reconciler.add(batch)
                store.add_rejects(run_id, read_rejects(out / "rejects.csv"))
                store.save_projects(stats.projects or {}, stats.project_entities)
                if reports_only:
                    publication = refresh_store(store, config, resolver, workers=workers, progress=progress)
                    for name in (*STORE_FILES, *QUALITY_FILES):
                        (out / name).unlink(missing_ok=True)
                else:
                    projects = ProjectSource(*store.projects())  # a delta export's, and every earlier one's
                    publication = publish_from_store(store, out, config, resolver, projects=projects, workers=workers,
                                                     progress=progress)
                    write_quality_report(check_quality_file(out / "compiled.jsonl", schema=patched_release_schema(resolver)), out)
                    publication.files += QUALITY_FILES
                release_freed_memory()  # the mapping's passing peak, not to be the publication's starting point
                published = publish(store, publication_root, config, resolver, workers=workers,
                                    progress=progress) if publication_root else None
            except BaseException:
                store.finish_run(run_id, {"added": reconciler.added}, status="failed")
                raise
            files = ["rejects.csv", "summary.json", *publication.files]
            summary = RunSummary(redact(source), accounting, stats, rejects.count, out, config.max_reject_rate, files)
            _write_summary(out / "summary.json", {**summary.as_dict(), "store": store.count(), "projects": publication.projects,
                                                  "reconcile_errors": reconciler.errors,
                                                  "merge_errors": publication.merge_errors, "warnings": publication.warnings,
                                                  **({"publication": published.summary()} if published else {})})
            store.finish_run(run_id, {"added": reconciler.added, "updates": reconciler.corrections, "rejects": rejects.count,
                                      "unchanged": stats.unchanged, **store.count()})
            return DailyRun(summary, run_id, reconciler.added, reconciler.corrections, publication, published)
    finally:
        store.close()  # on failure too: its connections (and an SQLite file's handles) are released


def ingest_files(paths: Iterable[Path], store: Store, config: Config, resolver: SchemaResolver, *, workers: int = 1,
                 progress: Callable[[str, int], None] | None = None) -> IngestResult:
    """Add existing OCDS files to the store (:func:`.store.ingest.ingest`), then merge the processes that
    gained releases, so that their compiled releases and the API's search index are current."""
    with store.exclusive("ingest"):
        result = ingest(paths, store, progress=progress)
        refresh_compiled(store, record_builder(config, resolver), workers=workers, progress=progress)
        return result
