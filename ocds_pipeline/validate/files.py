"""Validate an OCDS file offline: every release checked, in parallel blocks when the file allows.

Schema errors come from the OCDS 1.1.5 schema patched with the extensions the file declares
(resolved from pinned local copies; an extension URL that is not available offline is a warning
naming it). Big JSON Lines files and big packages are cut into blocks that forked workers parse
and check (:mod:`~ocds_pipeline.sources.ocds_blocks`); their reports merge in file order, so the
result does not depend on the number of workers. Other inputs are read sequentially.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, Callable, Iterable

from ..extensions import LOCAL_EXTENSIONS_DIR, local_extension_url
from ..parallel import default_workers, map_forked
from ..resources import data_path
from ..schemas import SchemaResolver, extension_urls
from ..sources.ocds import METADATA_KEPT, NotOCDSError, OcdsReadStats, read_ocds
from ..sources.ocds_blocks import BLOCK_SIZE, Block, BlockPlan, BlockSplitError, plan_blocks, read_block
from ..sources.oc4ids import is_project_package
from ..sources.rejects import Reject
from .checkers import PackageChecker, RecordChecker, ReleaseChecker
from .duplicates import DuplicateFinder, release_key
from .projects import validate_projects
from .report import Finding, ValidationReport

Progress = Callable[[str, int], None]
PROGRESS_EVERY = 100_000
_CHECKER: ReleaseChecker | None = None  # set before workers fork, so that they inherit it


@dataclass
class _Part:
    """What checking one block found: a partial report, (ocid, id) keys, reader counts, rejects."""

    report: ValidationReport
    keys: bytearray = field(default_factory=bytearray)
    stats: OcdsReadStats = field(default_factory=OcdsReadStats)
    rejects: list[Reject] = field(default_factory=list)


class _Results:
    """The whole file's report, built from releases or blocks in file order."""

    def __init__(self, source: str) -> None:
        self.report = ValidationReport(source)
        self.stats = OcdsReadStats()
        self.rejects: list[Reject] = []
        self.duplicates = DuplicateFinder()

    def add(self, part: _Part, number: int) -> None:
        self.report.merge(part.report)
        self.duplicates.add_keys(bytes(part.keys), number)
        self.stats.add(part.stats)
        self.rejects += part.rejects

    def finish(self, reread: Callable[[int], Iterable[dict[str, Any]]]) -> None:
        """Report duplicate releases (reading again, with ``reread``, the parts that hold repeats)."""
        triples = lambda part: ((r["ocid"], r["id"], r) for r in reread(part))  # noqa: E731
        for ocid, rid in self.duplicates.duplicates(triples):
            self.report.add(Finding("release.duplicate", ocid, rid, "id", rid,
                                    "another release with this ocid and id has different content"))


class _Checkers:
    """One checker per set of declared extension URLs, with the names applied and the warnings."""

    def __init__(self, resolver: SchemaResolver, base_uri: str) -> None:
        self.resolver, self.base_uri = resolver, base_uri
        self._built: dict[frozenset[str], tuple[ReleaseChecker, list[str], list[str]]] = {}

    def __call__(self, urls: set[str]) -> tuple[ReleaseChecker, list[str], list[str]]:
        key = frozenset(urls)
        if key not in self._built:
            warnings: list[str] = []
            names = _extension_names(sorted(urls), self.base_uri, warnings)
            self._built[key] = ReleaseChecker(self.resolver, names, self.base_uri), names, warnings
        return self._built[key]


def validate_file(path: Path, resolver: SchemaResolver, *, base_uri: str = "", workers: int | None = None,
                  block_size: int = BLOCK_SIZE, progress: Progress | None = None) -> ValidationReport:
    """Validate every release in ``path`` (any shape the ingest step reads), or every project of an OC4IDS package.

    Releases are checked with the extensions declared before them; when the file declares more
    later (SERCOP's API bodies put them after the releases), a second pass checks every release
    with all of them. ``workers`` defaults to the CPUs available (at most 8); ``block_size`` is
    the bytes a worker takes at a time.
    """
    if is_project_package(path):
        return validate_projects(path, resolver, progress)
    workers = default_workers(8) if workers is None else workers
    checkers = _Checkers(resolver, base_uri)
    known: set[str] | None = None
    while True:
        results, used = _validate_pass(Path(path), checkers, workers, block_size, known, progress)
        if results.stats.extensions <= used:
            break
        known = used | results.stats.extensions
    report = results.report
    _, report.extensions, warnings = checkers(used)
    report.warnings = list(warnings)
    packages = PackageChecker(resolver)
    for key, fields in results.stats.metadata:
        packages.check(key, fields, report)
    if results.stats.unchecked_packages:
        report.warnings.append(f"the fields of {results.stats.unchecked_packages:,} packages were not checked against the "
                               f"package schema (only the first {METADATA_KEPT:,} are kept; arrays of big packages are "
                               "not read for them)")
    for reject in results.rejects:
        report.add(Finding("release.missing", "", "", reject.column, reject.value, reject.reason))
    return report


def validate_files(paths: Iterable[Path], resolver: SchemaResolver, **options: Any) -> ValidationReport:
    """One report for several files (each validated as :func:`validate_file` does; duplicates within each)."""
    reports = [validate_file(Path(path), resolver, **options) for path in paths]
    if len({report.unit for report in reports}) > 1:
        raise NotOCDSError("OC4IDS project packages and OCDS files cannot be validated together: validate them apart")
    combined = reports[0]
    for report in reports[1:]:
        combined.merge(report)
        combined.source += f", {report.source}"
        combined.extensions += [e for e in report.extensions if e not in combined.extensions]
        combined.warnings += [w for w in report.warnings if w not in combined.warnings]
    return combined


