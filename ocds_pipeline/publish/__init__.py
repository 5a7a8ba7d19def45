"""Stage 7 — publish bulk files from the store: releases, records and compiled releases.

Files are streamed from the store one process at a time (memory follows the largest process,
not the publication) and renamed into place only when all are complete. Their bytes depend only
on the store's releases, so publishing twice from the same store gives identical files.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ..atomic import write_bytes
from ..compile import merge_rules
from ..config import Config
from ..packaging import (OCDS_VERSION, LinesWriter, Outputs, PackageFields, PackageWriter, dumps, extension_urls,
                         package_metadata, republishing)
from ..privacy import Privacy
from ..schemas import SchemaResolver
from ..extensions import patched_release_schema
from ..oc4ids import OC4IDS_VERSION, Aggregates, ProjectCollector, aggregates_csv
from .records import CompiledProcess, RecordBuilder

if TYPE_CHECKING:  # the store (SQLAlchemy) and its cache (pandas) are imported by what publishes from a store:
    from ..store import Store  # writing compiled files (the `compile` command) starts without them

PROJECTS = "projects"
RELEASES = "releases"
RECORDS = "records"
COMPILED = "compiled"
# Every file publish_from_store may write.
STORE_FILES = (f"{RECORDS}.json", f"{COMPILED}.jsonl", f"{RELEASES}.json", f"{RELEASES}.jsonl", f"{PROJECTS}.json",
               f"{PROJECTS}.csv")


@dataclass
class Publication:
    """What was published, and the processes whose releases could not be merged (with why)."""

    processes: int = 0
    releases: int = 0
    files: list[str] = field(default_factory=list)
    merge_errors: dict[str, str] = field(default_factory=dict)
    projects: int = 0
    merged: int = 0  # processes merged now (from a store, only those that gained releases)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ProjectSource:
    """Works projects to publish as OC4IDS: the table's rows and their entities (None: from OCDS only)."""

    rows: dict[str, dict[str, Any]] | None = None
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)


def publish_from_store(store: Store, out: Path, config: Config, resolver: SchemaResolver, *,
                       projects: ProjectSource | None = None, workers: int = 1,
                       progress: Callable[[str, int], None] | None = None) -> Publication:
    """Write records.json, compiled.jsonl and releases.json(l) (and the projects) for every process in the store.

    Only processes that gained releases since the last publication are merged (see
    :mod:`.cache`); the others are read back from the store. Releases ingested from other
    publishers keep what their packages declared (publisher, licence, policy, extensions); this
    project's own extensions are declared when its own mapped releases are in the store.
    """
    from .cache import cached_processes, refresh_compiled

    builder = record_builder(config, resolver)
    refreshed = refresh_compiled(store, builder, workers=workers, progress=progress)
    fields, warnings = package_fields(store, config, resolver)
    publication = write_compiled(cached_processes(store, builder.releases_uri), out, config, resolver, fields=fields,
                                 projects=projects, progress=progress)
    publication.warnings += warnings
    publication.merged = refreshed.processes
    return publication


def refresh_store(store: Store, config: Config, resolver: SchemaResolver, *, workers: int = 1,
                  progress: Callable[[str, int], None] | None = None) -> Publication:
    """What :func:`publish_from_store` does to the store, and no file: the processes that gained releases
    are merged; the counts and the merge errors are the store's."""
    from .cache import refresh_compiled

    refreshed = refresh_compiled(store, record_builder(config, resolver), workers=workers, progress=progress)
    counts = store.count()
    return Publication(processes=counts["processes"], releases=counts["releases"], merge_errors=store.merge_errors(),
                       merged=refreshed.processes)


def package_fields(store: Store, config: Config, resolver: SchemaResolver) -> tuple[PackageFields, list[str]]:
    """What the packages published from ``store`` declare, and warnings about it: this project's own
    publisher, licence and extensions, or what ingested packages from other publishers declared."""
    declared, own = store.declared()
    if not declared:
        return PackageFields.of_config(config, extension_urls(config, resolver)), []
    return republishing(config, declared, extension_urls(config, resolver) if own else None)


def record_builder(config: Config, resolver: SchemaResolver, versioned: bool = False) -> RecordBuilder:
    """What builds each process's record: the merge rules of the patched schema and the releases' URL."""
    rules = merge_rules(patched_release_schema(resolver, base_uri=config.base_uri))
    return RecordBuilder(rules, f"{config.base_uri}{RELEASES}.json", versioned)


Fields = PackageFields | Callable[[], PackageFields]


