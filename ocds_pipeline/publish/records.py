"""Build each process's record (linked releases + compiled release), in parallel when asked.

Work is split by process: the parent reads groups of release bodies in ocid order, worker
processes merge them, and results come back in the same order, with at most a few batches in
flight so memory stays flat. With one worker everything runs in the calling process.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Iterable, Iterator

import orjson

from ..compile import MergeError, Merger
from ..compile.blocks import Releases, worked_blocks
from ..compile.rules import RuleTree
from ..compile.stream import NotGroupedError, distinct_releases
from ..ocdsvalues import obj
from ..parallel import forked_executor
from ..sources.ocds import OcdsReadStats
from ..sources.ocds_blocks import BlockPlan
from ..sources.rejects import Reject

Group = tuple[str, list[bytes]]  # an ocid and its release bodies, oldest first
BATCH = 200


@dataclass
class CompiledProcess:
    """One process, ready to write: its record and compiled release as JSON bytes, or an error."""

    ocid: str
    releases: int
    first: str  # the earliest and latest release dates
    latest: str
    release_bytes: int  # 0 when its bodies were not made (compiled releases alone, from files)
    record: bytes
    compiled: bytes | None
    error: str | None
    project_input: tuple[dict[str, Any], list[dict[str, Any]]] | None  # for OC4IDS, when it names a project
    bodies: list[bytes] = field(default_factory=list)  # its release bodies (attached where they were made or read)
    derived: Any = None  # what RecordBuilder.derive took from its compiled release


@dataclass(frozen=True)
class RecordBuilder:
    """Everything a worker needs to build records: merge rules, the release package URL, options, and
    ``derive``: what else to take from each compiled release (and its latest date) while the worker holds
    it parsed, such as the process's row in the store's search index. Without ``with_record`` the record's
    bytes are left empty and no project input is sent back: for writing compiled releases alone."""

    rules: RuleTree
    releases_uri: str
    versioned: bool = False
    derive: Callable[[dict[str, Any], str], Any] | None = None
    with_record: bool = True

    def __call__(self, group: Group) -> CompiledProcess:
        ocid, bodies = group
        return self.build(ocid, [orjson.loads(body) for body in bodies], sum(map(len, bodies)))

    def build(self, ocid: str, releases: list[dict[str, Any]], release_bytes: int) -> CompiledProcess:
        """The process of parsed releases (oldest first) whose bodies take ``release_bytes``."""
        merger = Merger(rules=self.rules)
        compiled, versioned, compiled_bytes, error, project_input, record = None, None, None, None, None, b""
        try:
            compiled = merger.compiled(releases)
            if self.versioned and self.with_record:
                versioned = merger.versioned(releases)
        except MergeError as problem:
            error = str(problem)
        else:
            compiled_bytes = orjson.dumps(compiled)
            if self.with_record and obj(compiled, "planning", "project").get("id"):
                project_input = (compiled, releases)
        if self.with_record:
            record = orjson.dumps(self._record(ocid, releases, compiled, versioned))
        dates = [r["date"] for r in releases]
        derived = self.derive(compiled, max(dates)) if self.derive is not None and compiled_bytes is not None else None
        return CompiledProcess(ocid, len(releases), min(dates), max(dates), release_bytes, record,
                               compiled_bytes, error, project_input, derived=derived)

    def _record(self, ocid: str, releases: list[dict[str, Any]], compiled: dict[str, Any] | None,
                versioned: dict[str, Any] | None) -> dict[str, Any]:
        """The record: its releases linked, and the compiled (and versioned) release when they merged."""
        record: dict[str, Any] = {
            "ocid": ocid,
            "releases": [{"url": f"{self.releases_uri}#{r['id']}", "date": r["date"], "tag": r.get("tag", [])}
                         for r in releases],
        }
        if compiled is not None:
            record["compiledRelease"] = compiled
        if versioned is not None:
            record["versionedRelease"] = versioned
        return record


def _build_batch(builder: RecordBuilder, batch: list[Group]) -> list[CompiledProcess]:
    return [builder(group) for group in batch]


def _batches(groups: Iterable[Group]) -> Iterator[list[Group]]:
    batch: list[Group] = []
    for group in groups:
        batch.append(group)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def compile_groups(groups: Iterable[Group], builder: RecordBuilder, workers: int = 1) -> Iterator[CompiledProcess]:
    """Build every group's record, in input order, with the group's release bodies attached."""
    if workers <= 1:
        for group in groups:
            process = builder(group)
            process.bodies = group[1]
            yield process
        return
    # Forked workers inherit the parent's open store connection but never use it, and they end with
    # os._exit (multiprocessing's fork start method), so it is never closed or finalised there.
    with forked_executor(workers) as pool:
        yield from _ordered(pool, builder, _batches(groups), in_flight=2 * workers)


def _ordered(pool: Executor, builder: RecordBuilder, batches: Iterator[list[Group]], in_flight: int) -> Iterator[CompiledProcess]:
    pending: deque = deque()

    def done() -> Iterator[CompiledProcess]:
        batch, future = pending.popleft()
        for (_, bodies), process in zip(batch, future.result()):
            process.bodies = bodies  # kept here rather than sent to the worker and back
            yield process

    for batch in batches:
        pending.append((batch, pool.submit(_build_batch, builder, batch)))
        if len(pending) >= in_flight:
            yield from done()
    while pending:
        yield from done()


def compile_blocks(plan: BlockPlan, builder: RecordBuilder, workers: int, *, with_bodies: bool,
                   stats: OcdsReadStats, rejects: list[Reject]) -> Iterator[CompiledProcess]:
    """Every process of one big file grouped by ocid, built by workers that read the file's blocks
    themselves (:mod:`~ocds_pipeline.compile.blocks`), in file order, with its release bodies when
    ``with_bodies``. What the reading counted and refused goes into ``stats`` and ``rejects``.

    Raises :class:`~ocds_pipeline.compile.stream.NotGroupedError` when an ocid comes back after another.
    """
    seen: set[str] = set()
    work = partial(_built, builder=builder, with_bodies=with_bodies)
    for processes in worked_blocks(plan, work, workers, stats, rejects):
        for process in processes:
            if process.ocid in seen:
                raise NotGroupedError(process.ocid)
            seen.add(process.ocid)
            yield process


def _built(groups: list[Releases], rejects: list[Reject], builder: RecordBuilder, with_bodies: bool) -> list[CompiledProcess]:
    """Whole processes as read, built (their bodies made from the parsed releases when wanted)."""
    processes = []
    for ocid, read in groups:
        releases = distinct_releases(ocid, read, rejects)
        bodies = [orjson.dumps(release) for release in releases] if with_bodies else []
        process = builder.build(ocid, releases, sum(map(len, bodies)))
        process.bodies = bodies
        processes.append(process)
    return processes