def _validate_pass(path: Path, checkers: _Checkers, workers: int, block_size: int, known: set[str] | None,
                   progress: Progress | None) -> tuple[_Results, set[str]]:
    """Check every release with the extensions ``known`` (default: those declared before the releases)."""
    plan = plan_blocks(path, block_size) if workers > 1 else None
    if plan is not None:
        used = known if known is not None else _extensions_in(plan.head)
        try:
            return _in_blocks(path, plan, checkers(used)[0], workers, progress), used
        except (BlockSplitError, NotOCDSError):
            pass  # a cut that is not between items, or bad JSON: the sequential reader says exactly where
    results = _Results(str(path))
    records = _RecordChecks(RecordChecker(checkers.resolver), results.report)
    releases = read_ocds(path, results.stats, results.rejects, on_record=records)
    first = next(releases, None)  # the extensions declared before the first release are known now
    used = known if known is not None else set(results.stats.extensions)
    checker = checkers(used)[0]
    records.start(checker)
    for release in chain([first] if first is not None else [], releases):
        checker.check_release(release, results.report)
        results.duplicates.add(release_key(release["ocid"], release["id"]), 0)
        if progress and results.report.releases % PROGRESS_EVERY == 0:
            progress("releases", results.report.releases)
    results.finish(lambda _: read_ocds(path))
    return results, used


class _RecordChecks:
    """What the reader hands over with each record: its own fields, and the compiled release of a
    record that embeds its releases (the reader yields those releases, not the compiled one)."""

    def __init__(self, records: RecordChecker, report: ValidationReport) -> None:
        self.records, self.report = records, report
        self.checker: ReleaseChecker | None = None
        self.waiting: list[dict[str, Any]] = []  # compiled releases met before the release checker was chosen

    def __call__(self, record: dict[str, Any]) -> None:
        self.records.check(record, self.report)
        compiled, releases = record.get("compiledRelease"), record.get("releases")
        if isinstance(compiled, dict) and isinstance(releases, list) and any(isinstance(r, dict) and "ocid" in r for r in releases):
            self.waiting.append(compiled)
            if self.checker is not None:
                self.start(self.checker)

    def start(self, checker: ReleaseChecker) -> None:
        """Check the waiting compiled releases with ``checker``, and the next ones as they come."""
        self.checker = checker
        for compiled in self.waiting:
            checker.check(compiled, self.report, str(compiled.get("ocid", "")), str(compiled.get("id", "")))
        self.waiting.clear()


def _in_blocks(path: Path, plan: BlockPlan, checker: ReleaseChecker, workers: int, progress: Progress | None) -> _Results:
    global _CHECKER
    results = _Results(str(path))
    results.stats.declared.add_extensions(sorted(_extensions_in(plan.head)))
    _CHECKER = checker
    try:
        for block, part in zip(plan.blocks, map_forked(_check_block, plan.blocks, workers)):
            before = results.report.releases
            results.add(part, block.number)
            if progress and before // PROGRESS_EVERY != results.report.releases // PROGRESS_EVERY:
                progress("releases", results.report.releases)
    finally:
        _CHECKER = None
    # The last block of a package found the fields after its array; those before are the plan's head.
    results.stats.metadata = [(key, {**plan.head, **fields}) for key, fields in results.stats.metadata]
    results.finish(lambda number: read_block(plan.blocks[number], OcdsReadStats(), []))
    return results


def _extensions_in(fields: dict[str, Any]) -> set[str]:
    """The extension URLs a package's fields declare."""
    return {e for e in fields.get("extensions") or [] if isinstance(e, str)}


def _check_block(block: Block) -> _Part:
    """In a worker: parse and check one block with the inherited checker."""
    assert _CHECKER is not None
    part = _Part(ValidationReport(block.path))
    for release in read_block(block, part.stats, part.rejects):
        _CHECKER.check_release(release, part.report)
        part.keys += release_key(release["ocid"], release["id"])
    return part


def _extension_names(urls: list[str], base_uri: str, warnings: list[str]) -> list[str]:
    """Pinned or local extension folders for the declared URLs; the others become warnings."""
    by_url = {url: name for name, url in extension_urls().items()}
    local = _local_extensions(base_uri)
    names = []
    for url in urls:
        name = by_url.get(url) or local.get(url)
        if name is None:
            warnings.append(f"extension {url} is not available offline: its fields are checked as additional fields")
        elif name not in names:
            names.append(name)
    # Dependencies that declared extensions leave unstated: project needs location (its
    # extension.json says so); lots@master refers to SubmissionTerms, defined by submissionTerms.
    for needs, dependency in (("ocds_project_extension", "ocds_location_extension-master"),
                              ("ocds_lots_extension-master", "ocds_submissionTerms_extension")):
        if needs in names and dependency not in names:
            names.insert(names.index(needs), dependency)
    return names


def _local_extensions(base_uri: str) -> dict[str, str]:
    """This project's own extensions by the URL they are published at."""
    folder = data_path(*LOCAL_EXTENSIONS_DIR)
    return {local_extension_url(path.name, base_uri): path.name for path in folder.iterdir() if path.is_dir()}
