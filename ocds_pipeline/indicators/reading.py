"""The fact tables of OCDS files, with the reading shared by worker processes.

Reading, merging and summarising each process into its facts is nearly all the time an indicators
run takes (94 % at 100,000 compiled releases). One big JSON Lines file or release package grouped
by ocid is cut in blocks (:mod:`~ocds_pipeline.sources.ocds_blocks`); each worker reads a block,
merges its processes and returns their facts, which :func:`.facts.combine` joins into exactly the
tables of one sequential pass. A process whose releases straddle a cut comes back unmerged from both
sides (the last group of a block, the first of the next) and is merged here. Any other input, or
one that turns out not to be grouped by ocid or to hold something that is not OCDS (then refused at its
line in the file), is read sequentially (:func:`.stream.with_compiled`).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from ..compile.blocks import Releases, worked_blocks
from ..compile.merge import Merger
from ..compile.stream import NotGroupedError, compiled_releases, default_merger, distinct_releases, with_compiled
from ..progress import Reporter
from ..schemas import SchemaResolver
from ..sources.ocds import NotOCDSError
from ..sources.ocds_blocks import BlockPlan, BlockSplitError, plan_blocks
from ..sources.rejects import Reject
from .facts import Facts, combine, facts, has_repeats

BLOCK_SIZE = 32 << 20  # a worker's share at a time: some 7,000 compiled releases
PROGRESS_EVERY = 10_000  # processes between two reports, when read in one process


def facts_of_files(paths: Sequence[Path], workers: int = 1, resolver: SchemaResolver | None = None,
                   block_size: int = BLOCK_SIZE, progress: Reporter | None = None) -> Facts:
    """Both fact tables of any OCDS files, each process once; one big file grouped by ocid is read
    by ``workers`` processes. ``progress`` is told how many processes were summarised so far."""
    merger = default_merger(resolver)
    plan = plan_blocks(paths[0], block_size) if workers > 1 and len(paths) == 1 else None
    if plan is not None:
        try:
            return _in_blocks(plan, merger, workers, progress)
        except (NotGroupedError, BlockSplitError, NotOCDSError):
            pass  # read again from the start, sequentially: regrouped by ocid, or the refusal's line in the file
    return with_compiled(paths, lambda compiled: facts(_counted(compiled, progress)), merger=merger)


def _counted(compiled: Iterable[dict[str, Any]], progress: Reporter | None) -> Iterator[dict[str, Any]]:
    done = 0
    for done, release in enumerate(compiled, 1):
        if progress and done % PROGRESS_EVERY == 0:
            progress("processes", done)
        yield release
    if progress:
        progress("processes", done)


def _in_blocks(plan: BlockPlan, merger: Merger, workers: int, progress: Reporter | None) -> Facts:
    """The parts in file order, each edge process between its blocks' parts, combined as they come (no
    part is held once its columns are taken): a file in ocid order gives tables already in ocid order,
    which :func:`.facts.combine` then need not sort."""
    tables = combine(_counted_parts(worked_blocks(plan, partial(_facts, merger=merger), workers), progress))
    if has_repeats(tables.processes["ocid"]):
        raise NotGroupedError("an ocid comes back after another one")
    return tables


def _counted_parts(parts: Iterable[Facts], progress: Reporter | None) -> Iterator[Facts]:
    done = 0
    for part in parts:
        done += len(part.processes)
        yield part
        del part  # before the next part is made
        if progress:
            progress("processes", done)
    if progress:
        progress("processes", done)


def _facts(groups: list[Releases], rejects: list[Reject], merger: Merger) -> Facts:
    """The facts of whole groups of releases (a compiled release alone is used as it is). An indicators run
    reports no rejects: what cannot be merged is not counted."""
    whole = ((ocid, distinct_releases(ocid, releases, rejects)) for ocid, releases in groups)
    return facts(compiled_releases(whole, merger, rejects))
