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

from ..compile import MergeError, Merger
from ..config import Config
from ..packaging import LinesWriter, Outputs, PackageWriter, dumps, extension_urls, package_metadata
from ..schemas import SchemaResolver
from ..extensions import patched_release_schema
from ..store import Store

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


def publish_from_store(store: Store, out: Path, config: Config, resolver: SchemaResolver, *,
                       versioned: bool = False, with_releases: bool = True,
                       progress: Callable[[str, int], None] | None = None) -> Publication:
    """Write records.json and compiled.jsonl (and releases.json(l)) for every process in the store."""
    extensions = extension_urls(config, resolver)
    releases_uri = f"{config.base_uri}{RELEASES}.json"
    release_meta = package_metadata(config, releases_uri, extensions)
    record_meta = {**package_metadata(config, f"{config.base_uri}{RECORDS}.json", extensions), "packages": [releases_uri]}
    merger = Merger(patched_release_schema(resolver, base_uri=config.base_uri))
    writers = {"records": PackageWriter(out / f"{RECORDS}.json", record_meta, "records"),
               "compiled": LinesWriter(out / f"{COMPILED}.jsonl")}
    if with_releases:
        writers.update(releases=PackageWriter(out / f"{RELEASES}.json", release_meta, "releases"),
                       lines=LinesWriter(out / f"{RELEASES}.jsonl"))
    result = Publication(files=[f"{RECORDS}.json", f"{COMPILED}.jsonl"]
                         + ([f"{RELEASES}.json", f"{RELEASES}.jsonl"] if with_releases else []))
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
                files.compiled.add(dumps(record["compiledRelease"]))
            files.records.add(dumps(record), releases[-1]["date"])
            result.processes += 1
            result.releases += len(releases)
            if progress and result.processes % 10_000 == 0:
                progress("published processes", result.processes)
    return result