def compiling(config: Config, resolver: SchemaResolver, versioned: bool = False, compiled_only: bool = False) -> RecordBuilder:
    """What builds the processes :func:`write_compiled` writes: no record when ``compiled_only``."""
    return replace(record_builder(config, resolver, versioned), with_record=not compiled_only)


def write_compiled(processes: Iterable[CompiledProcess], out: Path, config: Config, resolver: SchemaResolver, *,
                   fields: Fields | None = None, with_releases: bool = True, with_records: bool = True,
                   compiled_only: bool = False, projects: ProjectSource | None = None,
                   progress: Callable[[str, int], None] | None = None) -> Publication:
    """Write records.json and compiled.jsonl (and releases.json(l)) from compiled processes, in ocid order.

    With ``projects``, also write projects.json (an OC4IDS project package) and projects.csv (project
    totals): from the works-project table when given, else from planning.project. ``fields`` are the
    packages' publisher, licence, policy and extensions (default: this project's own, from the
    configuration); a function is called once everything was read. ``compiled_only`` writes
    compiled.jsonl alone.
    """
    with_releases = with_releases and not compiled_only
    fields = fields or PackageFields.of_config(config, extension_urls(config, resolver))
    releases_uri = f"{config.base_uri}{RELEASES}.json"

    def metadata(uri: str, version: str = OCDS_VERSION, **extra: Any):
        if callable(fields):
            return lambda: {**package_metadata(fields(), uri, version, with_extensions=version == OCDS_VERSION), **extra}
        return {**package_metadata(fields, uri, version, with_extensions=version == OCDS_VERSION), **extra}

    release_meta = metadata(releases_uri)
    record_meta = metadata(f"{config.base_uri}{RECORDS}.json", packages=[releases_uri])
    with_package = with_records and not compiled_only
    wanted = {f"{RECORDS}.json": with_package, f"{COMPILED}.jsonl": with_records,
              f"{RELEASES}.json": with_releases, f"{RELEASES}.jsonl": with_releases}
    result = Publication(files=[name for name, want in wanted.items() if want])
    writers: dict[str, PackageWriter | LinesWriter] = {}
    if with_records:
        writers["compiled"] = LinesWriter(out / f"{COMPILED}.jsonl")
    if with_package:
        writers["records"] = PackageWriter(out / f"{RECORDS}.json", record_meta, "records")
    if with_releases:
        writers.update(releases=PackageWriter(out / f"{RELEASES}.json", release_meta, "releases"),
                       lines=LinesWriter(out / f"{RELEASES}.jsonl"))
    collector = None
    if projects is not None:
        collector = ProjectCollector(config, releases_uri, projects.rows, projects.entities)
        writers["projects"] = PackageWriter(out / f"{PROJECTS}.json", metadata(f"{config.base_uri}{PROJECTS}.json",
                                                                               OC4IDS_VERSION), "projects")
        result.files += [f"{PROJECTS}.json", f"{PROJECTS}.csv"]

    latest = ""  # the latest release date of every process: an empty project package's publishedDate
    privacy = Privacy.of(config, "ocds")
    with Outputs(**writers) as files:
        for process in map(privacy.process, processes):
            if with_releases:
                for body in process.bodies:
                    files.releases.add(body)
                    files.lines.add(body)
            latest = max(latest, process.latest)
            if process.error is not None:
                result.merge_errors[process.ocid] = process.error
            elif with_records:
                files.compiled.add(process.compiled)
            if collector is not None and process.project_input is not None:
                collector.add(*process.project_input)
            if with_releases:
                files.releases.saw(process.latest)
            if with_package:
                files.records.add(process.record, process.latest)
            result.processes += 1
            result.releases += process.releases
            if progress and result.processes % 10_000 == 0:
                progress("published processes", result.processes)
        if collector is not None:
            result.projects = write_projects(collector.projects(), files.projects, out / f"{PROJECTS}.csv", latest)
            result.warnings += sorted(collector.warnings)
    return result


def write_projects(projects: Iterable[tuple[dict[str, Any], Aggregates]], package: PackageWriter, totals_csv: Path,
                   latest: str) -> int:
    """Add projects (:meth:`.ProjectCollector.projects`) to an open project package and write their totals as CSV;
    how many.

    The package's publishedDate is its latest release date (``latest``, the data's, when it has no project).
    Each project is let go once written: its totals are what the CSV keeps.
    """
    rows = []
    for project, totals in projects:
        dates = [r["date"] for p in project.get("contractingProcesses", []) for r in p["releases"]]
        package.add(dumps(project), max(dates) if dates else "")
        rows.append((project["id"], project.get("title", ""), totals))
    if not rows:
        package.saw(latest)
    write_bytes(totals_csv, aggregates_csv(rows))
    return len(rows)
