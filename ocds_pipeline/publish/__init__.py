"""Stage 7 — publish bulk files from the store: releases, records and compiled releases.

Files are streamed from the store one process at a time (memory follows the largest process,
not the publication) and renamed into place only when all are complete. Their bytes depend only
on the store's releases, so publishing twice from the same store gives identical files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import orjson

from ..atomic import write_bytes
from ..compile import MergeError, Merger
from ..config import Config
from ..packaging import LinesWriter, Outputs, PackageWriter, dumps, extension_urls, package_metadata
from ..schemas import SchemaResolver
from ..extensions import patched_release_schema
from ..oc4ids import ProjectCollector, aggregates_csv
from ..oc4ids import package_metadata as oc4ids_metadata
from ..store import Store

PROJECTS = "projects"
RELEASES = "releases"
RECORDS = "records"
COMPILED = "compiled"


@dataclass
class Publication:
    """What was published, and the processes whose releases could not be merged (with why)."""

    processes: int = 0
    releases: int = 0
    files: list[str] = field(default_factory=list)
    merge_errors: dict[str, str] = field(default_factory=dict)
    projects: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class ProjectSource:
    """Works projects to publish as OC4IDS: the table's rows and their entities (None: from OCDS only)."""

    rows: dict[str, dict[str, Any]] | None = None
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)


def publish_from_store(store: Store, out: Path, config: Config, resolver: SchemaResolver, *,
                       versioned: bool = False, with_releases: bool = True, with_records: bool = True,
                       projects: ProjectSource | None = None,
                       progress: Callable[[str, int], None] | None = None) -> Publication:
    """Write records.json and compiled.jsonl (and releases.json(l)) for every process in the store.

    With ``projects``, also write projects.json (an OC4IDS project package) and projects.csv
    (project totals): from the works-project table when given, else from planning.project.
    """
    extensions = extension_urls(config, resolver)
    releases_uri = f"{config.base_uri}{RELEASES}.json"
    release_meta = package_metadata(config, releases_uri, extensions)
    record_meta = {**package_metadata(config, f"{config.base_uri}{RECORDS}.json", extensions), "packages": [releases_uri]}
    merger = Merger(patched_release_schema(resolver, base_uri=config.base_uri))
    writers: dict[str, PackageWriter | LinesWriter] = {}
    if with_records:
        writers.update(records=PackageWriter(out / f"{RECORDS}.json", record_meta, "records"),
                       compiled=LinesWriter(out / f"{COMPILED}.jsonl"))
    if with_releases:
        writers.update(releases=PackageWriter(out / f"{RELEASES}.json", release_meta, "releases"),
                       lines=LinesWriter(out / f"{RELEASES}.jsonl"))
    result = Publication(files=[name for name, wanted in ((f"{RECORDS}.json", with_records), (f"{COMPILED}.jsonl", with_records),
                                                          (f"{RELEASES}.json", with_releases), (f"{RELEASES}.jsonl", with_releases))
                                if wanted])
    collector = None
    if projects is not None:
        collector = ProjectCollector(config, releases_uri, projects.rows, projects.entities)
        writers["projects"] = PackageWriter(out / f"{PROJECTS}.json", oc4ids_metadata(config, f"{config.base_uri}{PROJECTS}.json"), "projects")
        result.files += [f"{PROJECTS}.json", f"{PROJECTS}.csv"]
    with Outputs(**writers) as files:
        for ocid, bodies in store.releases_by_ocid():
            releases = [orjson.loads(body) for body in bodies]
            if with_releases:
                for body, release in zip(bodies, releases):
                    files.releases.add(body, release["date"])
                    files.lines.add(body)
            record: dict[str, Any] = {
                "ocid": ocid,
                "releases": [{"url": f"{releases_uri}#{r['id']}", "date": r["date"], "tag": r.get("tag", [])} for r in releases],
            }
            try:
                record["compiledRelease"] = merger.compiled(releases)
                if versioned:
                    record["versionedRelease"] = merger.versioned(releases)
            except MergeError as error:
                result.merge_errors[ocid] = str(error)
            else:
                if with_records:
                    files.compiled.add(dumps(record["compiledRelease"]))
                if collector is not None:
                    collector.add(record["compiledRelease"], releases)
            if with_records:
                files.records.add(dumps(record), releases[-1]["date"])
            result.processes += 1
            result.releases += len(releases)
            if progress and result.processes % 10_000 == 0:
                progress("published processes", result.processes)
        if collector is not None:
            rows = []
            for project, totals in collector.projects():
                dates = [r["date"] for p in project.get("contractingProcesses", []) for r in p["releases"]]
                files.projects.add(dumps(project), max(dates) if dates else "")
                rows.append((project, totals))
            write_bytes(out / f"{PROJECTS}.csv", aggregates_csv(rows))
            result.projects = len(rows)
            result.warnings += collector.warnings
    return result
