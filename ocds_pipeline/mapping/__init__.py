"""Stage 2 — map SERCOP source tables to OCDS 1.1 releases through declarative mappings.

``map_source(source, config, rejects=…, accounting=…)`` streams releases (plain dicts), ordered by
procedure code then by date; ``map_processes`` gives the same releases grouped per procedure,
with when the source last changed it. Field mappings are the YAML files in ``mappings/sercop/``;
codelist mappings are the CSV files in ``mappings/sercop/codelists/``; the release lifecycle is
:mod:`ocds_pipeline.mapping.lifecycle`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

from ..config import Config
from ..parallel import map_forked
from ..procedure_types import default_procedure_types
from ..sources import Accounting, Reject, RejectLog, iter_rows, open_reader
from ..sources.bundles import Bundle, CodeRange, Staging, staged
from .fingerprint import mapping_fingerprint, source_digest
from .identifiers import make_ocid, safe_filename
from .lifecycle import ProcessBuilder, Sections
from .transforms import rfc3339

__all__ = ["MappedProcess", "MappingStats", "map_processes", "map_source", "make_ocid", "safe_filename"]

LOOKUP_TABLES = ("entidades", "proveedores", "proyectos")


@dataclass
class MappingStats:
    """What the mapping produced: processes, releases per tag, and lookup rows no process used."""

    processes: int = 0
    releases: int = 0
    tags: dict[str, int] = field(default_factory=dict)
    unused: dict[str, int] = field(default_factory=dict)
    # The works-project table and the entities responsible for those projects (for OC4IDS).
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    project_entities: dict[str, dict[str, Any]] = field(default_factory=dict)
    unchanged: int = 0  # processes not mapped again: their source is the one last reconciled

    def count(self, outline: Outline) -> None:
        """Count one process's releases from its :func:`outline`."""
        self.processes += 1
        self.releases += outline["releases"]
        for tag, n in outline["tags"].items():
            self.tags[tag] = self.tags.get(tag, 0) + n


# {"releases": n, "tags": {tag: n}}: what a run counts of a process, whether it maps it again or not.
Outline = dict[str, Any]


def outline(releases: list[dict[str, Any]]) -> Outline:
    """How many releases a process has, and of which tags."""
    tags: dict[str, int] = {}
    for release in releases:
        for tag in release["tag"]:
            tags[tag] = tags.get(tag, 0) + 1
    return {"releases": len(releases), "tags": tags}


@dataclass
class MappedProcess:
    """One procedure's releases (oldest first) and when the source last changed it (RFC 3339), if it says;
    the digest of what its mapping read (:func:`.fingerprint.source_digest`) and its :func:`outline`."""

    ocid: str
    releases: list[dict[str, Any]]
    modified: str | None = None
    source: str | None = None
    outline: Outline | None = None


# Given {ocid: source digest} for some processes, the outlines of those whose digest is the one last reconciled.
Reconciled = Callable[[dict[str, str]], dict[str, Outline]]


def _bundle_rejects(bundle: Bundle, reason: str, column: str, value: str) -> list[Reject]:
    """A rejected procedure's rows, each with why: the procedure's own reason, and in cascade its children's."""
    code = bundle.procedure["codigo"]
    rejects = []
    for table, row in bundle.rows():
        own = table == "procedimientos"
        rejects.append(Reject(table, row["_line"], column if own else "codigo_procedimiento", value if own else code,
                              reason if own else f"its procedure {code} was rejected by the mapping: {reason}", "mapping"))
    return rejects


@dataclass
class _Mapped:
    """What mapping one range of procedures gave: the processes mapped, the outlines of those not mapped
    again, rejected rows and the lookup rows used."""

    processes: list[MappedProcess] = field(default_factory=list)
    unchanged: list[Outline] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    used: dict[str, set[str]] = field(default_factory=lambda: {name: set() for name in LOOKUP_TABLES})


