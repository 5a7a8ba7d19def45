"""Each process of one big OCDS file grouped by ocid, worked on in forked workers a block at a time.

The file is cut in blocks (:mod:`~ocds_pipeline.sources.ocds_blocks`); a worker reads a block, groups
its releases by ocid and works on every group but the first and the last, which may go on in the
blocks beside it: those come back as read, are joined across the cut here and worked on in this
process. Results come in file order, and what each block's reading counted and refused comes back
with it. The parent never parses a release of the inner groups, and only results cross the pipe.

An ocid that comes back after another inside a block raises :class:`~.stream.NotGroupedError` (from the
worker); a worker sees only its block, so across blocks the caller checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Generic, Iterator, TypeVar

from ..parallel import map_forked
from ..sources.ocds import OcdsReadStats
from ..sources.ocds_blocks import Block, BlockPlan, read_block
from ..sources.rejects import Reject
from .stream import runs_by_ocid

T = TypeVar("T")
Releases = tuple[str, list[dict[str, Any]]]  # an ocid and its releases as read, in file order
# What is done with whole groups of releases (each process once), and where it reports what it refuses.
Work = Callable[[list[Releases], list[Reject]], T]


@dataclass
class _Part(Generic[T]):
    """What a worker made of one block: its first and last groups as read (either may go on in the
    next block), the work on the groups in between, and what reading the block counted and refused."""

    first: Releases | None
    done: T | None
    last: Releases | None
    stats: OcdsReadStats
    rejects: list[Reject]


def worked_blocks(plan: BlockPlan, work: Work[T], workers: int, stats: OcdsReadStats | None = None,
                  rejects: list[Reject] | None = None) -> Iterator[T]:
    """``work`` on every process of the plan's blocks, in ``workers`` processes, results in file order.

    ``work`` is called with groups of whole processes: in a worker for a block's inner groups, here for
    each process cut between blocks. What the reading counted goes into ``stats`` (the package's own
    fields before its array included) and what it, or ``work``, refused into ``rejects``.
    """
    stats = stats if stats is not None else OcdsReadStats()
    rejects = rejects if rejects is not None else []
    stats.declared.add_package(plan.head)
    pending: Releases | None = None
    for part in map_forked(partial(_work_block, work=work), plan.blocks, workers):
        stats.add(part.stats)
        found: list[T] = []
        if part.first is not None:
            if pending is not None and pending[0] == part.first[0]:
                pending[1].extend(part.first[1])  # one process across the cut
            else:
                if pending is not None:
                    found.append(work([pending], rejects))
                pending = part.first
        if part.last is not None:  # the first group ended inside this block
            found.append(work([pending], rejects))
            pending = part.last
        rejects += part.rejects
        if part.done is not None:
            found.append(part.done)
        del part
        yield from found
        del found
    if pending is not None:
        yield work([pending], rejects)
    # The last block of a package found the fields after its array; those before are the plan's head.
    stats.metadata = [(key, {**plan.head, **fields}) for key, fields in stats.metadata]


def _work_block(block: Block, work: Work[T]) -> _Part[T]:
    """In a worker: read one block, group its releases by ocid, and work on all groups but the edges."""
    stats, rejects = OcdsReadStats(), []
    groups = list(runs_by_ocid(read_block(block, stats, rejects)))
    if len(groups) < 2:
        return _Part(groups[0] if groups else None, None, None, stats, rejects)
    return _Part(groups[0], work(groups[1:-1], rejects), groups[-1], stats, rejects)
