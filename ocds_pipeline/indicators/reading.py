"""The fact tables of OCDS files, with the reading shared by worker processes.

Reading, merging and summarising each process into its facts is nearly all the time an indicators
run takes (94 % at 100,000 compiled releases). One big JSON Lines file or release package grouped
by ocid is cut in blocks (:mod:`~ocds_pipeline.sources.ocds_blocks`); each worker reads a block,
merges its processes and returns their facts, which :func:`.facts.combine` joins into exactly the
tables of one sequential pass. A process whose releases straddle a cut comes back unmerged from both
sides (the last group of a block, the first of the next) and is merged here. Any other input, or
one that turns out not to be grouped by ocid, is read sequentially (:func:`.stream.with_compiled`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from ..compile.merge import Merger
from ..compile.stream import (NotGroupedError, compiled_releases, default_merger, distinct_releases, runs_by_ocid,
                              with_compiled)
from ..parallel import map_forked
from ..progress import Reporter
from ..schemas import SchemaResolver
from ..sources.ocds import OcdsReadStats
from ..sources.ocds_blocks import Block, BlockSplitError, plan_blocks, read_block
from .facts import Facts, combine, facts, has_repeats

BLOCK_SIZE = 32 << 20  # a worker's share at a time: some 7,000 compiled releases
PROGRESS_EVERY = 10_000  # processes between two reports, when read in one process
Releases = tuple[str, list[dict[str, Any]]]  # an ocid and its releases as read, in file order



@dataclass
class _Part:
    """What a worker made of one block: its first and last groups unmerged (either may go on in the
    next block) and the facts of the processes in between."""

    first: Releases | None
    facts: Facts | None
    last: Releases | None


def facts_of_files(paths: Sequence[Path], workers: int = 1, resolver: SchemaResolver | None = None,
                   block_size: int = BLOCK_SIZE, progress: Reporter | None = None) -> Facts:
    """Both fact tables of any OCDS files, each process once; one big file grouped by ocid is read
    by ``workers`` processes. ``progress`` is told how many processes were summarised so far."""
    merger = default_merger(resolver)
    plan = plan_blocks(paths[0], block_size) if workers > 1 and len(paths) == 1 else None
    if plan is not None:
        try:
            return _in_blocks(plan.blocks, merger, workers, progress)
        except (NotGroupedError, BlockSplitError):
            pass  # read again from the start, sequentially (regrouped by ocid when needed)
    return with_compiled(paths, lambda compiled: facts(_counted(compiled, progress)), merger=merger)


def _counted(compiled: Iterable[dict[str, Any]], progress: Reporter | None) -> Iterator[dict[str, Any]]:
    done = 0
    for done, release in enumerate(compiled, 1):
        if progress and done % PROGRESS_EVERY == 0:
            progress("processes", done)
        yield release
    if progress:
        progress("processes", done)


def _in_blocks(blocks: list[Block], merger: Merger, workers: int, progress: Reporter | None) -> Facts:
    """The parts in file order, each edge process between its blocks' parts, combined as they come (no
    part is held once its columns are taken): a file in ocid order gives tables already in ocid order,
    which :func:`.facts.combine` then need not sort."""
    tables = combine(_block_parts(blocks, merger, workers, progress))
    if has_repeats(tables.processes["ocid"]):
        raise NotGroupedError("an ocid comes back after another one")
    return tables


def _block_parts(blocks: list[Block], merger: Merger, workers: int, progress: Reporter | None) -> Iterator[Facts]:
    done = 0
    pending: Releases | None = None
    for part in map_forked(partial(_block_facts, merger=merger), blocks, workers):
        found: list[Facts] = []
        if part.first is not None:
            if pending is not None and pending[0] == part.first[0]:
                pending[1].extend(part.first[1])  # one process across the cut
            else:
                if pending is not None:
                    found.append(_facts([pending], merger))
                pending = part.first
        if part.last is not None:  # the first group ended inside this block
            found += [_facts([pending], merger), part.facts]
            pending = part.last
        del part
        done += sum(len(tables.processes) for tables in found)
        yield from found
        del found
        if progress:
            progress("processes", done)
    if pending is not None:
        last = _facts([pending], merger)
        done += len(last.processes)
        yield last
    if progress:
        progress("processes", done)


def _facts(groups: list[Releases], merger: Merger) -> Facts:
    """The facts of whole groups of releases (a compiled release alone is used as it is)."""
    rejects: list = []  # an indicators run reports no rejects: what cannot be merged is not counted
    whole = ((ocid, distinct_releases(ocid, releases, rejects)) for ocid, releases in groups)
    return facts(compiled_releases(whole, merger, rejects))


def _block_facts(block: Block, merger: Merger) -> _Part:
    """In a worker: read one block, group its releases by ocid, and take the facts of all groups but the edges."""
    groups = list(runs_by_ocid(read_block(block, OcdsReadStats(), [])))
    if len(groups) < 2:
        return _Part(groups[0] if groups else None, None, None)
    return _Part(groups[0], _facts(groups[1:-1], merger), groups[-1])