class _RangeMapper:
    """Maps ranges of staged procedures (in this process, or in a forked worker)."""

    def __init__(self, staging: Staging, ocid_prefix: str, reconciled: Reconciled | None) -> None:
        self.staging, self.ocid_prefix, self.reconciled = staging, ocid_prefix, reconciled
        self.sections = Sections.load()
        self.types = default_procedure_types()
        self.fingerprint = mapping_fingerprint(ocid_prefix) if reconciled else b""

    def __call__(self, codes: CodeRange) -> _Mapped:
        mapped, typed = _Mapped(), []
        for bundle in self.staging.bundles(codes):
            procedure = bundle.procedure
            ptype = self.types.classify(procedure["tipo_procedimiento"])
            if ptype is None:
                mapped.rejects += _bundle_rejects(bundle, "unknown procedure type: add it to "
                                                  "mappings/sercop/codelists/procedure_types.csv",
                                                  "tipo_procedimiento", procedure["tipo_procedimiento"])
                continue
            typed.append((bundle, ptype, make_ocid(self.ocid_prefix, procedure["codigo"]),
                          source_digest(bundle, self.staging, self.fingerprint) if self.reconciled else None))
        known = self.reconciled({ocid: digest for _, _, ocid, digest in typed}) if self.reconciled else {}
        for bundle, ptype, ocid, digest in typed:
            mapped.used["entidades"].add(bundle.entity["ruc"])
            mapped.used["proveedores"].update(bundle.supplier_rucs())
            if bundle.project is not None:
                mapped.used["proyectos"].add(bundle.project["codigo_proyecto"])
            if ocid in known:
                mapped.unchanged.append(known[ocid])
                continue
            releases = ProcessBuilder(bundle, ptype, ocid, self.sections, self.staging.supplier).build()
            modified = rfc3339(bundle.procedure["fecha_ultima_modificacion"])
            mapped.processes.append(MappedProcess(ocid, releases, modified, digest, outline(releases)))
        return mapped

    def encoded(self, codes: CodeRange) -> _Mapped:
        """As a call, each process's releases as one JSON array: what a worker sends back, quicker to send
        than pickled objects."""
        mapped = self(codes)
        for process in mapped.processes:
            process.releases = orjson.dumps(process.releases)
        return mapped


def _mapped_ranges(mapper: _RangeMapper, ranges: list[CodeRange], workers: int) -> Iterator[_Mapped]:
    """What each range gives, in order: in forked workers when there are several of both."""
    if workers < 2 or len(ranges) < 2:
        yield from map(mapper, ranges)
        return
    for mapped in map_forked(mapper.encoded, ranges, workers):
        for process in mapped.processes:
            process.releases = orjson.loads(process.releases)
        yield mapped


def map_source(source: str | Path, config: Config, **options: Any) -> Iterator[dict[str, Any]]:
    """Read, check and map a source; yield its releases. Options as for :func:`map_processes`."""
    for process in map_processes(source, config, **options):
        yield from process.releases


def map_processes(
    source: str | Path,
    config: Config,
    *,
    rejects: RejectLog,
    accounting: Accounting,
    stats: MappingStats | None = None,
    progress: Callable[[str, int], None] | None = None,
    staging_dir: Path | None = None,
    reconciled: Reconciled | None = None,
    chunk: int = 500,
    workers: int = 1,
    **reader_options: Any,
) -> Iterator[MappedProcess]:
    """Read, check and map a source; yield each procedure's releases. Rejects and counts go to the arguments.

    With several ``workers``, forked workers type the rows (their keys are checked here, in order), then
    map ranges of ``chunk`` procedures (calling ``reconciled`` themselves: it must work in a forked
    process); the processes come in the same order, with the same rejects. With ``reconciled``,
    processes whose source digest it knows are counted (from their outline) but not mapped nor
    yielded; it is asked once per ``chunk`` of processes.
    """
    stats = stats if stats is not None else MappingStats()
    reader = open_reader(source, max_field_size=config.max_field_size, **reader_options)
    with Staging(staging_dir) as staging:
        for table, line, row in iter_rows(reader, rejects, accounting, progress=progress, encode=staged, workers=workers):
            staging.add(table, line, row)
        staging.finish()
        stats.projects = dict(staging.projects)
        stats.project_entities = {row["ruc_entidad"]: staging.entities[row["ruc_entidad"]] for row in staging.projects.values()}
        used: dict[str, set[str]] = {name: set() for name in LOOKUP_TABLES}
        mapper = _RangeMapper(staging, config.ocid_prefix, reconciled)
        for mapped in _mapped_ranges(mapper, staging.ranges(chunk), workers):
            before = stats.processes
            for reject in mapped.rejects:
                rejects.add(reject)
                count = accounting.table(reject.table)
                count.accepted -= 1
                count.rejected += 1
            for name, keys in mapped.used.items():
                used[name] |= keys
            for shape in mapped.unchanged:
                stats.count(shape)
            stats.unchanged += len(mapped.unchanged)
            for process in mapped.processes:
                stats.count(process.outline)
                yield process
            if progress and stats.processes // 10_000 > before // 10_000:
                progress("mapped procedures", stats.processes)
        for name in LOOKUP_TABLES:
            stats.unused[name] = staging.counts.get(name, 0) - len(used[name])
